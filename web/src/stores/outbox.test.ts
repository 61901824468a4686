// @vitest-environment jsdom
// The outbox: a message sent while offline waits (and survives a reload), goes out again with the
// same cid when the socket is back, and leaves the outbox only when the server acknowledges it.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { TOO_LARGE, useChatStore } from './chat'
import { FRAME_MAX_BYTES, MESSAGE_MAX_BYTES } from '../protocol/limits'
import { useConnectionStore } from './connection'

const hello = {
  type: 'hello' as const,
  server: 'parley',
  version: 'test',
  user: { id: 1, username: 'ann', display_name: 'Ann' },
  rooms: [],
}

describe('outbox', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  it('keeps a message sent offline, resends it with its cid on hello, and drops it on ack', () => {
    const connection = useConnectionStore()
    const send = vi.spyOn(connection, 'send').mockReturnValue(false)
    const chat = useChatStore()
    chat.post(3, 'written offline')
    expect(chat.outbox).toHaveLength(1)
    const cid = chat.outbox[0]!.cid
    expect(JSON.parse(localStorage.getItem('parley.outbox') ?? '[]')).toHaveLength(1)

    send.mockReturnValue(true)
    chat.handle(hello)
    expect(send).toHaveBeenLastCalledWith({ type: 'post', cid, room: 3, text: 'written offline' })
    chat.handle(hello) // a second reconnect resends the same command, never a new one
    expect(send.mock.calls.filter(([c]) => c.type === 'post' && c.cid === cid)).toHaveLength(3)

    chat.handle({ type: 'ack', cid, room: 3, seq: 9, id: 4 })
    expect(chat.outbox).toHaveLength(0)
    expect(JSON.parse(localStorage.getItem('parley.outbox') ?? '[]')).toHaveLength(0)
  })

  it('marks a refused message, keeps it for the user to see, and stops resending it', () => {
    const connection = useConnectionStore()
    const send = vi.spyOn(connection, 'send').mockReturnValue(true)
    const chat = useChatStore()
    chat.post(3, 'x'.repeat(10))
    const cid = chat.outbox[0]!.cid
    chat.handle({ type: 'error', code: 'forbidden', message: 'Join the channel to post in it', cid })
    expect(chat.outbox[0]!.failed).toBe('Join the channel to post in it')
    send.mockClear()
    chat.handle(hello)
    expect(send.mock.calls.filter(([c]) => c.type === 'post')).toHaveLength(0)
    chat.discard(cid)
    expect(chat.outbox).toHaveLength(0)
  })
})

describe('outbox: what the server cannot take', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  it('never sends a message larger than a frame, and says why', () => {
    const connection = useConnectionStore()
    const send = vi.spyOn(connection, 'send').mockReturnValue(true)
    const chat = useChatStore()
    const big = 'x'.repeat(FRAME_MAX_BYTES)
    expect(chat.fits(3, big)).toBe(false)
    expect(chat.fits(3, 'small')).toBe(true)
    expect(chat.fits(3, 'ü'.repeat(MESSAGE_MAX_BYTES / 2))).toBe(true)
    expect(chat.fits(3, 'ü'.repeat(MESSAGE_MAX_BYTES / 2 + 1))).toBe(false) // bytes, not characters
    expect(chat.fits(3, '"'.repeat(MESSAGE_MAX_BYTES))).toBe(true) // escaped, still within a frame
    chat.post(3, big) // a message queued by an older client, say
    expect(chat.outbox[0]!.failed).toBe(TOO_LARGE())
    chat.handle(hello)
    expect(send.mock.calls.filter(([c]) => c.type === 'post')).toHaveLength(0)
  })

  it('stops resending a message the server refused by closing the socket; the others go on', () => {
    const connection = useConnectionStore()
    const send = vi.spyOn(connection, 'send').mockReturnValue(true)
    const chat = useChatStore()
    chat.post(3, 'y'.repeat(10_000)) // within the limits the client knows; the server's are smaller
    chat.post(3, 'a later message')
    const [big, later] = chat.outbox.map((e) => e.cid)
    expect(send.mock.calls.filter(([c]) => c.type === 'post')).toHaveLength(2)
    // The socket closed with 1009; the largest thing it sent was that post.
    connection.handleTooLarge(JSON.stringify({ type: 'post', cid: big, room: 3, text: 'y'.repeat(10_000) }))
    expect(chat.outbox.find((e) => e.cid === big)?.failed).toBe(TOO_LARGE())
    expect(JSON.parse(localStorage.getItem('parley.outbox') ?? '[]')[0].failed).toBe(TOO_LARGE())

    send.mockClear()
    chat.handle(hello)
    expect(send.mock.calls.map(([c]) => c.type === 'post' && c.cid)).toEqual([later])
  })
})

describe('opening a room', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  it('loads it again on the next hello when the first load was cut off', async () => {
    const connection = useConnectionStore()
    const request = vi.spyOn(connection, 'request').mockRejectedValueOnce(new Error('Connection lost'))
    const room = {
      id: 3,
      kind: 'channel' as const,
      name: 'x',
      topic: '',
      last_seq: 0,
      read_seq: 0,
      delivered_seq: 0,
      unread: 0,
      mentions: 0,
      role: 'member' as const,
      members: 1,
      peer: null,
      notify: true,
      volume: 100,
      muted: false,
      hidden: false,
      last_at: 0,
      group: null,
    }
    const chat = useChatStore()
    chat.rooms.set(3, { ...room })
    await chat.open(3)
    expect(chat.timelines.has(3)).toBe(false)

    request.mockImplementation(async (c) => {
      if (c.type === 'history') return { type: 'history', room: 3, items: [], more: false }
      if (c.type === 'sync') return { type: 'sync', room: 3, events: [], more: false, last_seq: 0 }
      return { type: 'members', room: 3, members: [], more: false }
    })
    chat.handle({ ...hello, rooms: [room] })
    await vi.waitFor(() => expect(chat.timelines.has(3)).toBe(true))
  })
})

describe('outbox: a room admin muted the writer', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  const room = {
    id: 3,
    kind: 'channel' as const,
    name: 'general',
    topic: '',
    last_seq: 0,
    read_seq: 0,
    delivered_seq: 0,
    unread: 0,
    mentions: 0,
    role: 'member' as const,
    members: 2,
    peer: null,
    notify: true,
    volume: 100,
    muted: false,
    hidden: false,
    last_at: 0,
    group: null,
  }

  it('says a refused post was refused for the mute, never leaving it "sending…"', () => {
    vi.spyOn(useConnectionStore(), 'send').mockReturnValue(true)
    const chat = useChatStore()
    chat.handle({ ...hello, rooms: [{ ...room, muted_until: Date.now() + 60_000 }] })
    chat.post(3, 'let me speak')
    const cid = chat.outbox[0]!.cid
    chat.handle({ type: 'error', code: 'forbidden', message: 'A room admin muted you here for now', cid })
    expect(chat.outbox[0]!.failed).toBe('A room admin muted you here.')
  })

  it('keeps the server’s words for another refusal', () => {
    vi.spyOn(useConnectionStore(), 'send').mockReturnValue(true)
    const chat = useChatStore()
    chat.handle({ ...hello, rooms: [{ ...room, muted_until: Date.now() - 1 }] })
    chat.post(3, 'hello')
    const cid = chat.outbox[0]!.cid
    chat.handle({
      type: 'error',
      code: 'forbidden',
      message: 'Join the channel to post in it',
      cid,
      field: 'room',
    })
    expect(chat.outbox[0]!.failed).toBe('Join the channel to post in it')
  })
})
