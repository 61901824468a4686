// @vitest-environment jsdom
// The upload manager's state machine, with a fake XMLHttpRequest as the only stand-in: progress and
// speed, resuming from the server's offset after a broken connection, a 409's offset, cancel
// (abort + DELETE), refusals shown with Retry and Remove, and the post with the ids in order.
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setCsrfToken } from '../connection/http'
import type { ClientCommand } from '../protocol/frames'
import { useConnectionStore } from './connection'
import { useSessionStore, type User } from './session'
import { FakeXHR, flush, only, open } from './fake-xhr'
import { plainFile } from '../protocol/files.fixture'
import { MAX_PARALLEL, MAX_RETRIES, sendFiles, useUploadsStore } from './uploads'

const file = (id: number, name: string, size: number) => plainFile(id, name, size)
const bytes = (n: number, name = 'a.txt'): File => new File([new Uint8Array(n)], name, { type: 'text/plain' })
let send: MockInstance<(c: ClientCommand) => boolean>
const posts = (s: typeof send) => s.mock.calls.map(([c]) => c).filter((c) => c.type === 'post')

beforeEach(() => {
  FakeXHR.all = []
  vi.stubGlobal('XMLHttpRequest', FakeXHR)
  vi.useFakeTimers()
  vi.setSystemTime(0)
  localStorage.clear()
  setActivePinia(createPinia())
  setCsrfToken('tok')
  send = vi.spyOn(useConnectionStore(), 'send').mockReturnValue(true)
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  setCsrfToken(null)
})

describe('uploads', () => {
  it('creates the upload, PUTs the bytes with progress and speed, then posts the file', async () => {
    const store = useUploadsStore()
    const done = sendFiles(3, [bytes(10_000)], 'a caption')
    await flush()
    const create = only('POST')
    expect(create.url).toBe('/api/uploads')
    expect(JSON.parse(create.body as string)).toEqual({
      room: 3,
      name: 'a.txt',
      size: 10_000,
      type: 'text/plain',
    })
    expect(create.headers['X-CSRF-Token']).toBe('tok')
    create.respond(201, { upload: { id: 'tk', room: 3, name: 'a.txt', size: 10_000, offset: 0 } })
    await flush()

    const put = only('PUT')
    expect(put.url).toBe('/api/uploads/tk')
    expect(put.headers['Upload-Offset']).toBe('0')
    expect(put.headers['X-CSRF-Token']).toBe('tok')
    expect((put.body as Blob).size).toBe(10_000)
    const u = store.batches[0]!.uploads[0]!
    put.progress(0)
    vi.setSystemTime(1000)
    put.progress(1000)
    expect(u.sent).toBe(1000)
    expect(u.speed).toBeCloseTo(1000)
    vi.setSystemTime(2000)
    put.progress(3000) // 2000 B/s for a second: the average moves towards it, smoothly
    expect(u.speed).toBeGreaterThan(1000)
    expect(u.speed).toBeLessThan(2000)
    expect(u.status).toBe('uploading')

    put.respond(201, { file: file(12, 'a.txt', 10_000) })
    await flush()
    expect(await done).toBe(true)
    expect(store.batches).toHaveLength(0)
    expect(posts(send)).toEqual([expect.objectContaining({ room: 3, text: 'a caption', files: [12] })])
  })

  it('resumes from the offset the server reports after a broken connection', async () => {
    const store = useUploadsStore()
    const done = sendFiles(3, [bytes(100)], '')
    await flush()
    only('POST').respond(201, { upload: { id: 'tk', room: 3, name: 'a.txt', size: 100, offset: 0 } })
    await flush()
    only('PUT').fail()
    await flush()
    expect(store.batches[0]!.uploads[0]!.status).toBe('retrying')
    expect(open()).toHaveLength(0) // waits before trying again

    await vi.advanceTimersByTimeAsync(2000)
    const ask = only('GET')
    expect(ask.url).toBe('/api/uploads/tk')
    ask.respond(200, { upload: { id: 'tk', room: 3, name: 'a.txt', size: 100, offset: 40 } })
    await flush()
    const put = only('PUT')
    expect(put.headers['Upload-Offset']).toBe('40')
    expect((put.body as Blob).size).toBe(60)
    put.respond(201, { file: file(5, 'a.txt', 100) })
    expect(await done).toBe(true)
    expect(posts(send)[0]).toMatchObject({ text: '', files: [5] })
  })

  it('takes the file from the server when the answer to the last bytes was lost', async () => {
    const store = useUploadsStore()
    const done = sendFiles(3, [bytes(100)], 'caption')
    await flush()
    only('POST').respond(201, { upload: { id: 'tk', room: 3, name: 'a.txt', size: 100, offset: 0 } })
    await flush()
    only('PUT').fail() // every byte arrived, but the 201 never did
    await flush()
    expect(store.batches[0]!.uploads[0]!.status).toBe('retrying')
    await vi.advanceTimersByTimeAsync(2000)
    only('GET').respond(200, {
      upload: { id: 'tk', room: 3, name: 'a.txt', size: 100, offset: 100 },
      file: file(9, 'a.txt', 100),
    })
    expect(await done).toBe(true)
    expect(FakeXHR.all.filter((x) => x.method === 'PUT')).toHaveLength(1) // nothing sent again
    expect(posts(send)).toHaveLength(1)
    expect(posts(send)[0]).toMatchObject({ text: 'caption', files: [9] })
  })

  it('continues from the offset a 409 carries', async () => {
    sendFiles(3, [bytes(100)], 'x')
    await flush()
    only('POST').respond(201, { upload: { id: 'tk', room: 3, name: 'a.txt', size: 100, offset: 0 } })
    await flush()
    only('PUT').respond(409, { error: 'conflict', message: 'Wrong offset', offset: 70 })
    await flush()
    const put = only('PUT')
    expect(put.headers['Upload-Offset']).toBe('70')
    expect((put.body as Blob).size).toBe(30)
  })

  it('waits and asks again when the server is still busy with an earlier PUT of the upload', async () => {
    sendFiles(3, [bytes(100)], 'x')
    await flush()
    only('POST').respond(201, { upload: { id: 'tk', room: 3, name: 'a.txt', size: 100, offset: 0 } })
    await flush()
    only('PUT').respond(409, {
      error: 'conflict',
      message: 'This upload is being written by another request',
    })
    await flush()
    expect(open()).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(2000)
    only('GET').respond(200, { upload: { id: 'tk', room: 3, name: 'a.txt', size: 100, offset: 10 } })
    await flush()
    expect(only('PUT').headers['Upload-Offset']).toBe('10')
  })

  it('cancel aborts the transfer, deletes the partial upload and posts nothing', async () => {
    const store = useUploadsStore()
    const done = sendFiles(3, [bytes(100)], 'never')
    await flush()
    only('POST').respond(201, { upload: { id: 'tk', room: 3, name: 'a.txt', size: 100, offset: 0 } })
    await flush()
    const put = only('PUT')
    store.cancel(store.batches[0]!.key)
    expect(put.aborted).toBe(true)
    const del = only('DELETE')
    expect(del.url).toBe('/api/uploads/tk')
    expect(del.headers['X-CSRF-Token']).toBe('tok')
    expect(await done).toBe(false)
    expect(store.batches).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeXHR.all.filter((x) => x.method === 'PUT')).toHaveLength(1) // no retry after a cancel
    expect(posts(send)).toHaveLength(0)
  })

  it('uploads at most two files at once and posts the ids in the order given', async () => {
    const done = sendFiles(3, [bytes(1, 'one'), bytes(2, 'two'), bytes(3, 'three')], 'three files')
    await flush()
    const creates = open('POST')
    expect(creates).toHaveLength(MAX_PARALLEL)
    expect(creates.map((x) => (JSON.parse(x.body as string) as { name: string }).name)).toEqual([
      'one',
      'two',
    ])
    // The second finishes first; the third starts in its slot.
    creates[1]!.respond(201, { upload: { id: 't2', room: 3, name: 'two', size: 2, offset: 0 } })
    await flush()
    only('PUT').respond(201, { file: file(22, 'two', 2) })
    await flush()
    const third = open('POST').find((x) => x.body !== creates[0]!.body)!
    third.respond(201, { upload: { id: 't3', room: 3, name: 'three', size: 3, offset: 0 } })
    await flush()
    only('PUT').respond(201, { file: file(33, 'three', 3) })
    await flush()
    expect(posts(send)).toHaveLength(0) // the first is still on its way
    creates[0]!.respond(201, { upload: { id: 't1', room: 3, name: 'one', size: 1, offset: 0 } })
    await flush()
    only('PUT').respond(201, { file: file(11, 'one', 1) })
    expect(await done).toBe(true)
    expect(posts(send)).toEqual([expect.objectContaining({ text: 'three files', files: [11, 22, 33] })])
  })

  it('shows a refusal (too large), and Retry and Remove act on the failed file', async () => {
    const store = useUploadsStore()
    const done = sendFiles(3, [bytes(5, 'big.bin'), bytes(1, 'ok.txt')], 'caption stays')
    await flush()
    const [big, ok] = open('POST')
    big!.respond(413, { error: 'too_large', message: 'Files can be at most 100 MiB' })
    ok!.respond(201, { upload: { id: 'ok', room: 3, name: 'ok.txt', size: 1, offset: 0 } })
    await flush()
    only('PUT').respond(201, { file: file(9, 'ok.txt', 1) })
    await flush()
    const failed = store.batches[0]!.uploads[0]!
    expect(failed.status).toBe('failed')
    expect(failed.error).toBe('Files can be at most 100 MiB')
    expect(posts(send)).toHaveLength(0)

    store.retry(store.batches[0]!.key, failed.key)
    await flush()
    only('POST').respond(413, { error: 'quota', message: 'Your storage is full' })
    await flush()
    expect(store.batches[0]!.uploads[0]!.error).toBe('Your storage is full')

    store.remove(store.batches[0]!.key, failed.key)
    expect(await done).toBe(true)
    expect(posts(send)).toEqual([expect.objectContaining({ text: 'caption stays', files: [9] })])
  })

  it('gives up after repeated network failures, and Retry resumes from the server offset', async () => {
    const store = useUploadsStore()
    sendFiles(3, [bytes(10)], '')
    await flush()
    only('POST').respond(201, { upload: { id: 'tk', room: 3, name: 'a.txt', size: 10, offset: 0 } })
    await flush()
    only('PUT').fail()
    for (let i = 0; i < MAX_RETRIES; i++) {
      await vi.advanceTimersByTimeAsync(20_000)
      only('GET').fail()
      await flush()
    }
    const u = store.batches[0]!.uploads[0]!
    expect(u.status).toBe('failed')
    expect(u.error).toMatch(/Cannot reach the server/)

    store.retry(store.batches[0]!.key, u.key)
    await flush()
    only('GET').respond(200, { upload: { id: 'tk', room: 3, name: 'a.txt', size: 10, offset: 6 } })
    await flush()
    expect(only('PUT').headers['Upload-Offset']).toBe('6')
  })

  it('waits as long as a 429 asks before trying again', async () => {
    sendFiles(3, [bytes(10)], '')
    await flush()
    only('POST').respond(429, { error: 'rate_limited', message: 'Slow down' }, { 'Retry-After': '30' })
    await flush()
    await vi.advanceTimersByTimeAsync(29_000)
    expect(open()).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(only('POST').url).toBe('/api/uploads')
  })
})

describe('signing out', () => {
  it('cancels the uploads and empties the trays of the user who leaves', async () => {
    const session = useSessionStore()
    session.user = { id: 1, username: 'ann', display_name: '', avatar_url: null } as User
    const store = useUploadsStore()
    const done = sendFiles(3, [bytes(100)], 'mine')
    store.pick(4, [bytes(1)])
    await flush()
    only('POST').respond(201, { upload: { id: 'tk', room: 3, name: 'a.txt', size: 100, offset: 0 } })
    await flush()
    const put = only('PUT')
    session.user = null
    await vi.advanceTimersByTimeAsync(0)
    expect(put.aborted).toBe(true)
    expect(only('DELETE').url).toBe('/api/uploads/tk')
    expect(await done).toBe(false)
    expect(store.batches).toHaveLength(0)
    expect(store.picked.size).toBe(0)
  })
})

describe('the composer tray', () => {
  it('holds picked files per room and sends them with the caption', async () => {
    const store = useUploadsStore()
    store.pick(3, [bytes(4, 'notes.txt'), new Blob(['x'], { type: 'image/png' })])
    expect(store.picked.get(3)?.map((p) => p.name)).toEqual(['notes.txt', 'file-2.png'])
    store.unpick(3, store.picked.get(3)![1]!.key)
    const done = store.sendPicked(3, 'see attached', 7)
    expect(store.picked.has(3)).toBe(false)
    await flush()
    only('POST').respond(201, { upload: { id: 'tk', room: 3, name: 'notes.txt', size: 4, offset: 0 } })
    await flush()
    only('PUT').respond(201, { file: file(4, 'notes.txt', 4) })
    expect(await done).toBe(true)
    expect(posts(send)[0]).toMatchObject({ room: 3, text: 'see attached', reply_to: 7, files: [4] })
  })
})
