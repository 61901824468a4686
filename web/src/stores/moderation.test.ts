// @vitest-environment jsdom
// The pinned list follows `pinned` events: a pin of a loaded message shows at once, a pin of one
// not loaded asks the list again, an unpin takes it out; a mute of the signed-in user moves the
// room's `muted_until`.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { ChatEvent, RoomSummary, ServerFrame } from '../protocol/frames'
import { useChatStore } from './chat'
import { useConnectionStore } from './connection'
import { useModerationStore } from './moderation'
import { Timeline } from './timeline'

const room: RoomSummary = {
  id: 3,
  kind: 'channel',
  name: 'general',
  topic: '',
  last_seq: 2,
  read_seq: 2,
  delivered_seq: 2,
  unread: 0,
  mentions: 0,
  role: 'admin',
  members: 2,
  peer: null,
  notify: true,
  volume: 100,
  muted: false,
  hidden: false,
  muted_until: null,
  last_at: 0,
  group: null,
}
const message = (seq: number, id: number): ChatEvent => ({
  seq,
  kind: 'message',
  at: seq,
  user: 2,
  username: 'bob',
  id,
  text: `m${id}`,
  reply_to: null,
  mentions: [],
  files: [],
})
const event = (seq: number, e: Partial<ChatEvent>): ServerFrame => ({
  type: 'event',
  room: 3,
  event: { seq, at: seq, user: 1, username: 'ann', kind: 'pinned', ...e },
})

describe('moderation store', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  function setUp() {
    const connection = useConnectionStore()
    vi.spyOn(connection, 'send').mockReturnValue(true)
    const request = vi.spyOn(connection, 'request').mockImplementation(async (c) => {
      if (c.type === 'pins') return { type: 'pins', room: 3, items: [message(1, 10)] }
      return { type: 'ack', cid: 'x' }
    })
    // Frames reach the stores through the connection's listeners; here they are handed on by hand.
    const listeners: ((f: ServerFrame) => void)[] = []
    vi.spyOn(connection, 'onFrame').mockImplementation((l) => {
      listeners.push(l)
      return () => undefined
    })
    const chat = useChatStore()
    const moderation = useModerationStore()
    const deliver = (f: ServerFrame) => listeners.forEach((l) => l(f))
    deliver({
      type: 'hello',
      server: 'parley',
      version: 't',
      user: { id: 1, username: 'ann', display_name: '' },
      rooms: [room],
    })
    const t = new Timeline()
    t.reset([message(2, 11), message(1, 10)], false, 2)
    chat.timelines.set(3, t)
    return { request, chat, moderation, deliver }
  }

  it('keeps the pinned list from pinned events', async () => {
    const { request, moderation, deliver } = setUp()
    moderation.openPanel(3)
    expect(moderation.panel).toBe(3)
    await vi.waitFor(() => expect(moderation.pins.get(3)?.map((m) => m.id)).toEqual([10]))
    expect(moderation.isPinned(3, 10)).toBe(true)

    deliver(event(3, { id: 11, on: true }))
    expect(moderation.pins.get(3)?.map((m) => m.id)).toEqual([11, 10])
    deliver(event(4, { id: 10, on: false }))
    expect(moderation.pins.get(3)?.map((m) => m.id)).toEqual([11])
    expect(moderation.isPinned(3, 10)).toBe(false)
    request.mockClear()
    deliver(event(5, { id: 99, on: true })) // not loaded here: the list is asked again
    expect(request).toHaveBeenCalledWith({ type: 'pins', room: 3 })
  })

  it('moves the room’s mute when the signed-in user is muted or unmuted, and no one else’s', () => {
    const { chat, moderation, deliver } = setUp()
    const until = Date.now() + 3_600_000
    const muted = (seq: number, target: number, u: number | null) =>
      event(seq, { kind: 'member_muted', target, target_name: 'x', until: u })
    deliver(muted(3, 2, until))
    expect(chat.rooms.get(3)?.muted_until).toBeNull()
    expect(moderation.mutesIn(3).get(2)).toBe(until) // what the admin's members panel shows
    deliver(muted(4, 1, until))
    expect(chat.rooms.get(3)?.muted_until).toBe(until)
    deliver(muted(5, 1, null))
    expect(chat.rooms.get(3)?.muted_until).toBeNull()
  })
})
