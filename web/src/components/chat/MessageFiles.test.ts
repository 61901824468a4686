// @vitest-environment jsdom
// How a message's files show: images in a box of their shape with their variants, media players,
// and cards whose names stay text; a click on an image opens the viewer, arrows move in it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import type { FileInfo } from '../../protocol/frames'
import { fileInfo } from '../../protocol/files.fixture'
import MessageFiles from './MessageFiles.vue'

const base: FileInfo = fileInfo()
const dog: FileInfo = {
  ...base,
  id: 2,
  name: 'dog.gif',
  animated: true,
  thumb: false,
  preview: false,
  url: '/api/files/2',
}
const song: FileInfo = {
  ...base,
  id: 3,
  name: 'song.mp3',
  kind: 'audio',
  type: 'audio/mpeg',
  width: null,
  height: null,
  url: '/api/files/3',
}
const clip: FileInfo = {
  ...base,
  id: 4,
  name: 'clip.mp4',
  kind: 'video',
  type: 'video/mp4',
  width: 1920,
  height: 1080,
  url: '/api/files/4',
}
const hostile: FileInfo = {
  ...base,
  id: 5,
  name: '<img src=x onerror=alert(1)>.zip',
  kind: 'file',
  type: 'application/zip',
  size: 2048,
  width: null,
  height: null,
  url: '/api/files/5',
}

// jsdom has neither modal dialogs nor media playback.
beforeAll(() => {
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.open = true
  }
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.open = false
    this.dispatchEvent(new Event('close'))
  }
  HTMLMediaElement.prototype.pause = () => undefined
})

const mounted: { unmount(): void }[] = []
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
  document.body.innerHTML = ''
})
function render(files: FileInfo[]) {
  const w = mount(MessageFiles, { props: { files }, attachTo: document.body })
  mounted.push(w)
  return w
}

describe('MessageFiles', () => {
  it('shows an image in a box of its shape, with its variants, lazily', () => {
    const img = render([base]).find('img')
    expect(img.attributes()).toMatchObject({
      src: '/api/files/1?v=thumb',
      srcset: '/api/files/1?v=thumb 320w, /api/files/1?v=preview 1280w, /api/files/1 1600w',
      sizes: '320px',
      alt: 'cat.jpg',
      loading: 'lazy',
    })
    const box = img.element.parentElement as HTMLElement
    expect(box.style.width).toBe('320px')
    expect(box.style.aspectRatio).toBe('1600 / 1200')
  })

  it('serves an animated image whole', () => {
    const img = render([dog]).find('img')
    expect(img.attributes('src')).toBe('/api/files/2')
    expect(img.attributes('srcset')).toBeUndefined()
  })

  it('plays audio and video, loading only their metadata first', () => {
    const w = render([song, clip])
    expect(w.find('audio').attributes()).toMatchObject({ src: '/api/files/3', preload: 'metadata' })
    const video = w.find('video')
    expect(video.attributes()).toMatchObject({ src: '/api/files/4', preload: 'metadata', controls: '' })
    expect((video.element as HTMLElement).style.width).toBe('480px')
  })

  it('shows other files as a card whose name is text, with a download link', () => {
    const w = render([hostile])
    expect(w.find('.card').text()).toContain('<img src=x onerror=alert(1)>.zip')
    expect(w.find('.card').text()).toContain('2.0 KB')
    expect(w.find('img').exists()).toBe(false)
    const a = w.find('a')
    expect(a.attributes()).toMatchObject({
      href: '/api/files/5',
      download: '<img src=x onerror=alert(1)>.zip',
    })
  })

  it('opens the viewer on a click, moves with the arrows between the images, zooms, closes with Close', async () => {
    const w = render([base, hostile, dog])
    await w.findAll('button.picture')[0]!.trigger('click')
    const dialog = () => document.body.querySelector('dialog')
    expect(dialog()?.getAttribute('aria-label')).toBe('Image cat.jpg')
    expect(dialog()?.querySelector('img')?.getAttribute('src')).toBe('/api/files/1')
    expect(dialog()?.textContent).toContain('1 of 2') // the card is not an image
    dialog()!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }))
    await w.vm.$nextTick()
    expect(dialog()?.querySelector('img')?.getAttribute('src')).toBe('/api/files/2')
    dialog()!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }))
    await w.vm.$nextTick()
    expect(dialog()?.getAttribute('aria-label')).toBe('Image cat.jpg') // wraps around
    // + zooms in (Zoom out becomes possible), 0 fits again.
    const button = (name: string) =>
      dialog()!.querySelector<HTMLButtonElement>(`button[aria-label="${name}"]`)!
    expect(button('Zoom out').disabled).toBe(true)
    dialog()!.dispatchEvent(new KeyboardEvent('keydown', { key: '+', bubbles: true }))
    await w.vm.$nextTick()
    expect(button('Zoom out').disabled).toBe(false)
    dialog()!.dispatchEvent(new KeyboardEvent('keydown', { key: '0', bubbles: true }))
    await w.vm.$nextTick()
    expect(button('Zoom out').disabled).toBe(true)
    button('Close').click()
    await w.vm.$nextTick()
    expect(dialog()).toBeNull()
  })
})
