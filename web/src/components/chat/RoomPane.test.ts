// @vitest-environment jsdom
// A reader who scrolled up stays where they are when messages arrive, even when a message comes
// before the browser reported the scroll (it does so with its next frame); a reader at the bottom
// follows new messages, also after the content above grew.
import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { ChatEvent } from '../../protocol/frames'
import { useChatStore } from '../../stores/chat'
import { Timeline } from '../../stores/timeline'
import { testRoom } from '../../stores/test-room'
import RoomPane from './RoomPane.vue'

const message = (seq: number): ChatEvent => ({
  seq,
  kind: 'message',
  at: 1_764_000_000_000 + seq * 1000,
  user: 2,
  username: 'ann',
  id: seq,
  text: `part ${seq}`,
  reply_to: null,
  mentions: [],
})

// jsdom lays nothing out: the list gets a height, a content height and a position of its own.
async function openRoom() {
  setActivePinia(createPinia())
  const chat = useChatStore()
  chat.rooms.set(1, testRoom({ id: 1, name: 'history' }))
  const t = new Timeline()
  for (let seq = 1; seq <= 30; seq++) t.apply(message(seq))
  chat.timelines.set(1, t)
  const wrapper = mount(RoomPane, { props: { room: 1 }, attachTo: document.body })
  const list = wrapper.get('.list').element as HTMLElement
  const box = { top: 0, height: 3000 }
  Object.defineProperty(list, 'clientHeight', { get: () => 500 })
  Object.defineProperty(list, 'scrollHeight', { get: () => box.height })
  Object.defineProperty(list, 'scrollTop', {
    get: () => box.top,
    set: (v: number) => (box.top = Math.max(0, Math.min(v, box.height - 500))),
  })
  await flushPromises()
  list.scrollTop = 2500
  list.dispatchEvent(new Event('scroll'))
  let seq = 30
  return {
    wrapper,
    box,
    list,
    async arrive() {
      chat.timelines.get(1)!.apply(message(++seq))
      box.height += 100
      await flushPromises()
    },
    jumpButton: () => wrapper.findAll('button.jump'),
  }
}

describe('RoomPane, new messages and where the reader is', () => {
  it('leaves a reader who scrolled up in place, counting what arrived, when no scroll event came yet', async () => {
    const room = await openRoom()
    room.list.scrollTop = 0 // scrolled up; the browser reports it with its next frame
    await room.arrive()
    await room.arrive()
    expect(room.box.top).toBe(0)
    expect(room.jumpButton().map((b) => b.text())).toEqual(['Jump to latest (2 new)'])
    room.wrapper.unmount()
  })

  it('keeps a reader at the bottom there as messages arrive, also after the content above grew', async () => {
    const room = await openRoom()
    await room.arrive()
    expect(room.box.top).toBe(room.box.height - 500)
    room.box.height += 400 // an image above loaded: no scroll, no event
    await room.arrive()
    expect(room.box.top).toBe(room.box.height - 500)
    expect(room.jumpButton()).toHaveLength(0)
    room.wrapper.unmount()
  })
})
