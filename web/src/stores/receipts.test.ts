// @vitest-environment jsdom
// Read positions across a user's devices: a room read elsewhere loses its badge here, live.
import { beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { ChatEvent, RoomSummary } from '../protocol/frames'
import { useChatStore } from './chat'
import { useConnectionStore } from './connection'
import { Timeline } from './timeline'

const room: RoomSummary = {
  id: 3,
  kind: 'channel',
  name: 'general',
  topic: '',
  last_seq: 10,
  read_seq: 6,
  delivered_seq: 10,
  unread: 4,
  mentions: 1,
  role: 'member',
  members: 2,
  peer: null,
  notify: true,
  volume: 100,
  muted: false,
  hidden: false,
  last_at: 0,
  group: null,
}
// A fresh copy each time: the store keeps (and changes) the objects it is given.
const hello = () => ({
  type: 'hello' as const,
  server: 'parley',
  version: 'test',
  user: { id: 1, username: 'ann', display_name: 'Ann' },
  rooms: [{ ...room }],
})
const message = (seq: number, user: number, mentions: number[] = []): ChatEvent => ({
  seq,
  kind: 'message',
  at: seq,
  user,
  username: user === 1 ? 'ann' : 'bob',
  id: seq,
  text: `m${seq}`,
  mentions,
})

describe('read positions from the other devices', () => {
  let request: MockInstance<ReturnType<typeof useConnectionStore>['request']>
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
    const connection = useConnectionStore()
    vi.spyOn(connection, 'send').mockReturnValue(true)
    request = vi.spyOn(connection, 'request').mockImplementation(async () => ({
      type: 'rooms',
      rooms: [{ ...room, read_seq: 8, unread: 2, mentions: 0 }],
    }))
  })

  it('clears the badge and the total when the room was read to its end elsewhere', () => {
    const chat = useChatStore()
    chat.handle(hello())
    expect(chat.totalUnread).toBe(4)
    chat.handle({ type: 'receipt', room: 3, user: 1, delivered: 10, read: 10 })
    expect(chat.rooms.get(3)).toMatchObject({ unread: 0, mentions: 0, read_seq: 10 })
    expect(chat.totalUnread).toBe(0)
  })

  it("ignores others' receipts and positions older than its own", () => {
    const chat = useChatStore()
    chat.handle(hello())
    chat.handle({ type: 'receipt', room: 3, user: 2, delivered: 10, read: 10 })
    chat.handle({ type: 'receipt', room: 3, user: 1, delivered: 10, read: 5 })
    expect(chat.rooms.get(3)).toMatchObject({ unread: 4, mentions: 1, read_seq: 6 })
  })

  it('counts what is left after a partial read from the timeline it holds', () => {
    const chat = useChatStore()
    chat.handle(hello())
    const t = new Timeline()
    // seq 7: Bob mentions Ann; 8: Ann; 9, 10: Bob.
    t.reset([message(10, 2), message(9, 2), message(8, 1), message(7, 2, [1])], false, 10)
    chat.timelines.set(3, t)
    chat.handle({ type: 'receipt', room: 3, user: 1, delivered: 10, read: 8 })
    expect(chat.rooms.get(3)).toMatchObject({ unread: 2, mentions: 0, read_seq: 8 })
    expect(request).not.toHaveBeenCalledWith({ type: 'rooms' })
  })

  it('asks the server for the counts when it does not hold the messages after a partial read', async () => {
    const chat = useChatStore()
    chat.handle(hello())
    chat.handle({ type: 'receipt', room: 3, user: 1, delivered: 10, read: 8 })
    expect(request).toHaveBeenCalledWith({ type: 'rooms' })
    await vi.waitFor(() => expect(chat.rooms.get(3)).toMatchObject({ unread: 2, read_seq: 8 }))
  })
})
