import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { Blob as NodeBlob } from 'node:buffer'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { ChatEvent, RoomSummary, UserBrief } from '../protocol/frames'
import {
  CACHED_ITEMS,
  clearChat,
  closeCacheForTests,
  loadChat,
  loadUploads,
  rememberUser,
  rememberedUser,
  saveChat,
  saveUpload,
  snapshotTimeline,
} from './cache'
import { MEDIA_CACHE } from '../media-cache'
import { useChatStore } from './chat'
import { useConnectionStore } from './connection'
import { useSessionStore, type User } from './session'
import { Timeline } from './timeline'

const me = (id: number): UserBrief => ({ id, username: `u${id}`, display_name: '' })

const room = (id: number, last_seq = 0): RoomSummary => ({
  id,
  kind: 'channel',
  name: `room${id}`,
  topic: '',
  last_seq,
  read_seq: 0,
  delivered_seq: 0,
  unread: 0,
  mentions: 0,
  role: 'member',
  members: 2,
  peer: null,
  notify: true,
  volume: 100,
  muted: false,
  hidden: false,
  last_at: 0,
  group: null,
})

const msg = (seq: number, text = `m${seq}`): ChatEvent => ({
  seq,
  kind: 'message',
  at: seq,
  user: 2,
  username: 'u2',
  id: 100 + seq,
  text,
  reply_to: null,
  mentions: [],
})

function timelineOf(count: number): Timeline {
  const t = new Timeline()
  for (let seq = 1; seq <= count; seq++) t.apply(msg(seq))
  t.hasOlder = false
  return t
}

// Cache Storage as the page sees it: the service worker keeps pictures in MEDIA_CACHE.
let cacheNames: Set<string>

beforeEach(() => {
  closeCacheForTests()
  globalThis.indexedDB = new IDBFactory()
  localStorage.clear()
  setActivePinia(createPinia())
  cacheNames = new Set(['parley-shell-abc', MEDIA_CACHE])
  vi.stubGlobal('caches', {
    keys: vi.fn(() => Promise.resolve([...cacheNames])),
    delete: (name: string) => Promise.resolve(cacheNames.delete(name)),
  })
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('cache', () => {
  it('round-trips the rooms, me and timelines', async () => {
    await saveChat(1, { me: me(1), rooms: [room(3, 5), room(4)] }, [snapshotTimeline(3, timelineOf(5))], [])
    const cached = await loadChat(1)
    expect(cached?.me).toEqual(me(1))
    expect(cached?.rooms.map((r) => r.id)).toEqual([3, 4])
    expect(cached?.timelines).toHaveLength(1)
    const t = cached?.timelines[0]
    expect(t).toMatchObject({ room: 3, last: 5, hasOlder: false })
    expect(t?.items.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5'])
  })

  it('keeps the newest items of a long timeline and says older ones exist', () => {
    const t = snapshotTimeline(3, timelineOf(CACHED_ITEMS + 50))
    expect(t.items).toHaveLength(CACHED_ITEMS)
    expect(t.items[0]?.seq).toBe(51)
    expect(t.last).toBe(CACHED_ITEMS + 50)
    expect(t.hasOlder).toBe(true)
  })

  it('does not load the cache of another user', async () => {
    await saveChat(12, { me: me(12), rooms: [room(3)] }, [snapshotTimeline(3, timelineOf(2))], [])
    expect(await loadChat(1)).toBeNull()
    await saveChat(1, { me: me(1), rooms: [room(4)] }, [], [])
    const cached = await loadChat(1)
    expect(cached?.rooms.map((r) => r.id)).toEqual([4])
    expect(cached?.timelines).toEqual([])
  })

  it('clears one user and keeps the others', async () => {
    await saveChat(1, { me: me(1), rooms: [room(3)] }, [snapshotTimeline(3, timelineOf(2))], [])
    await saveChat(2, { me: me(2), rooms: [room(3)] }, [snapshotTimeline(3, timelineOf(2))], [])
    await clearChat(1)
    expect(await loadChat(1)).toBeNull()
    expect((await loadChat(2))?.timelines).toHaveLength(1)
  })

  it('upgrades a database of the first version, keeping its cache', async () => {
    await new Promise<void>((ok, fail) => {
      const req = indexedDB.open('parley', 1)
      req.onupgradeneeded = () =>
        req.result.createObjectStore('cache').put({ me: me(1), rooms: [] }, '1:rooms')
      req.onsuccess = () => {
        req.result.close()
        ok()
      }
      req.onerror = () => fail(req.error)
    })
    expect((await loadChat(1))?.me).toEqual(me(1))
    expect(await loadUploads(1)).toEqual([])
  })

  it('clears the uploads kept for a reload with the rest, one user only', async () => {
    const kept = (user: number) => ({
      pid: `p${user}`,
      user,
      room: 3,
      text: '',
      replyTo: null,
      cid: `c${user}`,
      at: 0,
      files: [{ n: 0, name: 'a.bin', size: 3, type: '', id: null, file: null }],
    })
    await saveUpload(kept(1), [new NodeBlob(['abc']) as Blob])
    await saveUpload(kept(12), [new NodeBlob(['xyz']) as Blob])
    expect((await loadUploads(1)).map((u) => u.saved.pid)).toEqual(['p1'])
    await clearChat(1)
    expect(await loadUploads(1)).toEqual([])
    const other = await loadUploads(12)
    expect(other.map((u) => u.blobs[0]?.size)).toEqual([3])
  })

  it('drops the timelines of rooms named as gone', async () => {
    const both = [snapshotTimeline(3, timelineOf(2)), snapshotTimeline(4, timelineOf(1))]
    await saveChat(1, { me: me(1), rooms: [room(3), room(4)] }, both, [])
    await saveChat(1, { me: me(1), rooms: [room(4)] }, [], [3])
    expect((await loadChat(1))?.timelines.map((t) => t.room)).toEqual([4])
  })

  it('remembers the last signed-in user', () => {
    expect(rememberedUser()).toBeNull()
    rememberUser(7)
    expect(rememberedUser()).toBe(7)
    rememberUser(null)
    expect(rememberedUser()).toBeNull()
  })

  it('restores a timeline that continues by seq, ignoring duplicates', async () => {
    await saveChat(1, { me: me(1), rooms: [room(3, 5)] }, [snapshotTimeline(3, timelineOf(5))], [])
    const c = (await loadChat(1))?.timelines[0]
    if (!c) throw new Error('no timeline')
    const t = new Timeline()
    t.reset([...c.items].reverse(), c.hasOlder, c.last)
    expect(t.apply(msg(5))).toBe('duplicate')
    expect(t.apply(msg(4))).toBe('duplicate')
    expect(t.apply(msg(6))).toBe('applied')
    expect(t.apply(msg(8))).toBe('gap')
    expect(t.apply(msg(7))).toBe('applied')
    expect(t.items.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(t.last).toBe(8)
  })
})

describe('chat store with the cache', () => {
  const user = (id: number): User => ({
    ...me(id),
    about: '',
    email: null,
    email_confirmed: false,
    avatar_url: null,
    is_admin: false,
    is_guest: false,
    created_at: 0,
  })

  async function cachedStore() {
    await saveChat(
      1,
      { me: me(1), rooms: [room(3, 5), room(4, 2)] },
      [snapshotTimeline(3, timelineOf(5)), snapshotTimeline(4, timelineOf(2))],
      [],
    )
    rememberUser(1)
    const chat = useChatStore()
    await vi.waitFor(() => expect(chat.cacheReady).toBe(true))
    return chat
  }

  it('shows the cached rooms and timelines before hello', async () => {
    const chat = await cachedStore()
    expect(chat.me?.id).toBe(1)
    expect([...chat.rooms.keys()].sort()).toEqual([3, 4])
    expect(chat.timelines.get(3)?.last).toBe(5)
    expect(chat.timelines.get(3)?.items.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5'])
  })

  it('applies live events from the cached seq and drops rooms left meanwhile from the cache', async () => {
    const chat = await cachedStore()
    const connection = useConnectionStore()
    connection.handleFrame({
      type: 'hello',
      server: 'parley',
      version: '1',
      user: me(1),
      rooms: [room(3, 6)],
    })
    expect(chat.rooms.has(4)).toBe(false)
    connection.handleFrame({ type: 'event', room: 3, event: msg(5) })
    connection.handleFrame({ type: 'event', room: 3, event: msg(6, 'new') })
    expect(chat.timelines.get(3)?.items.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6])
    await vi.waitFor(async () => {
      const cached = await loadChat(1)
      expect(cached?.rooms.map((r) => r.id)).toEqual([3])
      expect(cached?.timelines.map((t) => [t.room, t.last])).toEqual([[3, 6]])
    })
  })

  it('erases the cache of the user who signs out', async () => {
    const chat = await cachedStore()
    const session = useSessionStore()
    session.user = user(1)
    session.loaded = true
    expect(chat.rooms.size).toBe(2)
    session.user = null
    expect(chat.rooms.size).toBe(0)
    expect(chat.me).toBeNull()
    expect(rememberedUser()).toBeNull()
    await vi.waitFor(async () => expect(await loadChat(1)).toBeNull())
    // The pictures the service worker kept for offline history go too; the app shell stays.
    await vi.waitFor(() => expect([...cacheNames]).toEqual(['parley-shell-abc']))
  })

  it('keeps the cached pictures offline and when the same user is signed in again', async () => {
    const chat = await cachedStore() // started with no session loaded, as when the server is down
    expect(chat.rooms.size).toBe(2)
    const session = useSessionStore()
    session.user = user(1)
    session.loaded = true
    // Erasing starts with listing the buckets, synchronously in the session watcher: never here.
    expect(vi.mocked(caches.keys)).not.toHaveBeenCalled()
    expect(cacheNames.has(MEDIA_CACHE)).toBe(true)
  })

  it('does not show a cached user to another one who signs in', async () => {
    const chat = await cachedStore()
    const session = useSessionStore()
    session.user = user(2)
    session.loaded = true
    expect(chat.rooms.size).toBe(0)
    expect(rememberedUser()).toBe(2)
    await vi.waitFor(() => expect(chat.cacheReady).toBe(true))
    expect(chat.rooms.size).toBe(0)
    await vi.waitFor(() => expect(cacheNames.has(MEDIA_CACHE)).toBe(false))
  })
})
