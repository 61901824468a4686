// @vitest-environment jsdom
// A jump to a message (a search result) in the chat store: the log around it is loaded once, the
// newest messages wait aside, the run is extended forward with `sync` until it meets them, and an
// answer for a run no longer shown is dropped instead of leaving a gap.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { ChatEvent, RoomSummary, ServerFrame } from '../protocol/frames'
import { useChatStore } from './chat'
import { useConnectionStore, type Command } from './connection'

const msg = (seq: number): ChatEvent => ({
  seq,
  kind: 'message',
  at: seq,
  user: 2,
  username: 'bob',
  id: 1000 + seq,
  text: `m${seq}`,
  reply_to: null,
  mentions: [],
  files: [],
})
// The room's log: 300 messages, seq 1 to 300.
const LAST = 300
function serve(c: Command): ServerFrame {
  if (c.type === 'history') {
    const before = Math.min(c.before ?? LAST + 1, LAST + 1)
    const limit = c.limit ?? 50
    const items: ChatEvent[] = []
    for (let s = before - 1; s >= 1 && items.length < limit; s--) items.push(msg(s))
    return { type: 'history', room: 3, items, more: (items.at(-1)?.seq ?? 1) > 1 }
  }
  if (c.type === 'sync') {
    const limit = c.limit ?? 500
    const events: ChatEvent[] = []
    for (let s = c.after + 1; s <= LAST && events.length < limit; s++) events.push(msg(s))
    return { type: 'sync', room: 3, events, more: (events.at(-1)?.seq ?? LAST) < LAST, last_seq: LAST }
  }
  return { type: 'members', room: 3, members: [], more: false }
}
const room: RoomSummary = {
  id: 3,
  kind: 'channel',
  name: 'x',
  topic: '',
  last_seq: LAST,
  read_seq: LAST,
  delivered_seq: LAST,
  unread: 0,
  mentions: 0,
  role: 'member',
  members: 2,
  peer: null,
  notify: true,
  volume: 100,
  muted: false,
  hidden: false,
  last_at: LAST,
  group: null,
}

describe('jumping to a message', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  function setup() {
    const connection = useConnectionStore()
    const asked: Command[] = []
    const request = vi.spyOn(connection, 'request').mockImplementation(async (c) => {
      asked.push(c)
      return serve(c)
    })
    vi.spyOn(connection, 'send').mockReturnValue(true)
    const chat = useChatStore()
    chat.rooms.set(3, { ...room })
    return { chat, asked, request }
  }

  it('loads the log around an older message, then forward until the newest, with nothing missing', async () => {
    const { chat, asked } = setup()
    await chat.open(3)
    const t = chat.timelines.get(3)!
    expect(t.items[0]?.seq).toBe(251)

    asked.length = 0
    await chat.jumpTo(3, 100)
    expect(chat.focus).toEqual({ room: 3, seq: 100 })
    expect(asked).toEqual([{ type: 'history', room: 3, before: 126, limit: 51 }])
    expect(t.shows(100)).toBe(true)
    expect(t.items.at(-1)?.seq).toBe(125)
    expect(t.live).not.toBeNull()

    while (t.live) await chat.loadNewer(3)
    expect(asked.filter((c) => c.type === 'sync').map((c) => (c as { after: number }).after)).toEqual([
      125, 225,
    ])
    const seqs = t.items.map((m) => m.seq)
    expect(seqs).toEqual(Array.from({ length: LAST - 75 + 1 }, (_, i) => 75 + i))
  })

  it('asks nothing when the message is already shown, and goes back to the newest on the way', async () => {
    const { chat, asked } = setup()
    await chat.open(3)
    asked.length = 0
    await chat.jumpTo(3, 280)
    expect(asked).toEqual([])
    await chat.jumpTo(3, 20)
    await chat.jumpTo(3, 290) // in the newest run, which is shown again
    expect(asked).toHaveLength(1)
    expect(chat.timelines.get(3)!.live).toBeNull()
  })

  it('opens a room left on an older run at its newest messages', async () => {
    const { chat } = setup()
    await chat.open(3)
    await chat.jumpTo(3, 20)
    chat.focus = null
    await chat.open(3)
    expect(chat.timelines.get(3)!.items.at(-1)?.seq).toBe(LAST)
  })

  it('drops older history asked for a run that is no longer shown', async () => {
    const { chat, request } = setup()
    await chat.open(3)
    await chat.jumpTo(3, 100)
    let release: () => void = () => undefined
    request.mockImplementationOnce(
      (c) => new Promise((ok) => (release = () => ok(serve(c)))), // the page before seq 75
    )
    const older = chat.loadOlder(3)
    chat.backToLive(3)
    release()
    await older
    const seqs = chat.timelines.get(3)!.items.map((m) => m.seq)
    expect(seqs[0]).toBe(251) // not 25…74 glued onto 251…300
  })

  it('loads the room first when it was never opened, once', async () => {
    const { chat, asked } = setup()
    await Promise.all([chat.open(3), chat.jumpTo(3, 100)])
    expect(asked.filter((c) => c.type === 'history' && c.before === undefined)).toHaveLength(1)
    expect(chat.timelines.get(3)!.shows(100)).toBe(true)
  })
})
