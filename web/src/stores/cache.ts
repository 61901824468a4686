// The offline copy of the chat in IndexedDB, per signed-in user: the rooms list, `me` and the
// others' display names and avatars under `${user}:rooms`, each room's newest timeline items with
// its `last` seq under `${user}:room:${id}`, so a reload renders at once and syncs from where it
// stopped, and the account and its settings under `${user}:session`, so a reload with the server
// out of reach still shows whose app it is (stores/session.ts).
// A second object store keeps the messages still uploading their files (stores/uploads.ts), so a
// reload resumes them: each message's description under `${user}:u:${pid}` and the bytes of its
// files, one Blob each, under `${user}:b:${pid}:${n}`. Both go with the rest on sign-out.
import type { ChatEvent, FileInfo, RoomSummary, UserBrief } from '../protocol/frames'

const DB_NAME = 'parley'
const DB_VERSION = 2 // 1: `cache` only; 2: `uploads` too
const STORE = 'cache'
const UPLOADS = 'uploads'
const LAST_USER_KEY = 'parley.cache-user'
export const CACHED_ITEMS = 200 // the newest timeline items kept per room

export interface CachedRooms {
  me: UserBrief
  rooms: RoomSummary[]
  profiles?: [number, { display_name: string; avatar: string | null }][] // absent in older caches
}

export interface CachedTimeline {
  room: number
  last: number // the last applied seq: the sync continues from here
  hasOlder: boolean
  items: ChatEvent[] // oldest first
}

export interface CachedChat extends CachedRooms {
  timelines: CachedTimeline[]
}

const roomsKey = (user: number): string => `${user}:rooms`
const roomKey = (user: number, room: number): string => `${user}:room:${room}`
const sessionKey = (user: number): string => `${user}:session`
// Every key of one user and none of another's (`1:` does not prefix `12:`).
const userRange = (user: number): IDBKeyRange => IDBKeyRange.bound(`${user}:`, `${user}:\uffff`)

let opening: Promise<IDBDatabase> | null = null

function db(): Promise<IDBDatabase> {
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION)
    req.onupgradeneeded = () => {
      const d = req.result
      if (!d.objectStoreNames.contains(STORE)) d.createObjectStore(STORE)
      if (!d.objectStoreNames.contains(UPLOADS)) d.createObjectStore(UPLOADS)
    }
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
  return { me: head.me, rooms: head.rooms, profiles: head.profiles ?? [], timelines }
}

// The signed-in account as the server last described it (stores/session.ts keeps its shape).
export async function loadSession<T extends { user: { id: number } }>(user: number): Promise<T | null> {
  const tx = (await db()).transaction(STORE, 'readonly')
  const saved = (await result(tx.objectStore(STORE).get(sessionKey(user)))) as T | undefined
  return saved && saved.user?.id === user ? saved : null
}

export function saveSession<T extends { user: { id: number } }>(user: number, session: T): Promise<void> {
  const snapshot: unknown = JSON.parse(JSON.stringify(session))
  return inOrder(async () => {
    const tx = (await db()).transaction(STORE, 'readwrite')
    tx.objectStore(STORE).put(snapshot, sessionKey(user))
    await done(tx)
  })
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

// Forgets everything cached for a user (sign-out), the uploads kept for a reload included.
export function clearChat(user: number): Promise<void> {
  return inOrder(async () => {
    const tx = (await db()).transaction([STORE, UPLOADS], 'readwrite')
    tx.objectStore(STORE).delete(userRange(user))
    tx.objectStore(UPLOADS).delete(userRange(user))
    await done(tx)
  })
}

// ---- messages waiting for their files (stores/uploads.ts) -------------------------------------

export interface SavedFile {
  n: number // its bytes are under `${user}:b:${pid}:${n}`
  name: string
  size: number
  type: string
  id: string | null // the server's upload token, once created
  file: FileInfo | null // the stored file, once every byte is up
}

// A message whose files are on their way, as a reload finds it.
export interface SavedUpload {
  pid: string // random, stable across reloads
  user: number
  room: number
  text: string
  replyTo: number | null
  cid: string // the outbox entry's cid once posted: a second post of it changes nothing
  at: number // when it was sent (ms since the epoch)
  files: SavedFile[] // in the message's order
}

export interface LoadedUpload {
  saved: SavedUpload
  blobs: (Blob | undefined)[] // by `files`, undefined when missing
}

const uploadKey = (user: number, pid: string): string => `${user}:u:${pid}`
const blobKey = (user: number, pid: string, n: number): string => `${user}:b:${pid}:${n}`
const prefixRange = (prefix: string): IDBKeyRange => IDBKeyRange.bound(prefix, `${prefix}\uffff`)

// Keeps a message and the bytes of its files, in one transaction: all of it or (quota) nothing.
export function saveUpload(saved: SavedUpload, blobs: Blob[]): Promise<void> {
  const copy = JSON.parse(JSON.stringify(saved)) as SavedUpload
  return inOrder(async () => {
    const tx = (await db()).transaction(UPLOADS, 'readwrite')
    const store = tx.objectStore(UPLOADS)
    copy.files.forEach((f, i) => {
      const blob = blobs[i]
      if (blob) store.put(blob, blobKey(copy.user, copy.pid, f.n))
    })
    store.put(copy, uploadKey(copy.user, copy.pid))
    await done(tx)
  })
}

// Rewrites a kept message's description (an upload token, a finished file, a file taken out);
// nothing when it is not kept (never saved, refused by the quota, or dropped meanwhile).
export function updateUpload(saved: SavedUpload): Promise<void> {
  const copy = JSON.parse(JSON.stringify(saved)) as SavedUpload
  return inOrder(async () => {
    const tx = (await db()).transaction(UPLOADS, 'readwrite')
    const store = tx.objectStore(UPLOADS)
    const key = uploadKey(copy.user, copy.pid)
    const req = store.get(key) as IDBRequest<SavedUpload | undefined>
    req.onsuccess = () => {
      const before = req.result
      if (!before) return
      store.put(copy, key)
      // Files taken out of the message: their bytes go too.
      for (const f of before.files) {
        if (!copy.files.some((g) => g.n === f.n)) store.delete(blobKey(copy.user, copy.pid, f.n))
      }
    }
    await done(tx)
  })
}

// Forgets a kept message (posted, or cancelled).
export function dropUpload(user: number, pid: string): Promise<void> {
  return inOrder(async () => {
    const tx = (await db()).transaction(UPLOADS, 'readwrite')
    const store = tx.objectStore(UPLOADS)
    store.delete(uploadKey(user, pid))
    store.delete(prefixRange(`${user}:b:${pid}:`))
    await done(tx)
  })
}

// The kept messages of a user with the bytes of their files, oldest first.
export async function loadUploads(user: number): Promise<LoadedUpload[]> {
  const tx = (await db()).transaction(UPLOADS, 'readonly')
  const store = tx.objectStore(UPLOADS)
  const blobs = prefixRange(`${user}:b:`)
  const [all, keys, values] = await Promise.all([
    result(store.getAll(prefixRange(`${user}:u:`)) as IDBRequest<unknown[]>),
    result(store.getAllKeys(blobs)),
    result(store.getAll(blobs) as IDBRequest<unknown[]>),
  ])
  const bytes = new Map<string, Blob>()
  keys.forEach((k, i) => {
    const v = values[i]
    if (typeof k === 'string' && isBlob(v)) bytes.set(k, v)
  })
  return all
    .filter(
      (v): v is SavedUpload =>
        !!v &&
        typeof v === 'object' &&
        typeof (v as SavedUpload).pid === 'string' &&
        (v as SavedUpload).user === user &&
        Array.isArray((v as SavedUpload).files),
    )
    .map((saved) => ({ saved, blobs: saved.files.map((f) => bytes.get(blobKey(user, saved.pid, f.n))) }))
    .sort((a, b) => a.saved.at - b.saved.at)
}

// A Blob or File as IndexedDB gives it back (duck-typed: tests run it in another realm).
function isBlob(v: unknown): v is Blob {
  return (
    !!v &&
    typeof v === 'object' &&
    typeof (v as Blob).size === 'number' &&
    typeof (v as Blob).slice === 'function'
  )
}
