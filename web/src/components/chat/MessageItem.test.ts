// Calls in the timeline: one system line with a phone icon (an SVG, never an emoji) and the words.
import { describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import MessageItem from './MessageItem.vue'
import type { ChatEvent } from '../../protocol/frames'
import { useChatStore } from '../../stores/chat'
import { Timeline } from '../../stores/timeline'

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

describe('MessageItem, a reply in a thread', () => {
  const parent: ChatEvent = {
    seq: 5,
    kind: 'message',
    at: 1,
    user: 2,
    username: 'bob',
    id: 40,
    text: 'the question',
  }
  const reply: ChatEvent = {
    seq: 6,
    kind: 'message',
    at: 2,
    user: 1,
    username: 'alice',
    id: 41,
    text: 'yes',
    reply_to: 40,
  }

  it('names the message it answers, by display name, and opens its thread', async () => {
    setActivePinia(createPinia())
    const chat = useChatStore()
    const t = new Timeline()
    t.reset([reply, parent], false, 6)
    chat.timelines.set(3, t)
    chat.profiles.set(2, { display_name: 'Bob Builder', avatar: null })
    const open = vi.spyOn(chat, 'openThread').mockResolvedValue()
    const w = mount(MessageItem, { props: { item: reply, room: 3, grouped: false } })
    const link = w.get('button.reply-to')
    expect(link.text()).toBe('Bob Builder: “the question”')
    expect(link.attributes('aria-label')).toBe('In reply to Bob Builder: “the question”. Open the thread')
    await link.trigger('click')
    expect(open).toHaveBeenCalledWith(3, parent)
  })

  it('says so without a link when the parent is not loaded', () => {
    setActivePinia(createPinia())
    const w = mount(MessageItem, { props: { item: reply, room: 3, grouped: false } })
    expect(w.find('button.reply-to').exists()).toBe(false)
    expect(w.get('.reply-to').text()).toBe('In reply to an earlier message')
  })
})
