// @vitest-environment jsdom
// Uploads that survive a reload: a message waiting for its files is kept in IndexedDB (the bytes,
// the upload tokens, room, caption, reply and order), shown again after a "reload" (a fresh Pinia
// on the same database) and resumed from the server's offset; posted once with the cid chosen when
// it was sent; forgotten when posted, cancelled or signed out of; kept in memory only when the
// quota refuses it. Only the XHR transport is faked; IndexedDB is fake-indexeddb.
import 'fake-indexeddb/auto'
import { IDBFactory, IDBObjectStore as FakeObjectStore } from 'fake-indexeddb'
import { Blob as NodeBlob, File as NodeFile } from 'node:buffer'
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setCsrfToken } from '../connection/http'
import type { ClientCommand } from '../protocol/frames'
import { closeCacheForTests, loadUploads, rememberUser, saveUpload, type SavedUpload } from './cache'
import { useChatStore } from './chat'
import { useConnectionStore } from './connection'
import { FakeXHR, flush, only, open } from './fake-xhr'
import { plainFile } from '../protocol/files.fixture'
import { useSessionStore, type User } from './session'
import { KEEP_MAX_AGE_MS, KEEP_MAX_BYTES, sendFiles, useUploadsStore } from './uploads'

// Waits (polling, no fixed delay) until exactly one request of `method` is open.
const next = (method: string): Promise<FakeXHR> => vi.waitFor(() => only(method))
const upload = (id: string, name: string, size: number, offset = 0) => ({
  upload: { id, room: 3, name, size, offset },
})
const file = (id: number, name: string, size: number) => ({
  file: plainFile(id, name, size, 'application/octet-stream'),
})

// Node's File: IndexedDB (fake-indexeddb, structuredClone) keeps its bytes, as a browser does.
function random(n: number, name: string): { file: File; bytes: Uint8Array } {
  const bytes = new Uint8Array(n)
  for (let i = 0; i < n; i++) bytes[i] = (i * 7919 + 13) % 251
  return { file: new NodeFile([bytes], name, { type: 'application/octet-stream' }) as unknown as File, bytes }
}
const bytesOf = async (b: unknown): Promise<number[]> => [
  ...new Uint8Array(await (b as NodeBlob).arrayBuffer()),
]
const kept = async (user = 1): Promise<SavedUpload[]> => (await loadUploads(user)).map((l) => l.saved)
const posts = (s: MockInstance<(c: ClientCommand) => boolean>) =>
  s.mock.calls.map(([c]) => c).filter((c) => c.type === 'post')

// One page of the app, signed in as `user` with the socket up (main.ts makes the same stores).
function page(user = 1) {
  setActivePinia(createPinia())
  const connection = useConnectionStore()
  const send = vi.spyOn(connection, 'send').mockReturnValue(true)
  const chat = useChatStore()
  const store = useUploadsStore()
  const session = useSessionStore()
  session.user = { id: user, username: `u${user}`, display_name: '', avatar_url: null } as User
  session.loaded = true
  connection.state = 'online'
  return { store, chat, send, session }
}

// The page goes away (a reload, a crash): its requests die with it, unanswered.
function pageGone(): void {
  for (const x of FakeXHR.all) x.done = true
}

beforeEach(() => {
  closeCacheForTests()
  globalThis.indexedDB = new IDBFactory()
  FakeXHR.all = []
  vi.stubGlobal('XMLHttpRequest', FakeXHR)
  localStorage.clear()
  setCsrfToken('tok')
})

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  setCsrfToken(null)
})

describe('uploads kept for a reload', () => {
  it('resumes a file from the offset the server reports, shows it again and posts it once', async () => {
    const first = page()
    const { file: big, bytes } = random(1000, 'big.bin')
    void sendFiles(3, [big], 'a caption', 7)
    ;(await next('POST')).respond(201, upload('tk', 'big.bin', 1000))
    const put = await next('PUT')
    put.progress(400)
    const cid = first.store.batches[0]!.cid
    // Kept with its upload token once the server made it.
    await vi.waitFor(async () => expect((await kept())[0]?.files[0]?.id).toBe('tk'))
    expect((await kept())[0]).toMatchObject({
      room: 3,
      text: 'a caption',
      replyTo: 7,
      cid,
      files: [{ name: 'big.bin', size: 1000, id: 'tk', file: null }],
    })
    expect(await bytesOf((await loadUploads(1))[0]!.blobs[0])).toEqual([...bytes])

    pageGone()
    const second = page()
    // Shown again in the room, and the server is asked how far it got.
    await vi.waitFor(() => expect(second.store.inRoom(3)).toHaveLength(1))
    const batch = second.store.inRoom(3)[0]!
    expect(batch).toMatchObject({ text: 'a caption', replyTo: 7, cid })
    expect(batch.uploads.map((u) => [u.name, u.size])).toEqual([['big.bin', 1000]])
    const ask = await next('GET')
    expect(ask.url).toBe('/api/uploads/tk')
    ask.respond(200, upload('tk', 'big.bin', 1000, 400))
    const rest = await next('PUT')
    expect(rest.url).toBe('/api/uploads/tk')
    expect(rest.headers['Upload-Offset']).toBe('400')
    expect(await bytesOf(rest.body)).toEqual([...bytes.slice(400)])
    expect(batch.uploads[0]!.sent).toBe(400) // the progress starts where the server is
    rest.progress(300)
    expect(batch.uploads[0]!.sent).toBe(700)

    rest.respond(201, file(12, 'big.bin', 1000))
    await flush()
    expect(posts(second.send)).toEqual([
      { type: 'post', cid, room: 3, text: 'a caption', reply_to: 7, files: [12] },
    ])
    expect(second.chat.outbox.map((e) => e.cid)).toEqual([cid])
    expect(second.store.batches).toHaveLength(0)
    await vi.waitFor(async () => expect(await kept()).toEqual([]))
  })

  it('keeps the order of a message of several files, does not send a finished one again, and starts over what the server dropped', async () => {
    const first = page()
    const one = random(10, 'one.bin')
    const two = random(20, 'two.bin')
    const three = random(30, 'three.bin')
    void sendFiles(3, [one.file, two.file, three.file], 'three files')
    await vi.waitFor(() => expect(open('POST')).toHaveLength(2))
    const [c1, c2] = open('POST')
    c1!.respond(201, upload('t1', 'one.bin', 10))
    c2!.respond(201, upload('t2', 'two.bin', 20))
    await vi.waitFor(() => expect(open('PUT')).toHaveLength(2))
    open('PUT')
      .find((x) => x.url === '/api/uploads/t2')!
      .respond(201, file(22, 'two.bin', 20))
    await next('POST') // the third file is being created when the page goes
    await vi.waitFor(async () =>
      expect((await kept())[0]?.files.map((f) => [f.name, f.id, f.file?.id ?? null])).toEqual([
        ['one.bin', 't1', null],
        ['two.bin', 't2', 22],
        ['three.bin', null, null],
      ]),
    )
    expect(first.store.batches).toHaveLength(1)

    pageGone()
    const second = page()
    await vi.waitFor(() => expect(second.store.batches).toHaveLength(1))
    const batch = second.store.batches[0]!
    expect(batch.uploads.map((u) => [u.name, u.status])).toEqual([
      ['one.bin', 'uploading'],
      ['two.bin', 'done'],
      ['three.bin', 'uploading'],
    ])
    // The first: the server no longer has it (404), so it starts over with a new upload.
    ;(await next('GET')).respond(404, { error: 'not_found', message: 'No such upload' })
    await vi.waitFor(() => expect(open('POST')).toHaveLength(2))
    const creates = open('POST').map((x) => [x, JSON.parse(x.body as string) as { name: string }] as const)
    expect(creates.map(([, b]) => b.name).sort()).toEqual(['one.bin', 'three.bin'])
    for (const [x, b] of creates) {
      x.respond(201, upload(b.name === 'one.bin' ? 't1b' : 't3', b.name, b.name === 'one.bin' ? 10 : 30))
    }
    await vi.waitFor(() => expect(open('PUT')).toHaveLength(2))
    const p1 = open('PUT').find((x) => x.url === '/api/uploads/t1b')!
    const p3 = open('PUT').find((x) => x.url === '/api/uploads/t3')!
    expect(p1.headers['Upload-Offset']).toBe('0')
    expect(await bytesOf(p1.body)).toEqual([...one.bytes])
    expect(await bytesOf(p3.body)).toEqual([...three.bytes])
    p3.respond(201, file(33, 'three.bin', 30))
    await flush()
    expect(posts(second.send)).toHaveLength(0) // the first is still on its way
    p1.respond(201, file(11, 'one.bin', 10))
    await flush()
    expect(posts(second.send)).toEqual([
      expect.objectContaining({ text: 'three files', files: [11, 22, 33], cid: batch.cid }),
    ])
    // The two-file PUT was never made again.
    expect(FakeXHR.all.filter((x) => x.url === '/api/uploads/t2' && x.method === 'PUT')).toHaveLength(1)
    await vi.waitFor(async () => expect(await kept()).toEqual([]))
  })

  it('forgets a kept message when it is cancelled, when a file is taken out, and on sign-out', async () => {
    const { store, session } = page()
    void sendFiles(3, [random(10, 'a.bin').file, random(10, 'b.bin').file], '')
    await vi.waitFor(async () => expect(await kept()).toHaveLength(1))
    await vi.waitFor(() => expect(open('POST')).toHaveLength(2))
    open('POST')[1]!.respond(413, { error: 'too_large', message: 'Files can be at most 100 MiB' })
    await flush()
    const batch = store.batches[0]!
    store.remove(batch.key, batch.uploads[1]!.key) // the refused one
    await vi.waitFor(async () => expect((await kept())[0]?.files.map((f) => f.name)).toEqual(['a.bin']))
    expect((await loadUploads(1))[0]!.blobs).toHaveLength(1)
    store.cancel(batch.key)
    await vi.waitFor(async () => expect(await kept()).toEqual([]))

    void sendFiles(3, [random(10, 'c.bin').file], 'mine')
    await vi.waitFor(async () => expect(await kept()).toHaveLength(1))
    session.user = null // signed out: nothing of it stays for the next person
    await vi.waitFor(async () => expect(await kept()).toEqual([]))
    expect(store.batches).toHaveLength(0)
  })

  it('drops a kept message that was posted just before the page went, or is too old', async () => {
    rememberUser(1)
    const base = { user: 1, room: 3, text: 'x', replyTo: null, at: Date.now() }
    const files = [{ n: 0, name: 'a.bin', size: 3, type: '', id: 'tk', file: null }]
    await saveUpload({ ...base, pid: 'posted', cid: 'c-posted', files }, [new NodeBlob(['abc']) as Blob])
    await saveUpload({ ...base, pid: 'old', cid: 'c-old', at: Date.now() - KEEP_MAX_AGE_MS - 1, files }, [
      new NodeBlob(['abc']) as Blob,
    ])
    localStorage.setItem(
      'parley.outbox',
      JSON.stringify([{ cid: 'c-posted', room: 3, text: 'x', files: [5] }]),
    )
    const { store, chat } = page()
    await vi.waitFor(async () => expect(await kept()).toEqual([]))
    expect(store.batches).toHaveLength(0)
    expect(FakeXHR.all).toHaveLength(0)
    expect(chat.outbox.map((e) => e.cid)).toEqual(['c-posted']) // sent by the outbox, once
  })

  it('leaves a kept message to the tab that holds its lock, and holds the lock of those it takes', async () => {
    // Web Locks as a browser has them: a lock is held until its callback's promise settles.
    const held = new Set<string>(['parley.upload.theirs']) // another tab carries `theirs` on
    vi.stubGlobal('navigator', {
      ...navigator,
      locks: {
        request: (name: string, _o: unknown, cb: (lock: { name: string } | null) => unknown) => {
          if (held.has(name)) return Promise.resolve(cb(null))
          held.add(name)
          return Promise.resolve(cb({ name })).finally(() => held.delete(name))
        },
      },
    })
    const files = [{ n: 0, name: 'a.bin', size: 3, type: '', id: 'tk', file: null }]
    const saved = { user: 1, room: 3, text: '', replyTo: null, at: Date.now(), files }
    await saveUpload({ ...saved, pid: 'theirs', cid: 'c1' }, [new NodeBlob(['abc']) as Blob])
    await saveUpload({ ...saved, pid: 'orphan', cid: 'c2' }, [new NodeBlob(['abc']) as Blob])
    const { store } = page()
    await vi.waitFor(() => expect(store.batches.map((b) => b.pid)).toEqual(['orphan']))
    expect(held.has('parley.upload.orphan')).toBe(true)
    expect((await kept()).map((s) => s.pid).sort()).toEqual(['orphan', 'theirs'])
    store.cancel(store.batches[0]!.key)
    await vi.waitFor(() => expect(held.has('parley.upload.orphan')).toBe(false))
    await vi.waitFor(async () => expect((await kept()).map((s) => s.pid)).toEqual(['theirs']))
  })

  it('sends a message the quota refuses from memory, as before, and keeps nothing of it', async () => {
    // IndexedDB refuses the bytes of `big.bin`: the transaction aborts (QuotaExceededError in a
    // browser).
    const put = FakeObjectStore.prototype.put
    let refused = 0
    vi.spyOn(FakeObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      value: unknown,
      key?: IDBValidKey,
    ) {
      const req = put.call(this, value, key)
      if (value instanceof NodeFile && value.name === 'big.bin') {
        refused += 1
        this.transaction.abort()
      }
      return req
    })
    const { send } = page()
    void sendFiles(3, [random(10, 'big.bin').file], 'in memory')
    await vi.waitFor(() => expect(refused).toBe(1))
    ;(await next('POST')).respond(201, upload('tk', 'big.bin', 10)) // its token is not written either
    await flush()
    void sendFiles(3, [random(10, 'small.bin').file], 'kept')
    await vi.waitFor(async () => expect((await kept()).map((k) => k.text)).toEqual(['kept']))
    ;(await next('PUT')).respond(201, file(4, 'big.bin', 10))
    await flush()
    expect(posts(send)).toEqual([expect.objectContaining({ text: 'in memory', files: [4] })])
  })

  it('keeps at most KEEP_MAX_BYTES; a message past it waits in memory only', async () => {
    const { store } = page()
    const huge = new NodeBlob([]) as Blob
    Object.defineProperty(huge, 'size', { value: KEEP_MAX_BYTES })
    void sendFiles(3, [huge], 'huge')
    await vi.waitFor(async () => expect((await kept()).map((k) => k.text)).toEqual(['huge']))
    void sendFiles(3, [random(10, 'small.bin').file], 'small') // past the bound with the huge one
    store.cancel(store.batches[0]!.key)
    // Once the huge one is gone, the next message is kept again; writes land in order, so the small
    // one would be there by now had it been kept.
    void sendFiles(3, [random(10, 'later.bin').file], 'later')
    await vi.waitFor(async () => expect((await kept()).map((k) => k.text)).toEqual(['later']))
    expect(store.batches.map((b) => b.text)).toEqual(['small', 'later'])
  })
})
