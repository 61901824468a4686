// The offline copy of the chat in IndexedDB, per signed-in user: the rooms list and `me` under
// `${user}:rooms`, and each room's newest timeline items with its `last` seq under
// `${user}:room:${id}`, so a reload renders at once and syncs from where it stopped.
import type { ChatEvent, RoomSummary, UserBrief } from '../protocol/frames'

const DB_NAME = 'parley'
const STORE = 'cache'
const LAST_USER_KEY = 'parley.cache-user'
export const CACHED_ITEMS = 200 // the newest timeline items kept per room

export interface CachedRooms {
  me: UserBrief
  rooms: RoomSummary[]
}

export interface CachedTimeline {
  room: number
  last: number // the last applied seq: the sync continues from here
  hasOlder: boolean
  items: ChatEvent[] // oldest first
}

export interface CachedChat {
  me: UserBrief
  rooms: RoomSummary[]
  timelines: CachedTimeline[]
}

const roomsKey = (user: number): string => `${user}:rooms`
const roomKey = (user: number, room: number): string => `${user}:room:${room}`
// Every key of one user and none of another's (`1:` does not prefix `12:`).
const userRange = (user: number): IDBKeyRange => IDBKeyRange.bound(`${user}:`, `${user}:\uffff`)

let opening: Promise<IDBDatabase> | null = null

function db(): Promise<IDBDatabase> {
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1)
    req.onupgradeneeded = () => req.result.createObjectStore(STORE)
    req.onsuccess = () => {
      const opened = req.result
      opened.onversionchange = () => {
        opened.close() // a newer tab upgrades the schema: let it
        opening = null
      }
      resolve(opened)
    }
    req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'))
  }).catch((e: unknown) => {
    opening = null
    throw e
  })
  return opening
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
  })
}

function result<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
  })
}

// Tests open a fresh database each time; the app keeps one connection.
export function closeCacheForTests(): void {
  void opening?.then((d) => d.close())
  opening = null
}

export function cacheAvailable(): boolean {
  return typeof indexedDB !== 'undefined'
}

// The user whose cache the next start loads before the server has said who is signed in.
export function rememberedUser(): number | null {
  const v = Number(localStorage.getItem(LAST_USER_KEY))
  return Number.isInteger(v) && v > 0 ? v : null
}

export function rememberUser(user: number | null): void {
  if (user === null) localStorage.removeItem(LAST_USER_KEY)
  else localStorage.setItem(LAST_USER_KEY, String(user))
}

// A plain copy (no Vue proxies, which IndexedDB cannot clone) of a timeline's newest items.
export function snapshotTimeline(
  room: number,
  t: { last: number; hasOlder: boolean; items: ChatEvent[] },
): CachedTimeline {
  const cut = t.items.length > CACHED_ITEMS
  const items = JSON.parse(JSON.stringify(t.items.slice(-CACHED_ITEMS))) as ChatEvent[]
  return { room, last: t.last, hasOlder: t.hasOlder || cut, items }
}

// The cached chat of one user, or null when there is none.
export async function loadChat(user: number): Promise<CachedChat | null> {
  const tx = (await db()).transaction(STORE, 'readonly')
  const store = tx.objectStore(STORE)
  const [head, all] = await Promise.all([
    result(store.get(roomsKey(user)) as IDBRequest<CachedRooms | undefined>),
    result(store.getAll(userRange(user)) as IDBRequest<unknown[]>),
  ])
  if (!head) return null
  const timelines = all.filter((v): v is CachedTimeline => !!v && typeof v === 'object' && 'last' in v)
  return { me: head.me, rooms: head.rooms, timelines }
}

// Writes the rooms list, the timelines given and drops the rooms named, in one transaction.
// Writes run one after another, in the order they were asked for: each opens its transaction only
// when the one before has finished, so an older snapshot can never land after a newer one (an
// earlier call still waiting for the database to open would otherwise create its transaction
// last and win).
let writes: Promise<void> = Promise.resolve()
function inOrder(write: () => Promise<void>): Promise<void> {
  const next = writes.then(write, write)
  writes = next.catch(() => undefined)
  return next
}

export function saveChat(
  user: number,
  head: CachedRooms,
  timelines: CachedTimeline[],
  dropped: number[],
): Promise<void> {
  const snapshot = JSON.parse(JSON.stringify(head)) as CachedRooms
  return inOrder(async () => {
    const tx = (await db()).transaction(STORE, 'readwrite')
    const store = tx.objectStore(STORE)
    store.put(snapshot, roomsKey(user))
    for (const t of timelines) store.put(t, roomKey(user, t.room))
    for (const room of dropped) store.delete(roomKey(user, room))
    await done(tx)
  })
}

// Forgets everything cached for a user (sign-out).
export function clearChat(user: number): Promise<void> {
  return inOrder(async () => {
    const tx = (await db()).transaction(STORE, 'readwrite')
    tx.objectStore(STORE).delete(userRange(user))
    await done(tx)
  })
}
