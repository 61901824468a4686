import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { nextTick } from 'vue'
import MessageText from '../render/MessageText.vue'
import { EmojiText } from './render'
import { selectionText } from './copy'

describe('emoji as pictures', () => {
  it('renders each emoji as an <img> with the character as alt text', () => {
    const w = mount(MessageText, { props: { text: 'Hello 👋 **bold 👍🏽** family 👨‍👩‍👧' } })
    const imgs = w.findAll('img.emoji')
    expect(imgs.map((i) => i.attributes('alt'))).toEqual(['👋', '👍🏽', '👨‍👩‍👧'])
    expect(imgs.map((i) => i.attributes('src'))).toEqual([
      '/emoji/1f44b.svg',
      '/emoji/1f44d-1f3fd.svg',
      '/emoji/1f468-200d-1f469-200d-1f467.svg',
    ])
    expect(imgs[0]?.attributes('loading')).toBe('lazy')
    expect(w.find('strong img.emoji').exists()).toBe(true)
  })

  it('never turns message text into HTML', () => {
    const w = mount(MessageText, { props: { text: '<img src=x onerror=alert(1)> 😀' } })
    expect(w.findAll('img')).toHaveLength(1)
    expect(w.text()).toContain('<img src=x onerror=alert(1)>')
  })

  it('shows a message of only a few emoji large', () => {
    expect(mount(MessageText, { props: { text: '😂😂' } }).classes()).toContain('jumbo')
    expect(mount(MessageText, { props: { text: '😂 ha' } }).classes()).not.toContain('jumbo')
  })

  it('falls back to the character when the picture does not load', async () => {
    const w = mount({ components: { EmojiText }, template: '<p><EmojiText text="new 🫩" /></p>' })
    await w.find('img').trigger('error')
    await nextTick()
    expect(w.find('img').exists()).toBe(false)
    expect(w.element.textContent).toBe('new 🫩')
  })

  it('copies the characters, not the pictures', () => {
    const w = mount(MessageText, { props: { text: 'Hi 👋 there 🇩🇪\n\nsecond 👍🏽' } })
    const range = document.createRange()
    range.selectNodeContents(w.element)
    expect(selectionText(range.cloneContents())).toBe('Hi 👋 there 🇩🇪\nsecond 👍🏽')
  })
})
