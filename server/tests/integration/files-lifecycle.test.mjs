// Files across the life of a server, each test with a server of its own: an upload broken off by a
// restart continues on the restarted server from the bytes on disk (the running hash was lost
// with the process, so the server hashes the part file again); a deleted message's file keeps
// counting against the quota until the sweep has removed its bytes; bytes a crash left on disk
// without their record are removed at the next start.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startServer, FAST_AUTH, poll } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, CHAT_ARGS } from './chat-client.mjs'

const MiB = 1 << 20

test('an upload resumed after a server restart is the original, byte for byte', async () => {
  const args = [...FAST_AUTH, ...CHAT_ARGS, '--uploads-per-minute', '1000']
  const first = await startServer(args)
  await signUpAdminFirst(first)
  const alice = await signUp(first, 'alice')
  const tabs = new Tabs(first)
  const a = await tabs.connect(alice)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'restart' })).room
  await tabs.closeAll()

  // A WebM (EBML header, DocType "webm") declared as audio: libmagic says video/webm, and the
  // browser's declared type, kept with the upload, makes it a voice message after the restart too.
  const ebml = Buffer.from('1a45dfa3874282847765626d1853806701000000000000', 'hex')
  const bytes = Buffer.concat([ebml, randomBytes(6 * MiB)])
  const half = 2 * MiB + 12345
  const put = (offset, body) =>
    alice.http.call('PUT', `/api/uploads/${id}`, new Uint8Array(body), {
      headers: { 'upload-offset': String(offset), 'content-type': 'application/octet-stream' },
    })
  const created = await alice.http.call('POST', '/api/uploads', {
    room,
    name: 'survivor.webm',
    size: bytes.length,
    type: 'audio/webm;codecs=opus',
  })
  assert.equal(created.status, 201, created.text)
  const id = created.json.upload.id
  const part = await put(0, bytes.subarray(0, half))
  assert.equal(part.status, 200, part.text)
  assert.equal(part.json.upload.offset, half)
  // A graceful stop that keeps the data directory (stop() would remove it).
  first.expectExit()
  first.proc.kill('SIGTERM')
  const [code] = await first.exited
  assert.equal(code, 0, first.stderr)

  const second = await startServer(args, { dataDir: first.dataDir })
  try {
    alice.http.server = second // same session cookie: sessions are in the database
    const status = await alice.http.call('GET', `/api/uploads/${id}`)
    assert.equal(status.status, 200, status.text)
    assert.equal(status.json.upload.offset, half, 'the bytes on disk say how far it got')
    const rest = await put(half, bytes.subarray(half))
    assert.equal(rest.status, 201, rest.text)
    const file = rest.json.file
    assert.equal(file.size, bytes.length)
    assert.equal(file.type, 'audio/webm')
    assert.equal(file.kind, 'audio')
    const got = await alice.http.raw('GET', file.url)
    assert.equal(got.status, 200)
    const sha = (b) => createHash('sha256').update(b).digest('hex')
    assert.equal(sha(Buffer.from(got.bytes)), sha(bytes))
    // The content address on disk is the SHA-256 of the original too.
    assert.equal(got.headers.get('etag'), `"${sha(bytes).slice(0, 32)}"`)
  } finally {
    const { code: second_code } = await second.stop()
    assert.equal(second_code, 0, second.stderr)
  }
})

test('a deleted message gives its bytes back to the quota only when the sweep has removed them', async () => {
  const server = await startServer([...FAST_AUTH, ...CHAT_ARGS, '--upload-quota-bytes', '100000', '--files-sweep-seconds', '3600'])
  try {
    await signUpAdminFirst(server)
    const alice = await signUp(server, 'alice')
    const tabs = new Tabs(server)
    const a = await tabs.connect(alice)
    const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'quota' })).room
    const send = async (bytes) => {
      const c = await alice.http.call('POST', '/api/uploads', { room, name: 'q.bin', size: bytes.length })
      if (c.status !== 201) return c
      return alice.http.call('PUT', `/api/uploads/${c.json.upload.id}`, new Uint8Array(bytes), {
        headers: { 'upload-offset': '0', 'content-type': 'application/octet-stream' },
      })
    }
    const first = await send(randomBytes(90_000))
    assert.equal(first.status, 201, first.text)
    const posted = await a.post(room, '', { files: [first.json.file.id] })
    await a.must({ type: 'delete', id: posted.id })
    const second = await send(randomBytes(90_000))
    assert.equal(second.status, 413, 'the deleted file still takes disk space until the sweep')
    assert.equal(second.json.field, 'quota')
    await tabs.closeAll()
  } finally {
    const { code } = await server.stop()
    assert.equal(code, 0, server.stderr)
  }
})

test('bytes on disk without a record (a crash before the commit) are removed at the next start', async () => {
  const args = [...FAST_AUTH, ...CHAT_ARGS]
  const first = await startServer(args)
  await signUpAdminFirst(first)
  const alice = await signUp(first, 'alice')
  const tabs = new Tabs(first)
  const a = await tabs.connect(alice)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'orphans' })).room
  await tabs.closeAll()
  const bytes = randomBytes(5000)
  const c = await alice.http.call('POST', '/api/uploads', { room, name: 'kept.bin', size: bytes.length })
  const kept = await alice.http.call('PUT', `/api/uploads/${c.json.upload.id}`, new Uint8Array(bytes), {
    headers: { 'upload-offset': '0', 'content-type': 'application/octet-stream' },
  })
  assert.equal(kept.status, 201, kept.text)
  first.expectExit()
  first.proc.kill('SIGTERM')
  assert.equal((await first.exited)[0], 0, first.stderr)

  const files = join(first.dataDir, 'files')
  const keptSha = createHash('sha256').update(bytes).digest('hex')
  const orphanSha = createHash('sha256').update('never recorded').digest('hex')
  const fresh = createHash('sha256').update('being finished right now').digest('hex')
  const path = (sha) => join(files, sha.slice(0, 2), sha)
  for (const sha of [orphanSha, fresh]) {
    mkdirSync(join(files, sha.slice(0, 2)), { recursive: true })
    writeFileSync(path(sha), 'bytes')
  }
  const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000)
  for (const sha of [orphanSha, keptSha]) utimesSync(path(sha), twoHoursAgo, twoHoursAgo)

  const second = await startServer(args, { dataDir: first.dataDir })
  try {
    await poll(() => !existsSync(path(orphanSha)), { timeout: 10_000, what: 'the orphan to be removed' })
    assert.ok(existsSync(path(keptSha)), 'a blob with its record stays')
    assert.ok(existsSync(path(fresh)), 'a recent one may be an upload being finished: it stays')
    alice.http.server = second
    const got = await alice.http.raw('GET', kept.json.file.url)
    assert.equal(got.status, 200)
    assert.deepEqual(Buffer.from(got.bytes), bytes)
  } finally {
    const { code } = await second.stop()
    assert.equal(code, 0, second.stderr)
  }
})
