// Calls in the timeline: one system line with a phone icon (an SVG, never an emoji) and the words.
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import MessageItem from './MessageItem.vue'
import type { ChatEvent } from '../../protocol/frames'

const event = (over: Partial<ChatEvent>): ChatEvent => ({
  seq: 57,
  kind: 'call',
  at: 1764140065000,
  user: 1,
  username: 'alice',
  call: 'ended',
  video: true,
  duration: 61000,
  ...over,
})

describe('MessageItem, call events', () => {
  it.each([
    [{}, 'Call ended · 1:01'],
    [{ call: 'missed' as const, duration: null }, 'Missed call'],
    [{ call: 'declined' as const, duration: null }, 'Call declined'],
    [{ call: 'started' as const, duration: null }, 'Video call started'],
    [{ call: 'started' as const, video: false, duration: null }, 'Call started'],
  ])('renders %o as "%s"', (over, text) => {
    setActivePinia(createPinia())
    const w = mount(MessageItem, { props: { item: event(over), room: 3, grouped: false } })
    expect(w.text()).toBe(text)
    expect(w.find('li.system svg[aria-hidden="true"]').exists()).toBe(true)
  })
})
