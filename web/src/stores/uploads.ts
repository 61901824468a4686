// Files on their way into a message (docs/api.md, "Files"): each is created with POST
// /api/uploads, then its bytes PUT from the server's offset; a broken connection is retried with
// backoff, resuming from the offset the server reports. When every file of a message is up, the
// message is posted through the chat outbox with the file ids in order. Also holds the files
// picked in each room's composer but not sent yet.
// A message waiting for its files is kept in IndexedDB too (stores/cache.ts: the bytes of its
// files, their upload tokens, the room, caption and reply), so a reload or a crash does not lose
// it: once the session is known and the socket is up, the kept messages are shown again and each
// file resumes from the offset the server reports. The message's cid is chosen when it is sent, so
// even a message posted twice (a crash between the post and forgetting it) appears once.
import { defineStore, getActivePinia } from 'pinia'
import { reactive, ref, toRaw, watch } from 'vue'
import { reconnectDelay } from '../connection/backoff'
import { ApiError, apiErrorFrom } from '../connection/http'
import { xhr, type XhrAnswer, type XhrOptions } from '../connection/xhr'
import { decodeFile, type FileInfo } from '../protocol/frames'
import * as cache from './cache'
import { useChatStore } from './chat'
import { newCid, useConnectionStore } from './connection'
import { serverLimits } from './serverLimits'
import { useSessionStore } from './session'
import { formatSize } from '../components/chat/attachments'
import { t } from '../i18n'

export const MAX_PARALLEL = 2 // files uploading at once, over every message
export const MAX_RETRIES = 5 // network failures in a row before an upload shows as failed
export const MAX_FILES = 10 // per message (docs/protocol.md, `post`)
const SPEED_TAU_MS = 2000 // the speed shown is averaged over about this long
const RETRY_BACKOFF = { baseMs: 1000, maxMs: 15_000 }
// What is kept for a reload: messages whose files add up to at most this many bytes, over every
// message (1 GiB: a full message at the server's default limits); a message past it, or one the
// browser's quota refuses, waits in memory only, as every upload did before.
export const KEEP_MAX_BYTES = 1024 ** 3
export const KEEP_MAX_AGE_MS = 7 * 24 * 3600 * 1000 // a kept message older than this is dropped
const LOCK_PREFIX = 'parley.upload.' // Web Locks: one tab carries each kept message on

// A File, or a Blob given a name (a recording, a pasted image).
export type Sendable = File | (Blob & { name?: string })

export type UploadStatus = 'queued' | 'uploading' | 'retrying' | 'done' | 'failed'

export interface Upload {
  key: number // local
  name: string
  size: number
  blob: Blob
  id: string | null // the server's upload token, once created
  sent: number // bytes the server has, or that are on their way
  speed: number // bytes per second, smoothed
  status: UploadStatus
  error: string | null // why it failed, in words
  file: FileInfo | null // the stored file, once done
}

// A message waiting for its files.
export interface UploadBatch {
  key: number
  pid: string // its name in IndexedDB, the same after a reload
  cid: string // the outbox entry's cid
  room: number
  text: string
  replyTo: number | null
  uploads: Upload[]
}

// A file in a composer's tray. `preview` is an object URL for images (revoked when it leaves).
export interface PickedFile {
  key: number
  file: Sendable
  name: string
  size: number
  preview: string | null
}

interface UploadRecord {
  id: string
  offset: number
}

function decodeUpload(v: unknown): UploadRecord | null {
  if (typeof v !== 'object' || v === null) return null
  const u = (v as { upload?: unknown }).upload
  if (typeof u !== 'object' || u === null) return null
  const { id, offset } = u as Record<string, unknown>
  return typeof id === 'string' && id !== '' && typeof offset === 'number' && offset >= 0
    ? { id, offset }
    : null
}

// The offset a 409 carries: top-level `offset`, or inside `upload`.
function conflictOffset(v: unknown): number | null {
  if (typeof v !== 'object' || v === null) return null
  const offset = (v as { offset?: unknown }).offset
  if (typeof offset === 'number' && offset >= 0) return offset
  return decodeUpload(v)?.offset ?? null
}

function fileName(f: Sendable, index: number): string {
  if (typeof f.name === 'string' && f.name.trim()) return f.name
  const sub = f.type.split('/')[1]?.split(/[;+]/)[0]
  return `file-${index + 1}${sub && /^[a-z0-9.-]{1,10}$/.test(sub) ? `.${sub}` : ''}`
}

// An answer the upload can get past by waiting (429, a server or proxy in trouble).
class Transient extends Error {
  constructor(
    message: string,
    readonly waitMs: number | null,
  ) {
    super(message)
  }
}

class Cancelled extends Error {}

function refusal(a: XhrAnswer): Error {
  const e = apiErrorFrom(a.status, a.body, a.retryAfter)
  if (a.status === 429 || a.status === 502 || a.status === 503 || a.status === 504) {
    return new Transient(e.message, e.retryAfter === null ? null : e.retryAfter * 1000)
  }
  if (a.status === 413) {
    const what =
      e.code === 'quota' || e.field === 'quota' ? t('errors.storageFull') : t('errors.fileTooLarge')
    return new Error(e.message && !e.code.startsWith('http_') ? e.message : what)
  }
  return e
}

export const useUploadsStore = defineStore('uploads', () => {
  const batches = ref<UploadBatch[]>([])
  const picked = reactive(new Map<number, PickedFile[]>())
  const notice = reactive(new Map<number, string>()) // room -> why a pick was cut short
  let nextKey = 1

  const queue: Upload[] = [] // waiting for a slot, oldest first
  let running = 0
  const stops = new Map<number, () => void>() // upload key -> abort what it is doing now
  const cancelled = new Set<number>() // upload keys whose run must stop
  const settle = new Map<number, (posted: boolean) => void>() // batch key -> its sendFiles promise
  const meters = new Map<number, { at: number; bytes: number }>() // the last progress sample
  // Batches kept in IndexedDB: batch key -> whose they are, their bytes and when they were sent.
  const kept = new Map<number, { user: number; bytes: number; at: number }>()
  const slots = new Map<number, number>() // upload key -> `n` of its bytes in IndexedDB
  const releases = new Map<number, () => void>() // batch key -> gives up its Web Lock
  const session = useSessionStore()
  const connection = useConnectionStore()

  // ---- the composer's tray ------------------------------------------------------------------

  // Adds files to the room's tray, up to MAX_FILES; says so in `notice` when some did not fit, or
  // were larger than the server takes (its `hello` said how large).
  function pick(room: number, files: Iterable<Sendable>): void {
    const list = picked.get(room) ?? []
    notice.delete(room)
    for (const f of files) {
      if (list.length >= MAX_FILES) {
        notice.set(room, t('errors.maxFiles', { max: MAX_FILES }))
        break
      }
      const name = fileName(f, list.length)
      if (f.size > serverLimits.upload_bytes) {
        notice.set(room, t('errors.fileOverLimit', { name, max: formatSize(serverLimits.upload_bytes) }))
        continue
      }
      const image = f.type.startsWith('image/')
      const preview = image && typeof URL.createObjectURL === 'function' ? URL.createObjectURL(f) : null
      list.push({ key: nextKey++, file: f, name, size: f.size, preview })
    }
    picked.set(room, list)
  }

  function unpick(room: number, key: number): void {
    const list = picked.get(room) ?? []
    const gone = list.find((p) => p.key === key)
    if (gone?.preview) URL.revokeObjectURL(gone.preview)
    notice.delete(room)
    const rest = list.filter((p) => p.key !== key)
    if (rest.length) picked.set(room, rest)
    else picked.delete(room)
  }

  function clearPicked(room: number): void {
    notice.delete(room)
    for (const p of picked.get(room) ?? []) if (p.preview) URL.revokeObjectURL(p.preview)
    picked.delete(room)
  }

  // Sends what the room's tray holds, with `text` as the caption.
  function sendPicked(room: number, text: string, replyTo: number | null = null): Promise<boolean> {
    const list = picked.get(room) ?? []
    const files = list.map((p) => p.file)
    const names = list.map((p) => p.name)
    clearPicked(room)
    return sendNamed(room, files, names, text, replyTo)
  }

  // ---- uploads ------------------------------------------------------------------------------

  // Uploads `files` (at most MAX_PARALLEL at once, over every message), then posts `text` with
  // their ids in order through the outbox. Resolves true once the message is in the outbox, false
  // when it was cancelled (or every file removed and no text left).
  function sendFiles(
    room: number,
    files: Sendable[],
    text: string,
    replyTo: number | null = null,
  ): Promise<boolean> {
    return sendNamed(
      room,
      files,
      files.map((f, i) => fileName(f, i)),
      text,
      replyTo,
    )
  }

  function sendNamed(
    room: number,
    files: Sendable[],
    names: string[],
    text: string,
    replyTo: number | null,
  ): Promise<boolean> {
    const batch = reactive<UploadBatch>({
      key: nextKey++,
      pid: newCid(),
      cid: newCid(),
      room,
      text,
      replyTo: replyTo ?? null,
      uploads: files.map((f, i) => ({
        key: nextKey++,
        name: names[i] ?? fileName(f, i),
        size: f.size,
        blob: f,
        id: null,
        sent: 0,
        speed: 0,
        status: 'queued' as UploadStatus,
        error: null,
        file: null,
      })),
    })
    batch.uploads.forEach((u, i) => slots.set(u.key, i))
    batches.value.push(batch)
    const done = new Promise<boolean>((resolve) => settle.set(batch.key, resolve))
    for (const u of batch.uploads) queue.push(u)
    pump()
    finishIfReady(batch) // no files: just the text
    keep(batch)
    return done
  }

  // ---- kept for a reload (IndexedDB) ------------------------------------------------------------

  // Holds the batch's Web Lock while it lives, so another tab of this browser that reloads leaves it
  // alone; resolves with the release, or null when another tab holds it. Without Web Locks, every
  // tab may take it (the message's cid still makes it appear once).
  function claim(pid: string): Promise<(() => void) | null> {
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
    if (!locks) return Promise.resolve(() => undefined)
    return new Promise((resolve) => {
      locks
        .request(LOCK_PREFIX + pid, { ifAvailable: true }, (lock) => {
          if (!lock) return resolve(null)
          return new Promise<void>((release) => resolve(() => release()))
        })
        .catch(() => resolve(null))
    })
  }

  function snapshot(batch: UploadBatch, user: number, at: number): cache.SavedUpload {
    return {
      pid: batch.pid,
      user,
      room: batch.room,
      text: batch.text,
      replyTo: batch.replyTo,
      cid: batch.cid,
      at,
      files: batch.uploads.map((u) => ({
        n: slots.get(u.key) ?? 0,
        name: u.name,
        size: u.size,
        type: u.blob.type,
        id: u.id,
        file: u.file ? { ...toRaw(u.file) } : null,
      })),
    }
  }

  // Writes a new batch with the bytes of its files to IndexedDB, when there is room for it.
  function keep(batch: UploadBatch): void {
    const user = session.user?.id ?? null
    if (user === null || !cache.cacheAvailable() || !batches.value.includes(batch)) return
    const bytes = batch.uploads.reduce((n, u) => n + u.size, 0)
    const already = [...kept.values()].reduce((n, k) => n + k.bytes, 0)
    if (already + bytes > KEEP_MAX_BYTES) return
    const entry = { user, bytes, at: Date.now() }
    kept.set(batch.key, entry)
    const blobs = batch.uploads.map((u) => toRaw(u.blob))
    void claim(batch.pid)
      .then((release) => {
        if (!release) return
        if (!batches.value.includes(batch)) return release() // done before the lock came
        releases.set(batch.key, release)
        // Taken now, so every later change is written after it.
        if (kept.has(batch.key)) return cache.saveUpload(snapshot(batch, user, entry.at), blobs)
      })
      .catch(() => {
        kept.delete(batch.key) // refused (the quota): in memory only, as before
      })
  }

  // Writes what changed (an upload token, a finished file, a file taken out) of a kept batch.
  function remember(batch: UploadBatch | undefined): void {
    const k = batch && kept.get(batch.key)
    if (!batch || !k) return
    void cache.updateUpload(snapshot(batch, k.user, k.at)).catch(() => undefined)
  }

  // Shows the batches a reload (or a crash) left in IndexedDB again and resumes their files.
  async function resume(user: number): Promise<void> {
    let found: cache.LoadedUpload[]
    try {
      found = await cache.loadUploads(user)
    } catch {
      return // no IndexedDB (private browsing): nothing was kept
    }
    const chat = useChatStore()
    for (const { saved, blobs } of found) {
      if (session.user?.id !== user) return
      if (batches.value.some((b) => b.pid === saved.pid)) continue // this tab's own
      const whole = saved.files.length > 0 && blobs.every((b) => b !== undefined)
      const posted = chat.outbox.some((e) => e.cid === saved.cid) // just before the page went
      if (!whole || posted || Date.now() - saved.at > KEEP_MAX_AGE_MS) {
        void cache.dropUpload(user, saved.pid).catch(() => undefined)
        continue
      }
      const release = await claim(saved.pid)
      if (!release) continue // another tab carries it on
      if (session.user?.id !== user || batches.value.some((b) => b.pid === saved.pid)) {
        release()
        continue
      }
      const batch = reactive<UploadBatch>({
        key: nextKey++,
        pid: saved.pid,
        cid: saved.cid,
        room: saved.room,
        text: saved.text,
        replyTo: saved.replyTo,
        uploads: saved.files.map((f, i) => {
          const file = f.file ? decodeFile(f.file) : null
          return {
            key: nextKey++,
            name: f.name,
            size: f.size,
            blob: blobs[i]!,
            id: f.id,
            sent: file ? f.size : 0,
            speed: 0,
            status: (file ? 'done' : 'queued') as UploadStatus,
            error: null,
            file,
          }
        }),
      })
      saved.files.forEach((f, i) => slots.set(batch.uploads[i]!.key, f.n))
      const bytes = saved.files.reduce((n, f) => n + f.size, 0)
      kept.set(batch.key, { user, bytes, at: saved.at })
      releases.set(batch.key, release)
      batches.value.push(batch)
      for (const u of batch.uploads) if (u.status === 'queued') queue.push(u)
      pump()
      finishIfReady(batch) // every file was up already: post it
    }
  }

  // Once per sign-in, when the session is known and the socket is up.
  let resumedFor: number | null = null
  watch(
    [() => session.user?.id ?? null, () => connection.state],
    ([id, state]) => {
      if (id === null || state !== 'online' || resumedFor === id) return
      resumedFor = id
      if (cache.cacheAvailable()) void resume(id)
    },
    { immediate: true },
  )

  function batchOf(u: Upload): UploadBatch | undefined {
    return batches.value.find((b) => b.uploads.some((x) => x.key === u.key))
  }

  function pump(): void {
    while (running < MAX_PARALLEL && queue.length > 0) {
      const u = queue.shift()!
      if (cancelled.has(u.key) || u.status !== 'queued') continue
      running += 1
      void run(u).finally(() => {
        running -= 1
        const b = batchOf(u)
        if (b) finishIfReady(b)
        pump()
      })
    }
  }

  // One request of an upload, abortable by cancel().
  function call(u: Upload, method: string, url: string, opts?: XhrOptions): Promise<XhrAnswer> {
    if (cancelled.has(u.key)) return Promise.reject(new Cancelled())
    const c = xhr(method, url, opts)
    stops.set(u.key, c.abort)
    return c.done.finally(() => stops.delete(u.key))
  }

  function wait(u: Upload, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stops.delete(u.key)
        resolve()
      }, ms)
      stops.set(u.key, () => {
        clearTimeout(timer)
        reject(new Cancelled())
      })
    })
  }

  function progress(u: Upload, bytes: number): void {
    const now = Date.now()
    const m = meters.get(u.key)
    u.sent = Math.min(u.size, bytes)
    if (!m) {
      meters.set(u.key, { at: now, bytes })
      return
    }
    const dt = now - m.at
    if (dt < 100) return // too short to measure
    const rate = ((bytes - m.bytes) * 1000) / dt
    const a = 1 - Math.exp(-dt / SPEED_TAU_MS)
    u.speed = u.speed === 0 ? rate : u.speed + a * (rate - u.speed)
    meters.set(u.key, { at: now, bytes })
  }

  // Creates the upload on the server (when it has no id yet); returns where the bytes start.
  async function create(u: Upload, room: number): Promise<number> {
    // The declared type only helps the server tell audio from video in a shared container (WebM);
    // it detects the type from the bytes.
    const type = u.blob.type && u.blob.type.length < 128 ? { type: u.blob.type } : {}
    const json = { room, name: u.name, size: u.size, ...type }
    const a = await call(u, 'POST', '/api/uploads', { json })
    if (a.status !== 200 && a.status !== 201) throw refusal(a)
    const up = decodeUpload(a.body)
    if (!up) throw new Error(t('errors.unexpectedServer'))
    u.id = up.id
    return up.offset
  }

  // How far the server got (after a broken connection); null when it no longer has the upload.
  // A finished upload (its last answer was lost) comes back with its file: `u` is done then.
  async function ask(u: Upload): Promise<number | null> {
    const a = await call(u, 'GET', `/api/uploads/${encodeURIComponent(u.id ?? '')}`)
    if (a.status === 404) return null
    if (a.status !== 200) throw refusal(a)
    const up = decodeUpload(a.body)
    if (!up) throw new Error(t('errors.unexpectedServer'))
    const finished = (a.body as { file?: unknown } | null)?.file
    if (finished !== undefined) {
      const file = decodeFile(finished)
      if (!file) throw new Error(t('errors.unexpectedServer'))
      u.file = file
    }
    return up.offset
  }

  // The state machine of one file: create, PUT the rest from `offset`, and on a network failure
  // (or a 429/5xx) wait, ask the server for its offset and PUT from there.
  async function run(u: Upload): Promise<void> {
    const room = batchOf(u)?.room
    if (room === undefined) return
    u.status = 'uploading'
    u.error = null
    let failures = 0
    let offset: number | null = u.id === null ? null : -1 // -1: ask the server first
    try {
      for (;;) {
        try {
          if (u.id !== null && (offset === null || offset < 0)) {
            offset = await ask(u)
            if (offset === null) u.id = null // gone (a day without progress): start again
            if (u.file) {
              u.sent = u.size
              u.status = 'done'
              remember(batchOf(u))
              return
            }
          }
          if (u.id === null) {
            offset = await create(u, room)
            remember(batchOf(u)) // a reload asks the server for this upload's offset
          }
          const from: number = offset ?? 0
          u.sent = from
          meters.delete(u.key)
          u.status = 'uploading'
          const a = await call(u, 'PUT', `/api/uploads/${encodeURIComponent(u.id ?? '')}`, {
            raw: u.blob.slice(from, u.size),
            headers: { 'Upload-Offset': String(from) },
            onProgress: (n) => progress(u, from + n),
          })
          if (a.status === 201) {
            const file = decodeFile((a.body as { file?: unknown } | null)?.file)
            if (!file) throw new Error(t('errors.unexpectedServer'))
            u.file = file
            u.sent = u.size
            u.status = 'done'
            remember(batchOf(u))
            return
          }
          if (a.status === 200) {
            // Bytes are still missing (the server kept part of them): go on from its offset.
            const up = decodeUpload(a.body)
            if (!up || up.offset <= from) throw new Error(t('errors.uploadStuck'))
            offset = up.offset
            failures = 0
            continue
          }
          if (a.status === 409) {
            // Without an offset: the server is still writing an earlier PUT of this upload (its
            // connection broke, unnoticed yet). Wait, then ask where it got.
            const at = conflictOffset(a.body)
            if (at === null) throw new Transient(refusal(a).message, null)
            if (++failures > MAX_RETRIES) throw refusal(a)
            offset = at
            continue
          }
          if (a.status === 404) {
            // The server dropped the upload (a day without progress): start it again.
            if (++failures > MAX_RETRIES) throw refusal(a)
            u.id = null
            continue
          }
          throw refusal(a)
        } catch (e) {
          const transient = e instanceof Transient
          const network = e instanceof ApiError && e.code === 'network'
          if (!transient && !network) throw e
          failures += 1
          if (failures > MAX_RETRIES) throw e
          u.status = 'retrying'
          u.speed = 0
          const backoff = reconnectDelay(failures - 1, Math.random(), RETRY_BACKOFF)
          await wait(u, transient && e.waitMs !== null ? e.waitMs : backoff)
          offset = -1 // resume from what the server has
        }
      }
    } catch (e) {
      if (e instanceof Cancelled || cancelled.has(u.key)) return
      u.status = 'failed'
      u.speed = 0
      u.error = e instanceof Error ? e.message : t('errors.uploadFailed')
    } finally {
      meters.delete(u.key)
    }
  }

  // Posts the batch once every file is up; drops it when nothing is left to send.
  function finishIfReady(batch: UploadBatch): void {
    if (!batches.value.includes(batch)) return
    if (!batch.uploads.every((u) => u.status === 'done')) return
    const ids = batch.uploads.flatMap((u) => (u.file ? [u.file.id] : []))
    const posted = ids.length > 0 || batch.text.trim() !== ''
    // Into the outbox (localStorage) first, forgotten in IndexedDB after.
    if (posted) useChatStore().post(batch.room, batch.text, batch.replyTo ?? undefined, ids, batch.cid)
    close(batch, posted)
  }

  // Takes a batch out: from the list, from IndexedDB, its lock given up, its promise settled.
  function close(batch: UploadBatch, posted: boolean): void {
    batches.value = batches.value.filter((b) => b.key !== batch.key)
    for (const u of batch.uploads) slots.delete(u.key)
    const k = kept.get(batch.key)
    if (k) void cache.dropUpload(k.user, batch.pid).catch(() => undefined)
    kept.delete(batch.key)
    releases.get(batch.key)?.()
    releases.delete(batch.key)
    settle.get(batch.key)?.(posted)
    settle.delete(batch.key)
  }

  function stop(u: Upload): void {
    cancelled.add(u.key)
    stops.get(u.key)?.()
    stops.delete(u.key)
    // The partial file on the server is of no use to anyone now.
    if (u.id !== null && u.status !== 'done') {
      void xhr('DELETE', `/api/uploads/${encodeURIComponent(u.id)}`).done.catch(() => undefined)
    }
  }

  // Cancels a message waiting for its files: nothing is posted.
  function cancel(batchKey: number): void {
    const batch = batches.value.find((b) => b.key === batchKey)
    if (!batch) return
    for (const u of batch.uploads) stop(u)
    close(batch, false)
  }

  // Takes one file out of its message (a failed one, or one the user no longer wants).
  function remove(batchKey: number, uploadKey: number): void {
    const batch = batches.value.find((b) => b.key === batchKey)
    const u = batch?.uploads.find((x) => x.key === uploadKey)
    if (!batch || !u) return
    stop(u)
    batch.uploads = batch.uploads.filter((x) => x.key !== uploadKey)
    slots.delete(uploadKey)
    remember(batch)
    finishIfReady(batch)
  }

  // Tries a failed file again, resuming where the server stopped.
  function retry(batchKey: number, uploadKey: number): void {
    const u = batches.value.find((b) => b.key === batchKey)?.uploads.find((x) => x.key === uploadKey)
    if (!u || u.status !== 'failed') return
    u.status = 'queued'
    u.error = null
    queue.push(u)
    pump()
  }

  // Files belong to whoever picked them: another sign-in (or none) drops them all (and the chat
  // store erases what IndexedDB kept of them).
  watch(
    () => session.user?.id ?? null,
    (id, before) => {
      if (before === null || id === before) return
      for (const b of [...batches.value]) cancel(b.key)
      for (const room of [...picked.keys()]) clearPicked(room)
    },
  )

  function inRoom(room: number): UploadBatch[] {
    return batches.value.filter((b) => b.room === room)
  }

  return {
    batches,
    picked,
    notice,
    pick,
    unpick,
    clearPicked,
    sendPicked,
    sendFiles,
    cancel,
    remove,
    retry,
    inRoom,
  }
})

// For other parts of the app (the voice recorder): upload `files` to `room` and post them with
// `text` as the caption, replying to `replyTo` when given.
export function sendFiles(
  room: number,
  files: Sendable[],
  text: string,
  replyTo?: number | null,
): Promise<boolean> {
  if (!getActivePinia()) return Promise.reject(new Error('No store'))
  return useUploadsStore().sendFiles(room, files, text, replyTo ?? null)
}
