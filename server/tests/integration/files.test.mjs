// Files (docs/api.md "Files: uploads and downloads", docs/protocol.md `post` with `files`): a 1 GiB
// upload and download streamed through a server whose memory stays flat, resumed uploads, ranges
// and ETags, size limits and quotas, who may download what, deletion and the sweep, content-
// addressed storage, hostile names, dangerous types served as attachments, EXIF/GPS stripping and
// orientation, image variants, files in messages, and avatars. Everything over real sockets.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createCipheriv, createHash } from 'node:crypto'
import { PassThrough, Readable } from 'node:stream'
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs'
import { join, dirname } from 'node:path'
import jpeg from 'jpeg-js'
import { pngOf } from '../../../scripts/lib/png.mjs'
import { startServer, FAST_AUTH, Client, rawConnect, readUntilClose, poll } from './harness.mjs'
import { signUp, signUpAdminFirst, connect, Tabs, CHAT_ARGS } from './chat-client.mjs'

const MiB = 1 << 20
const GiB = 1 << 30

let server
let tabs
let alice, bob, carol
before(async () => {
  server = await startServer([
    ...FAST_AUTH,
    ...CHAT_ARGS,
    '--upload-max-bytes', String(2 * GiB),
    '--uploads-per-minute', '100000',
    '--files-sweep-seconds', '0.2',
  ])
  await signUpAdminFirst(server)
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
  carol = await signUp(server, 'carol')
  tabs = new Tabs(server)
})
afterEach(async () => {
  await tabs.closeAll()
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

// ---- content ---------------------------------------------------------------------------------

// A deterministic pseudo-random byte stream: AES-256-CTR of zeros, keyed by `seed`. Any slice can be
// made without the bytes before it (the counter is the block number), and nothing is kept whole.
function randomStream(seed, offset, length, { chunk = MiB, onData } = {}) {
  const key = createHash('sha256').update(String(seed)).digest()
  const iv = Buffer.alloc(16)
  iv.writeBigUInt64BE(BigInt(Math.floor(offset / 16)), 8)
  const cipher = createCipheriv('aes-256-ctr', key, iv)
  let skip = offset % 16
  let left = length
  const zeros = Buffer.alloc(chunk + 16)
  return new Readable({
    highWaterMark: chunk,
    read() {
      if (left === 0) return this.push(null)
      const n = Math.min(chunk, left)
      let out = cipher.update(zeros.subarray(0, n + skip))
      if (skip) out = out.subarray(skip)
      skip = 0
      left -= n
      onData?.(out)
      this.push(out)
    },
  })
}

async function randomBytes(seed, length, offset = 0) {
  const parts = []
  for await (const b of randomStream(seed, offset, length)) parts.push(b)
  return Buffer.concat(parts)
}

async function sha256Of(readable) {
  const h = createHash('sha256')
  let size = 0
  for await (const b of readable) {
    h.update(b)
    size += b.length
  }
  return { sha: h.digest('hex'), size }
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex')

// A PNG (8-bit RGB) whose pixel (x, y) is `pixel(x, y)` = [r, g, b].
const png = pngOf

function jpegOf(width, height, pixel, quality = 90) {
  const data = Buffer.alloc(width * height * 4)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y)
      const i = (y * width + x) * 4
      data[i] = r
      data[i + 1] = g
      data[i + 2] = b
      data[i + 3] = 255
    }
  return Buffer.from(jpeg.encode({ data, width, height }, quality).data)
}

// The GPS coordinates written into the test JPEG, as the TIFF rationals (big-endian) they become:
// 48°51'29.99"N 2°17'40.12"E. Their 48 bytes must not survive in anything served.
const GPS_RATIONALS = (() => {
  const b = Buffer.alloc(48)
  ;[48, 1, 51, 1, 2999, 100, 2, 1, 17, 1, 4012, 100].forEach((v, i) => b.writeUInt32BE(v, i * 4))
  return b
})()

// An APP1 Exif segment (big-endian TIFF) with IFD0 {Orientation, GPSInfo pointer} and a GPS IFD
// {GPSVersionID, GPSLatitudeRef, GPSLatitude, GPSLongitudeRef, GPSLongitude}.
function exifSegment(orientation) {
  const tiff = Buffer.alloc(152)
  tiff.write('MM', 0, 'latin1')
  tiff.writeUInt16BE(42, 2)
  tiff.writeUInt32BE(8, 4) // IFD0 at 8
  let p = 8
  const entry = (tag, type, count, value) => {
    tiff.writeUInt16BE(tag, p)
    tiff.writeUInt16BE(type, p + 2)
    tiff.writeUInt32BE(count, p + 4)
    if (Buffer.isBuffer(value)) value.copy(tiff, p + 8)
    else tiff.writeUInt32BE(value, p + 8)
    p += 12
  }
  tiff.writeUInt16BE(2, p)
  p += 2
  const orient = Buffer.alloc(4)
  orient.writeUInt16BE(orientation, 0) // a SHORT sits in the value's first two bytes
  entry(0x0112, 3, 1, orient) // Orientation
  entry(0x8825, 4, 1, 38) // GPSInfo IFD at 38
  tiff.writeUInt32BE(0, p) // no next IFD
  p += 4
  assert.equal(p, 38)
  tiff.writeUInt16BE(5, p)
  p += 2
  entry(0x0000, 1, 4, Buffer.from([2, 2, 0, 0])) // GPSVersionID
  entry(0x0001, 2, 2, Buffer.from('N\0\0\0', 'latin1')) // GPSLatitudeRef
  entry(0x0002, 5, 3, 104) // GPSLatitude at 104
  entry(0x0003, 2, 2, Buffer.from('E\0\0\0', 'latin1')) // GPSLongitudeRef
  entry(0x0004, 5, 3, 128) // GPSLongitude at 128
  tiff.writeUInt32BE(0, p)
  p += 4
  assert.equal(p, 104)
  GPS_RATIONALS.copy(tiff, 104)
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
  const head = Buffer.alloc(4)
  head.writeUInt16BE(0xffe1, 0)
  head.writeUInt16BE(body.length + 2, 2)
  return Buffer.concat([head, body])
}

// The JPEG with `segment` put after SOI and the JFIF APP0 (where cameras put Exif).
function spliceAfterApp0(jpg, segment) {
  assert.equal(jpg.readUInt16BE(0), 0xffd8)
  let at = 2
  if (jpg.readUInt16BE(2) === 0xffe0) at = 4 + jpg.readUInt16BE(4)
  return Buffer.concat([jpg.subarray(0, at), segment, jpg.subarray(at)])
}

// The marker segments of a JPEG before its image data: [{marker, data}].
function jpegSegments(jpg) {
  assert.equal(jpg.readUInt16BE(0), 0xffd8, 'a JPEG starts with SOI')
  const out = []
  let p = 2
  while (p < jpg.length) {
    assert.equal(jpg[p], 0xff, `a marker at ${p}`)
    const marker = jpg[p + 1]
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2
      continue
    }
    const len = jpg.readUInt16BE(p + 2)
    out.push({ marker, data: jpg.subarray(p + 4, p + 2 + len) })
    if (marker === 0xda) break // start of scan: the rest is image data
    p += 2 + len
  }
  return out
}

// The size of a WebP image from its header (lossy VP8, lossless VP8L or extended VP8X).
function webpSize(buf) {
  assert.equal(buf.subarray(0, 4).toString('latin1'), 'RIFF', 'RIFF magic')
  assert.equal(buf.subarray(8, 12).toString('latin1'), 'WEBP', 'WEBP magic')
  const fourcc = buf.subarray(12, 16).toString('latin1')
  if (fourcc === 'VP8 ') {
    assert.equal(buf.subarray(23, 26).toString('hex'), '9d012a', 'VP8 start code')
    return { width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff }
  }
  if (fourcc === 'VP8L') {
    assert.equal(buf[20], 0x2f, 'VP8L signature')
    const bits = buf.readUInt32LE(21)
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 }
  }
  assert.equal(fourcc, 'VP8X')
  return { width: buf.readUIntLE(24, 3) + 1, height: buf.readUIntLE(27, 3) + 1 }
}

// The chunk names of a WebP (RIFF) file: 'VP8 ', 'VP8L', 'VP8X', 'ICCP', 'EXIF', 'XMP '...
function webpChunks(buf) {
  const out = []
  let p = 12
  while (p + 8 <= buf.length) {
    out.push(buf.subarray(p, p + 4).toString('latin1'))
    const len = buf.readUInt32LE(p + 4)
    p += 8 + len + (len & 1)
  }
  return out
}

// ---- HTTP helpers ----------------------------------------------------------------------------

function vmRssBytes(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)
  return Number(m[1]) * 1024
}

function createUpload(who, room, name, size, extra = {}) {
  return who.http.call('POST', '/api/uploads', { room, name, size, ...extra })
}

function putBytes(who, id, offset, bytes, headers = {}) {
  return who.http.call('PUT', `/api/uploads/${id}`, new Uint8Array(bytes), {
    headers: { 'upload-offset': String(offset), 'content-type': 'application/octet-stream', ...headers },
  })
}

// Uploads `bytes` whole; resolves with the `file` (201 asserted).
async function upload(who, room, name, bytes, extra = {}) {
  const c = await createUpload(who, room, name, bytes.length, extra)
  assert.equal(c.status, 201, `create ${name}: ${c.text}`)
  const r = await putBytes(who, c.json.upload.id, 0, bytes)
  assert.equal(r.status, 201, `put ${name}: ${r.text}`)
  assert.ok(r.json.file, r.text)
  const part = join(who.http.server.dataDir, 'files', 'tmp', `${c.json.upload.id}.part`)
  assert.ok(!existsSync(part), `the finished upload's part file is gone: ${part}`)
  return r.json.file
}

const byId = (files) => [...files].sort((x, y) => x.id - y.id)

function download(who, idOrUrl, headers = {}) {
  const path = typeof idOrUrl === 'number' ? `/api/files/${idOrUrl}` : idOrUrl
  return who.http.raw('GET', path, { headers })
}

// A PUT whose body is a Readable, on its own connection. `request` is there to cut it off.
function putStream(who, id, offset, length, readable) {
  const request = http.request({
    host: '127.0.0.1',
    port: who.http.server.port,
    method: 'PUT',
    path: `/api/uploads/${id}`,
    agent: false,
    headers: {
      cookie: who.http.cookieHeader(),
      'x-csrf-token': who.http.csrf,
      'upload-offset': String(offset),
      'content-type': 'application/octet-stream',
      'content-length': String(length),
    },
  })
  const answer = new Promise((resolve, reject) => {
    request.on('error', reject)
    request.on('response', async (res) => {
      let text = ''
      res.setEncoding('utf8')
      for await (const s of res) text += s
      let json = null
      try {
        json = JSON.parse(text)
      } catch {}
      resolve({ status: res.statusCode, headers: res.headers, text, json })
    })
  })
  readable.pipe(request)
  return { request, answer }
}

// A GET of a file streamed through SHA-256 (never held whole).
function downloadHash(who, id) {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: who.http.server.port, path: `/api/files/${id}`, agent: false, headers: { cookie: who.http.cookieHeader() } },
      async (res) => {
        try {
          const { sha, size } = await sha256Of(res)
          resolve({ status: res.statusCode, headers: res.headers, sha, size })
        } catch (e) {
          reject(e)
        }
      },
    )
    req.on('error', reject)
  })
}

// Every path under `dir`, relative, directories with a trailing '/'.
function tree(dir, prefix = '') {
  const out = []
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(`${rel}/`, ...tree(dir, rel))
    else out.push(rel)
  }
  return out.sort()
}

// The content-addressed blobs under data/files (the originals, without variants).
function blobFiles(s = server) {
  return tree(join(s.dataDir, 'files')).filter((p) => /^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(p))
}

function blobPath(sha, s = server) {
  return join(s.dataDir, 'files', sha.slice(0, 2), sha)
}

let roomCounter = 0
// A fresh channel made by `owner`'s socket, joined by the others'.
async function channel(owner, ...others) {
  roomCounter += 1
  const room = (await owner.must({ type: 'create_room', kind: 'channel', name: `files-${roomCounter}` })).room
  for (const c of others) await c.must({ type: 'join', room })
  return room
}

// ---- 1. big files ----------------------------------------------------------------------------

// Its own server: under AddressSanitizer every freed block waits in a quarantine (256 MiB by
// default) that stays resident, so the many small allocations of 1 GiB of socket reads would show
// as RSS growth that is ASan's, not the server's (measured: +86 MiB by default, +8 MiB with a 16 MiB
// quarantine). A bounded quarantine keeps the measurement about what the server holds: buffering
// even 1/16 of the file would still fail it. (The variable is ignored by a build without ASan.)
test('a 1 GiB upload streams to disk and back with flat server memory and the same SHA-256', { timeout: 600_000 }, async () => {
  const big = await startServer([...FAST_AUTH, ...CHAT_ARGS, '--upload-max-bytes', String(2 * GiB)], {
    env: { ASAN_OPTIONS: 'detect_leaks=1:quarantine_size_mb=0:thread_local_quarantine_size_kb=0' },
  })
  let a
  try {
    const erin = await signUp(big, 'erin')
    a = await connect(big, erin)
    await oneGiB(big, erin, a)
  } finally {
    await a?.close()
    const { code } = await big.stop()
    assert.equal(code, 0, `server exit code (stderr: ${big.stderr})`)
  }
})

async function oneGiB(srv, who, ws) {
  const room = await channel(ws)
  const size = GiB
  const created = await createUpload(who, room, 'big.bin', size)
  assert.equal(created.status, 201, created.text)
  assert.deepEqual(created.json.upload, { id: created.json.upload.id, room, name: 'big.bin', size, offset: 0 })

  const pid = srv.proc.pid
  const rssBefore = vmRssBytes(pid)
  let rssPeak = rssBefore
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, vmRssBytes(pid))
  }, 25)
  try {
    const sent = createHash('sha256')
    let sentBytes = 0
    const body = randomStream('one gibibyte', 0, size, {
      onData: (b) => {
        sent.update(b)
        sentBytes += b.length
      },
    })
    const t0 = performance.now()
    const { answer } = putStream(who, created.json.upload.id, 0, size, body)
    const put = await answer
    const uploadMs = performance.now() - t0
    assert.equal(put.status, 201, put.text)
    assert.equal(sentBytes, size)
    const file = put.json.file
    assert.equal(file.size, size)
    assert.equal(file.name, 'big.bin')
    assert.equal(file.kind, 'file')
    assert.equal(file.url, `/api/files/${file.id}`)
    const sentSha = sent.digest('hex')
    assert.ok(existsSync(blobPath(sentSha, srv)), 'stored under its SHA-256')
    assert.equal(statSync(blobPath(sentSha, srv)).size, size)

    const t1 = performance.now()
    const got = await downloadHash(who, file.id)
    const downloadMs = performance.now() - t1
    assert.equal(got.status, 200)
    assert.equal(got.headers['content-length'], String(size))
    assert.equal(got.size, size)
    assert.equal(got.sha, sentSha, 'the download has the SHA-256 of the upload')
    rssPeak = Math.max(rssPeak, vmRssBytes(pid))
    const rssAfter = vmRssBytes(pid)
    const mib = (n) => (n / MiB).toFixed(1)
    console.log(
      `1 GiB: upload ${(uploadMs / 1000).toFixed(1)} s (${mib((size / uploadMs) * 1000)} MiB/s), ` +
        `download ${(downloadMs / 1000).toFixed(1)} s (${mib((size / downloadMs) * 1000)} MiB/s); ` +
        `server VmRSS ${mib(rssBefore)} MiB before, peak ${mib(rssPeak)} MiB, ${mib(rssAfter)} MiB after ` +
        `(growth ${mib(rssPeak - rssBefore)} MiB at peak)`,
    )
    assert.ok(rssPeak - rssBefore < 64 * MiB, `server RSS grew by ${mib(rssPeak - rssBefore)} MiB at its peak`)
    assert.ok(rssAfter - rssBefore < 64 * MiB, `server RSS grew by ${mib(rssAfter - rssBefore)} MiB`)
  } finally {
    clearInterval(sampler)
  }
}

// ---- 2. resuming -----------------------------------------------------------------------------

test('an upload cut off midway is resumed from the offset the server reports', { timeout: 120_000 }, async () => {
  const a = await tabs.connect(alice)
  const room = await channel(a)
  const size = 40 * MiB
  const seed = 'resumed upload'
  const { sha: originalSha } = await sha256Of(randomStream(seed, 0, size))
  const created = await createUpload(alice, room, 'resumed.bin', size)
  assert.equal(created.status, 201, created.text)
  const id = created.json.upload.id

  // Announce the whole size but hand out only the first 12 MiB, so the request is surely still
  // open when the server has 8 MiB; then cut the connection.
  let handedOut = 0
  const stalled = new PassThrough()
  randomStream(seed, 0, 12 * MiB, { onData: (b) => (handedOut += b.length) }).pipe(stalled, { end: false })
  const first = putStream(alice, id, 0, size, stalled)
  first.answer.catch(() => {}) // it never gets one
  await poll(async () => (await alice.http.call('GET', `/api/uploads/${id}`)).json.upload.offset >= 8 * MiB, {
    timeout: 60_000,
    what: 'the first 8 MiB to arrive',
  })
  first.request.destroy()

  // A PUT at a wrong offset is refused with where the upload continues. While the broken request
  // is still being wound up the server answers 409 without `offset` (busy); ask until it has one.
  const conflict = await poll(
    async () => {
      const r = await putBytes(alice, id, size, Buffer.alloc(0))
      assert.equal(r.status, 409, r.text)
      assert.equal(r.json.error, 'conflict')
      return 'offset' in r.json ? r : null
    },
    { timeout: 20_000, what: 'the cut-off request to be wound up' },
  )
  const offset = conflict.json.offset
  assert.ok(offset >= 8 * MiB && offset <= handedOut && offset < size, `offset ${offset}, sent ${handedOut}`)
  const status = await alice.http.call('GET', `/api/uploads/${id}`)
  assert.equal(status.status, 200)
  assert.deepEqual(status.json.upload, { id, room, name: 'resumed.bin', size, offset })
  const behind = await putBytes(alice, id, 0, Buffer.from('again from the start'))
  assert.equal(behind.status, 409)
  assert.equal(behind.json.offset, offset)
  const ahead = await putBytes(alice, id, offset + 1, Buffer.from('x'))
  assert.equal(ahead.status, 409)
  assert.equal(ahead.json.offset, offset)

  const rest = putStream(alice, id, offset, size - offset, randomStream(seed, offset, size - offset))
  const done = await rest.answer
  assert.equal(done.status, 201, done.text)
  assert.equal(done.json.file.size, size)
  const got = await downloadHash(alice, done.json.file.id)
  assert.equal(got.status, 200)
  assert.equal(got.size, size)
  assert.equal(got.sha, originalSha, 'the resumed file is the original')
  // A client that missed that answer can ask again: the upload says what it became.
  const after = await alice.http.call('GET', `/api/uploads/${id}`)
  assert.equal(after.status, 200, after.text)
  assert.equal(after.json.upload.offset, size)
  assert.deepEqual(after.json.file, done.json.file)
  const again = await putBytes(alice, id, size, Buffer.alloc(0))
  assert.equal(again.status, 201, again.text)
  assert.deepEqual(again.json.file, done.json.file, 'finishing again gives the same file')
  const late = await putBytes(alice, id, 0, Buffer.from('x'))
  assert.equal(late.status, 409)
  assert.equal(late.json.offset, size)
})

test('an upload can be sent in pieces, and a cancelled one is gone with its bytes', async () => {
  const a = await tabs.connect(alice)
  const room = await channel(a)
  const bytes = await randomBytes('pieces', 300_000)
  const c = await createUpload(alice, room, 'pieces.bin', bytes.length)
  const id = c.json.upload.id
  const p1 = await putBytes(alice, id, 0, bytes.subarray(0, 100_000))
  assert.equal(p1.status, 200, p1.text)
  assert.equal(p1.json.upload.offset, 100_000)
  const p2 = await putBytes(alice, id, 100_000, bytes.subarray(100_000, 250_000))
  assert.equal(p2.status, 200, p2.text)
  assert.equal(p2.json.upload.offset, 250_000)
  const p3 = await putBytes(alice, id, 250_000, bytes.subarray(250_000))
  assert.equal(p3.status, 201, p3.text)
  const got = await download(alice, p3.json.file.id)
  assert.equal(sha256(got.bytes), sha256(bytes))

  const c2 = await createUpload(alice, room, 'cancelled.bin', 1000)
  const id2 = c2.json.upload.id
  assert.equal((await putBytes(alice, id2, 0, bytes.subarray(0, 500))).status, 200)
  assert.ok(existsSync(join(server.dataDir, 'files', 'tmp', `${id2}.part`)))
  assert.equal((await alice.http.call('DELETE', `/api/uploads/${id2}`)).status, 204)
  assert.ok(!existsSync(join(server.dataDir, 'files', 'tmp', `${id2}.part`)), 'the partial bytes are gone')
  assert.equal((await alice.http.call('GET', `/api/uploads/${id2}`)).status, 404)
  assert.equal((await putBytes(alice, id2, 500, bytes.subarray(0, 500))).status, 404)
  // Someone else's upload does not exist for them.
  const c3 = await createUpload(alice, room, 'mine.bin', 10)
  assert.equal((await bob.http.call('GET', `/api/uploads/${c3.json.upload.id}`)).status, 404)
  assert.equal((await putBytes(bob, c3.json.upload.id, 0, Buffer.alloc(10))).status, 404)
  assert.equal((await bob.http.call('DELETE', `/api/uploads/${c3.json.upload.id}`)).status, 404)
  assert.equal((await alice.http.call('GET', `/api/uploads/${c3.json.upload.id}`)).status, 200)
})

// ---- 3. ranges and caching -------------------------------------------------------------------

test('ranges give the exact bytes with 206, an unsatisfiable one 416; ETag and If-None-Match give 304', async () => {
  const a = await tabs.connect(alice)
  const room = await channel(a)
  const bytes = await randomBytes('ranges', 1000)
  const file = await upload(alice, room, 'ranges.bin', bytes)
  assert.equal(file.size, 1000)

  const whole = await download(alice, file.id)
  assert.equal(whole.status, 200)
  assert.deepEqual(whole.bytes, bytes)
  assert.equal(whole.headers.get('content-length'), '1000')
  assert.equal(whole.headers.get('accept-ranges'), 'bytes')
  assert.equal(whole.headers.get('cache-control'), 'private, no-cache', 'asked again each time: who may read it changes')

  const cases = [
    ['bytes=0-9', 0, 10],
    ['bytes=100-', 100, 900],
    ['bytes=-5', 995, 5],
    ['bytes=990-5000', 990, 10], // the end is clamped
    ['bytes=999-999', 999, 1],
  ]
  for (const [range, first, length] of cases) {
    const r = await download(alice, file.id, { range })
    assert.equal(r.status, 206, range)
    assert.equal(r.headers.get('content-range'), `bytes ${first}-${first + length - 1}/1000`, range)
    assert.equal(r.headers.get('content-length'), String(length), range)
    assert.deepEqual(r.bytes, bytes.subarray(first, first + length), range)
  }
  for (const range of ['bytes=1000-', 'bytes=5000-6000']) {
    const r = await download(alice, file.id, { range })
    assert.equal(r.status, 416, range)
    assert.equal(r.headers.get('content-range'), 'bytes */1000', range)
  }

  const etag = whole.headers.get('etag')
  assert.match(etag, /^"[^"]+"$/)
  const cached = await download(alice, file.id, { 'if-none-match': etag })
  assert.equal(cached.status, 304)
  assert.equal(cached.bytes.length, 0)
  assert.equal(cached.headers.get('etag'), etag)
  const stale = await download(alice, file.id, { 'if-none-match': '"something-else"' })
  assert.equal(stale.status, 200)
  assert.deepEqual(stale.bytes, bytes)
  // If-Range with another validator: the whole file, not a slice of something else.
  const ifRange = await download(alice, file.id, { range: 'bytes=0-9', 'if-range': '"other"' })
  assert.equal(ifRange.status, 200)
  assert.deepEqual(ifRange.bytes, bytes)
  const ifRangeOk = await download(alice, file.id, { range: 'bytes=0-9', 'if-range': etag })
  assert.equal(ifRangeOk.status, 206)
  assert.deepEqual(ifRangeOk.bytes, bytes.subarray(0, 10))
})

// ---- 4. limits -------------------------------------------------------------------------------

test('size limit, an over-long PUT and the quota are refused with 413, storing nothing extra', async () => {
  const limited = await startServer([
    ...FAST_AUTH,
    ...CHAT_ARGS,
    '--upload-max-bytes', String(MiB),
    '--upload-quota-bytes', String(MiB + MiB / 2),
    '--uploads-per-minute', '100000',
  ])
  let d
  try {
    await signUpAdminFirst(limited)
    const dan = await signUp(limited, 'dan')
    d = await connect(limited, dan)
    const room = (await d.must({ type: 'create_room', kind: 'channel', name: 'limits' })).room
    const tmp = join(limited.dataDir, 'files', 'tmp')
    const filesBefore = tree(join(limited.dataDir, 'files'))

    const big = await dan.http.call('POST', '/api/uploads', { room, name: 'big.bin', size: 2 * MiB })
    assert.equal(big.status, 413, big.text)
    assert.equal(big.json.error, 'too_large')
    assert.equal(big.json.field, 'size')
    assert.deepEqual(readdirSync(tmp), [], 'nothing under data/files/tmp')
    assert.deepEqual(tree(join(limited.dataDir, 'files')), filesBefore)
    const edge = await dan.http.call('POST', '/api/uploads', { room, name: 'edge.bin', size: MiB + 1 })
    assert.equal(edge.status, 413, 'one byte over the limit')

    // A PUT announcing more bytes than the upload's size: 413 from the head alone (the body is
    // never sent here), and the upload has no bytes. A fresh upload for each way of trying.
    const small = async (name) => {
      const r = await dan.http.call('POST', '/api/uploads', { room, name, size: 1000 })
      assert.equal(r.status, 201, r.text)
      return r.json.upload.id
    }
    const head = (id, length) =>
      `PUT /api/uploads/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${dan.http.cookieHeader()}\r\n` +
      `X-CSRF-Token: ${dan.http.csrf}\r\nUpload-Offset: 0\r\n${length}\r\n`
    const offsetOf = async (id) => (await dan.http.call('GET', `/api/uploads/${id}`)).json.upload.offset
    const partSize = (id) => (existsSync(join(tmp, `${id}.part`)) ? statSync(join(tmp, `${id}.part`)).size : 0)
    const early = await small('early.bin')
    const conn1 = await rawConnect(limited.port)
    conn1.write(head(early, 'Content-Length: 2000\r\n'))
    const reply = await readUntilClose(conn1)
    assert.match(reply, /^HTTP\/1\.1 413 /, reply)
    assert.match(reply, /"error":"too_large"/)
    assert.equal(await offsetOf(early), 0, 'no bytes stored')
    // With the body sent at once, the same, and none of it kept.
    const eager = await small('eager.bin')
    const conn2 = await rawConnect(limited.port)
    conn2.write(head(eager, 'Content-Length: 2000\r\n') + 'x'.repeat(2000))
    const reply2 = await readUntilClose(conn2)
    assert.match(reply2, /^HTTP\/1\.1 413 /, reply2)
    assert.equal(await offsetOf(eager), 0, 'no bytes stored')
    assert.equal(partSize(eager), 0)
    // Chunked, so the length is not known in advance: cut at the announced size.
    const chunked = await small('chunked.bin')
    const conn3 = await rawConnect(limited.port)
    conn3.write(head(chunked, 'Transfer-Encoding: chunked\r\n') + `7d0\r\n${'y'.repeat(2000)}\r\n0\r\n\r\n`)
    const reply3 = await readUntilClose(conn3)
    assert.match(reply3, /^HTTP\/1\.1 413 /, reply3)
    assert.ok((await offsetOf(chunked)) <= 1000, `offset ${await offsetOf(chunked)} past the size`)
    assert.ok(partSize(chunked) <= 1000, 'no byte past the announced size on disk')
    assert.equal(limited.proc.exitCode, null, 'the server is up')
    for (const id of [early, eager, chunked]) await dan.http.call('DELETE', `/api/uploads/${id}`)

    // The quota: 1.5 MiB. Finished files and uploads in progress both count.
    const c = await dan.http.call('POST', '/api/uploads', { room, name: 'one.bin', size: MiB })
    const done = await dan.http.call('PUT', `/api/uploads/${c.json.upload.id}`, new Uint8Array(await randomBytes('quota', MiB)), {
      headers: { 'upload-offset': '0' },
    })
    assert.equal(done.status, 201, done.text)
    const over = await dan.http.call('POST', '/api/uploads', { room, name: 'two.bin', size: MiB / 2 + 1 })
    assert.equal(over.status, 413, over.text)
    assert.equal(over.json.field, 'quota')
    const fits = await dan.http.call('POST', '/api/uploads', { room, name: 'half.bin', size: MiB / 2 })
    assert.equal(fits.status, 201, `exactly the quota is allowed: ${fits.text}`)
    const pending = await dan.http.call('POST', '/api/uploads', { room, name: 'byte.bin', size: 1 })
    assert.equal(pending.status, 413, 'an upload in progress counts')
    assert.equal(pending.json.field, 'quota')
  } finally {
    await d?.close()
    const { code } = await limited.stop()
    assert.equal(code, 0, `limited server exit code (stderr: ${limited.stderr})`)
  }
})

// The upload is free for the next PUT as soon as the refusal is answered: a client that sends the
// right bytes right after a 413 must not hear that "another request" is writing them. (Whether a
// server that frees it only after answering is caught depends on timing: hence ten tries.)
test('right after a refused PUT, the next PUT of the upload is taken', async () => {
  const a = await tabs.connect(alice)
  const room = await channel(a)
  const bytes = await randomBytes('after a refusal', 1000)
  const answers = []
  for (let i = 0; i < 10; i++) {
    const c = await createUpload(alice, room, `retry-${i}.bin`, 1000)
    const id = c.json.upload.id
    const conn = await rawConnect(server.port)
    conn.write(
      `PUT /api/uploads/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${alice.http.cookieHeader()}\r\n` +
        `X-CSRF-Token: ${alice.http.csrf}\r\nUpload-Offset: 0\r\nContent-Length: 2000\r\n\r\n`,
    )
    assert.match(await readUntilClose(conn), /^HTTP\/1\.1 413 /)
    const r = await putBytes(alice, id, 0, bytes)
    answers.push(`${r.status} ${r.text.slice(0, 90)}`)
  }
  assert.deepEqual(answers.map((x) => x.slice(0, 3)), Array(10).fill('201'), answers.join('\n'))
})

// ---- 5. who may download, deletion, the sweep, one copy per content ---------------------------

test('only the uploader and, once posted, the room see a file; a deleted message takes it away and the sweep its bytes', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = await channel(a, b)
  const bytes = await randomBytes('who may see', 5000)
  const sha = sha256(bytes)
  const file = await upload(alice, room, 'secret.bin', bytes)
  assert.ok(existsSync(blobPath(sha)))

  const nonexistent = await download(carol, 999_999)
  assert.equal(nonexistent.status, 404)
  assert.equal((await download(alice, file.id)).status, 200, 'the uploader, before it is posted')
  const bobEarly = await download(bob, file.id)
  assert.equal(bobEarly.status, 404, 'a member, before it is in a message')
  assert.deepEqual(bobEarly.json, nonexistent.json)

  const posted = await a.post(room, 'here', { files: [file.id] })
  const bobGets = await download(bob, file.id)
  assert.equal(bobGets.status, 200)
  assert.deepEqual(bobGets.bytes, bytes)
  const carolGets = await download(carol, file.id)
  assert.equal(carolGets.status, 404, 'not a member')
  assert.deepEqual(carolGets.json, nonexistent.json, 'the same answer as a file that does not exist')
  assert.equal(carolGets.headers.get('content-type'), nonexistent.headers.get('content-type'))
  for (const v of ['thumb', 'preview']) {
    assert.equal((await download(carol, `/api/files/${file.id}?v=${v}`)).status, 404)
  }
  const anonymous = await new Client(server).raw('GET', `/api/files/${file.id}`)
  assert.equal(anonymous.status, 401)

  await a.must({ type: 'delete', id: posted.id })
  for (const who of [alice, bob, carol]) {
    const r = await download(who, file.id)
    assert.equal(r.status, 404, `${who.username} after the delete`)
    assert.deepEqual(r.json, nonexistent.json)
  }
  await poll(() => !existsSync(blobPath(sha)), { timeout: 15_000, what: `the sweep to remove ${sha}` })
  assert.ok(!blobFiles().includes(`${sha.slice(0, 2)}/${sha}`))
})

test('identical content uploaded twice is stored once', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = await channel(a, b)
  const bytes = await randomBytes('twice', 20_000)
  const sha = sha256(bytes)
  const before = blobFiles()
  const one = await upload(alice, room, 'one.bin', bytes)
  const two = await upload(bob, room, 'two.bin', bytes)
  assert.notEqual(one.id, two.id)
  assert.equal(one.name, 'one.bin')
  assert.equal(two.name, 'two.bin')
  const added = blobFiles().filter((p) => !before.includes(p))
  assert.deepEqual(added, [`${sha.slice(0, 2)}/${sha}`], 'one blob file, named by the SHA-256')
  assert.deepEqual((await download(alice, one.id)).bytes, bytes)
  assert.deepEqual((await download(bob, two.id)).bytes, bytes)

  // Deleting one message leaves the other's copy.
  const m1 = await a.post(room, 'one', { files: [one.id] })
  await b.post(room, 'two', { files: [two.id] })
  await a.must({ type: 'delete', id: m1.id })
  assert.equal((await download(bob, one.id)).status, 404)
  // Wait for a sweep to have run after the delete: a further upload's bytes of a deleted
  // message disappearing proves it, then the shared blob must still be there.
  const marker = await upload(alice, room, 'marker.bin', await randomBytes('sweep marker', 100))
  const mm = await a.post(room, 'marker', { files: [marker.id] })
  await a.must({ type: 'delete', id: mm.id })
  const markerSha = sha256(await randomBytes('sweep marker', 100))
  await poll(() => !existsSync(blobPath(markerSha)), { timeout: 15_000, what: 'a sweep' })
  assert.ok(existsSync(blobPath(sha)), 'the blob another file uses stays')
  assert.deepEqual((await download(bob, two.id)).bytes, bytes)
})

test('the same image finishing twice at once is stored once, whole, with its variants', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = await channel(a, b)
  const image = png(1400, 700, (x, y) => [(x * 7) & 255, (y * 3) & 255, (x ^ y) & 255])
  const sha = sha256(image)
  // Both uploads get all their bytes but the last first, then the last bytes of both go at once.
  const ups = []
  for (const who of [alice, bob]) {
    const c = await createUpload(who, room, 'same.png', image.length)
    assert.equal(c.status, 201, c.text)
    const head = await putBytes(who, c.json.upload.id, 0, image.subarray(0, image.length - 1))
    assert.equal(head.status, 200, head.text)
    ups.push({ who, id: c.json.upload.id })
  }
  const answers = await Promise.all(ups.map(({ who, id }) => putBytes(who, id, image.length - 1, image.subarray(image.length - 1))))
  for (const r of answers) {
    assert.equal(r.status, 201, r.text)
    assert.equal(r.json.file.thumb, true)
    assert.equal(r.json.file.preview, true)
  }
  const [one, two] = answers.map((r) => r.json.file)
  for (const [who, f] of [[alice, one], [bob, two]]) {
    for (const v of ['', '?v=thumb', '?v=preview']) {
      const r = await download(who, `/api/files/${f.id}${v}`)
      assert.equal(r.status, 200, `${f.id}${v}`)
    }
  }
  assert.deepEqual((await download(alice, one.id)).bytes, (await download(bob, two.id)).bytes)
  const names = tree(join(server.dataDir, 'files')).filter((p) => p.includes(sha))
  assert.deepEqual(names.sort(), [`${sha.slice(0, 2)}/${sha}`, `${sha.slice(0, 2)}/${sha}.preview`, `${sha.slice(0, 2)}/${sha}.thumb`], 'no temporary file left')
})

// ---- 6. names --------------------------------------------------------------------------------

test('hostile names are stored cleaned, shown safely, and never become paths', async () => {
  const a = await tabs.connect(alice)
  const room = await channel(a)
  const long = 'ä'.repeat(2000) + 'b'.repeat(3000) + '.txt' // 5,004 characters, 7,004 bytes
  const names = [
    '../../etc/passwd',
    '..\\..\\windows\\win.ini',
    'nul\u0000byte\u0000.txt',
    'ctrl\r\nX-Injected: yes\t\u001b[31m.txt',
    'quote"back\\slash.txt',
    long,
    '..',
    'résumé 📎.pdf',
  ]
  const etcBefore = statSync('/etc/passwd').mtimeMs
  for (const [i, name] of names.entries()) {
    const content = Buffer.from(`file ${i}: plain text content\n`)
    const c = await createUpload(alice, room, name, content.length)
    assert.equal(c.status, 201, `${JSON.stringify(name).slice(0, 60)}: ${c.text}`)
    const file = (await putBytes(alice, c.json.upload.id, 0, content)).json.file
    for (const shown of [c.json.upload.name, file.name]) {
      const what = `${JSON.stringify(name).slice(0, 60)} → ${JSON.stringify(shown).slice(0, 80)}`
      assert.ok(shown.length > 0, what)
      assert.ok(!/[/\\]/.test(shown), `no path separators: ${what}`)
      assert.ok(!/[\u0000-\u001f\u007f]/.test(shown), `no control characters: ${what}`)
      assert.ok(Buffer.byteLength(shown) <= 255, `at most 255 bytes: ${what} (${Buffer.byteLength(shown)})`)
      assert.ok(shown !== '..' && shown !== '.', what)
    }
    assert.equal(file.name, c.json.upload.name)
    const r = await download(alice, file.id)
    assert.equal(r.status, 200)
    assert.deepEqual(r.bytes, content)
    const cd = r.headers.get('content-disposition')
    const m = cd.match(/^(inline|attachment); filename="([\x20\x21\x23-\x5b\x5d-\x7e]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]*)$/)
    assert.ok(m, `a well-formed Content-Disposition: ${cd}`)
    assert.equal(decodeURIComponent(m[3]), file.name, 'filename* is the shown name')
    assert.equal(m[1], 'inline', 'plain text is shown inline')
  }
  const shown = async (name) => {
    const c = await createUpload(alice, room, name, 1)
    return c.json.upload.name
  }
  assert.equal(await shown('../../etc/passwd'), 'passwd')
  assert.equal(await shown('nul\u0000byte.txt'), 'nul_byte.txt')
  const longShown = await shown(long)
  assert.ok(longShown.endsWith('.txt'), `the extension is kept: …${longShown.slice(-10)}`)
  assert.ok(Buffer.byteLength(longShown) <= 255 && Buffer.byteLength(longShown) >= 240, `${Buffer.byteLength(longShown)} bytes`)

  // Nothing outside data/files: the data directory holds only the database (on PostgreSQL, the
  // harness's note of which), the Web Push key, avatars and blobs.
  for (const p of tree(server.dataDir)) {
    assert.match(
      p,
      /^(parley\.db(-wal|-shm|-journal)?|postgres-database|vapid\.pem|avatars\/([0-9a-f]{32}\.webp)?|files\/(tmp\/([A-Za-z0-9_-]+\.part)?|[0-9a-f]{2}\/([0-9a-f]{64}(\.thumb|\.preview)?)?)?)$/,
      `unexpected path in the data directory: ${p}`,
    )
  }
  assert.ok(!existsSync(join(dirname(server.dataDir), 'etc')), 'nothing next to the data directory')
  assert.equal(statSync('/etc/passwd').mtimeMs, etcBefore)
})

// ---- 7. types that could run -----------------------------------------------------------------

test('HTML and SVG are attachments whatever they are called; a PNG is inline', async () => {
  const a = await tabs.connect(alice)
  const room = await channel(a)
  const html = Buffer.from('<!DOCTYPE html>\n<html><head><title>x</title></head><body><script>alert(document.cookie)</script></body></html>\n')
  const svg = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>\n',
  )
  const image = png(64, 48, (x, y) => [x * 4, y * 5, 128])
  const cases = [
    { name: 'page.html', bytes: html, type: 'text/html', disposition: 'attachment' },
    { name: 'photo.png', bytes: html, type: 'text/html', disposition: 'attachment', declared: 'image/png' },
    { name: 'drawing.svg', bytes: svg, type: 'image/svg+xml', disposition: 'attachment' },
    { name: 'notes.txt', bytes: svg, type: 'image/svg+xml', disposition: 'attachment' },
    { name: 'picture.png', bytes: image, type: 'image/png', disposition: 'inline' },
    { name: 'picture.html', bytes: image, type: 'image/png', disposition: 'inline', declared: 'text/html' },
  ]
  for (const c of cases) {
    const file = await upload(alice, room, c.name, c.bytes, c.declared ? { type: c.declared } : {})
    const what = `${c.name} (${c.type})`
    assert.equal(file.type, c.type, what)
    assert.equal(file.kind, c.type === 'image/png' ? 'image' : 'file', what)
    assert.equal(file.name, c.name)
    const r = await download(alice, file.id)
    assert.equal(r.status, 200, what)
    assert.equal(r.headers.get('content-type'), c.type, what)
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', what)
    assert.match(r.headers.get('content-security-policy') ?? '', /(^|;)\s*sandbox\s*(;|$)/, what)
    assert.match(r.headers.get('content-disposition'), new RegExp(`^${c.disposition}; filename="${c.name.replace('.', '\\.')}"`), what)
    if (c.type === 'image/png') {
      assert.equal(file.width, 64)
      assert.equal(file.height, 48)
      assert.equal(file.thumb, false, 'no thumbnail of a small image')
      assert.equal((await download(alice, `/api/files/${file.id}?v=thumb`)).status, 404)
      assert.equal((await download(alice, `/api/files/${file.id}?v=preview`)).status, 404)
    } else {
      assert.deepEqual(r.bytes, c.bytes, what)
      assert.equal(file.width, null)
      assert.equal(file.height, null)
    }
  }
})

// A 1x1 GIF of two frames (black, then white) that loops: written byte by byte. Each frame's LZW
// data is clear (4), the pixel's index, end (5), at 3 bits a code.
function animatedGif() {
  const frame = (lzw) => [
    0x21, 0xf9, 0x04, 0x00, 0x0a, 0x00, 0x00, 0x00, // graphic control: 100 ms
    0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x00, // image descriptor 1x1
    0x02, 0x02, ...lzw, 0x00, // minimum code size 2, one sub-block, end
  ]
  return Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'),
    1, 0, 1, 0, 0x80, 0, 0, // 1x1, a global table of two colours
    0, 0, 0, 255, 255, 255,
    0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0', 'latin1'), 0x03, 0x01, 0x00, 0x00, 0x00, // loop
    ...frame([0x44, 0x01]),
    ...frame([0x4c, 0x01]),
    0x3b,
  ])
}

test('an animated GIF stays animated: served as uploaded, without still variants', async () => {
  const a = await tabs.connect(alice)
  const room = await channel(a)
  const gif = animatedGif()
  const file = await upload(alice, room, 'blink.gif', gif)
  assert.equal(file.type, 'image/gif')
  assert.equal(file.kind, 'image')
  assert.equal(file.animated, true)
  assert.equal(file.width, 1)
  assert.equal(file.height, 1)
  assert.equal(file.thumb, false)
  assert.equal(file.preview, false)
  const r = await download(alice, file.id)
  assert.equal(r.status, 200)
  assert.equal(r.headers.get('content-type'), 'image/gif')
  assert.match(r.headers.get('content-disposition'), /^inline;/)
  assert.deepEqual(r.bytes, gif, 'every frame is still there')
})

// ---- 8. images: metadata, orientation, variants ----------------------------------------------

test('a JPEG is served turned upright, without its EXIF and GPS, with WebP thumb and preview', async () => {
  const a = await tabs.connect(alice)
  const room = await channel(a)
  // Stored 1000 wide and 1600 high, to be turned 90° clockwise (Orientation 6): shown 1600 × 1000.
  // The stored top-left quarter is red, the rest blue: shown, the red is at the top right.
  const raw = jpegOf(1000, 1600, (x, y) => (x < 500 && y < 800 ? [230, 20, 20] : [20, 20, 230]))
  const withExif = spliceAfterApp0(raw, exifSegment(6))
  assert.ok(withExif.includes(GPS_RATIONALS) && withExif.includes(Buffer.from('Exif\0\0', 'latin1')))
  const file = await upload(alice, room, 'IMG_0001.JPG', withExif)
  assert.equal(file.type, 'image/jpeg')
  assert.equal(file.kind, 'image')
  assert.equal(file.width, 1600, 'width after orientation')
  assert.equal(file.height, 1000, 'height after orientation')
  assert.equal(file.animated, false)
  assert.equal(file.thumb, true)
  assert.equal(file.preview, true)

  const r = await download(alice, file.id)
  assert.equal(r.status, 200)
  assert.equal(r.headers.get('content-type'), 'image/jpeg')
  assert.match(r.headers.get('content-disposition'), /^inline; /)
  assert.equal(r.bytes.length, file.size, 'the size is that of the served (cleaned) image')
  const segments = jpegSegments(r.bytes)
  assert.ok(!segments.some((s) => s.marker === 0xe1), `no APP1 left: ${segments.map((s) => s.marker.toString(16))}`)
  assert.ok(!r.bytes.includes(Buffer.from('Exif', 'latin1')), 'no Exif anywhere')
  assert.ok(!r.bytes.includes(GPS_RATIONALS), 'no GPS coordinates anywhere')
  const shown = jpeg.decode(r.bytes, { useTArray: true })
  assert.equal(shown.width, 1600)
  assert.equal(shown.height, 1000)
  const px = (x, y) => Array.from(shown.data.subarray((y * shown.width + x) * 4, (y * shown.width + x) * 4 + 3))
  const red = (p) => p[0] > 150 && p[2] < 100
  const blue = (p) => p[2] > 150 && p[0] < 100
  assert.ok(red(px(1400, 200)), `top right is red (turned clockwise): ${px(1400, 200)}`)
  assert.ok(blue(px(200, 200)), `top left is blue: ${px(200, 200)}`)
  assert.ok(blue(px(1400, 800)), `bottom right is blue: ${px(1400, 800)}`)

  const variants = []
  for (const [v, width] of [
    ['thumb', 320],
    ['preview', 1280],
  ]) {
    const variant = await download(alice, `/api/files/${file.id}?v=${v}`)
    assert.equal(variant.status, 200, v)
    assert.equal(variant.headers.get('content-type'), 'image/webp', v)
    assert.equal(variant.headers.get('x-content-type-options'), 'nosniff')
    assert.deepEqual(webpSize(variant.bytes), { width, height: (width * 1000) / 1600 }, v)
    assert.ok(!variant.bytes.includes(GPS_RATIONALS), `${v} has no GPS coordinates`)
    assert.notEqual(variant.headers.get('etag'), r.headers.get('etag'), `${v} has its own ETag`)
    variants.push([v, variant.bytes])
  }
  assert.equal((await download(alice, `/api/files/${file.id}?v=huge`)).status, 404)

  // Wider than 320 but not than 1280: a thumb, no preview.
  const medium = await upload(alice, room, 'medium.jpg', jpegOf(500, 300, () => [90, 160, 40]))
  assert.equal(medium.width, 500)
  assert.equal(medium.height, 300)
  assert.equal(medium.thumb, true)
  assert.equal(medium.preview, false)
  const mt = await download(alice, `/api/files/${medium.id}?v=thumb`)
  assert.equal(mt.status, 200)
  assert.deepEqual(webpSize(mt.bytes), { width: 320, height: 192 })
  assert.equal((await download(alice, `/api/files/${medium.id}?v=preview`)).status, 404)

  // "every metadata block stripped" holds for the variants too: no EXIF or XMP chunk at all.
  for (const [v, bytes] of variants) {
    const chunks = webpChunks(bytes)
    assert.ok(!chunks.includes('EXIF') && !chunks.includes('XMP '), `the ${v} WebP has metadata chunks: ${chunks.join(', ')}`)
  }
})

// ---- 9. files in messages --------------------------------------------------------------------

test('post with files: acked without text, the event carries the files; foreign or used ids are refused', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = await channel(a, b)
  const other = await channel(a)
  const f1 = await upload(alice, room, 'first.bin', await randomBytes('msg 1', 300))
  const f2 = await upload(alice, room, 'second.png', png(400, 100, (x) => [x % 256, 0, 0]))
  assert.equal(f2.thumb, true)

  const ack = await a.post(room, '', { files: [f2.id, f1.id] })
  assert.equal(ack.type, 'ack')
  assert.ok(Number.isInteger(ack.id) && Number.isInteger(ack.seq))
  for (const c of [a, b]) {
    const ev = await c.waitFor((f) => f.type === 'event' && f.room === room && f.seq === ack.seq)
    assert.equal(ev.kind, 'message')
    assert.equal(ev.text, '')
    assert.deepEqual(byId(ev.files), byId([f2, f1]), 'the file objects')
  }
  const plain = await a.post(room, 'no files')
  const plainEv = await b.waitFor((f) => f.type === 'event' && f.room === room && f.seq === plain.seq)
  assert.deepEqual(plainEv.files, [])

  const history = await b.must({ type: 'history', room, limit: 100 })
  assert.deepEqual(byId(history.items.find((i) => i.id === ack.id).files), byId([f2, f1]))
  assert.deepEqual(history.items.find((i) => i.id === plain.id).files, [])
  const sync = await b.must({ type: 'sync', room, after: 0 })
  assert.deepEqual(byId(sync.events.find((e) => e.id === ack.id).files), byId([f2, f1]))

  const expectRefused = async (client, frame, code, what) => {
    const ans = await client.command({ type: 'post', ...frame })
    assert.equal(ans.type, 'error', `${what}: ${JSON.stringify(ans)}`)
    assert.equal(ans.code, code, `${what}: ${JSON.stringify(ans)}`)
    assert.equal(ans.field, 'files', `${what}: ${JSON.stringify(ans)}`)
  }
  const bobs = await upload(bob, room, 'bobs.bin', await randomBytes('msg bob', 300))
  await expectRefused(a, { room, text: 'taking bobs', files: [bobs.id] }, 'not_found', "another user's file")
  const elsewhere = await upload(alice, other, 'elsewhere.bin', await randomBytes('msg other', 300))
  await expectRefused(a, { room, text: 'wrong room', files: [elsewhere.id] }, 'not_found', "another room's file")
  await expectRefused(a, { room, text: 'again', files: [f1.id] }, 'not_found', 'a file already in a message')
  await expectRefused(a, { room, text: '', files: [999_999] }, 'not_found', 'no such file')
  const fresh = await upload(alice, room, 'fresh.bin', await randomBytes('msg fresh', 300))
  await expectRefused(a, { room, text: 'mixed', files: [fresh.id, bobs.id] }, 'not_found', 'one good, one foreign')
  const eleven = []
  for (let i = 0; i < 11; i++) eleven.push((await upload(alice, room, `n${i}.bin`, await randomBytes(`eleven ${i}`, 50))).id)
  await expectRefused(a, { room, text: 'too many', files: eleven }, 'invalid', 'eleven files')
  await expectRefused(a, { room, text: 'twice', files: [fresh.id, fresh.id] }, 'invalid', 'the same file twice')
  // Nothing of the refused posts was kept: the files are still free to post, ten at once.
  const ten = await a.post(room, '', { files: [...eleven.slice(0, 9), fresh.id] })
  const tenEv = await b.waitFor((f) => f.type === 'event' && f.room === room && f.seq === ten.seq)
  assert.deepEqual(tenEv.files.map((f) => f.id).sort((x, y) => x - y), [...eleven.slice(0, 9), fresh.id].sort((x, y) => x - y))
  // Elsewhere a file is shared in the room it was uploaded to.
  const ok = await a.post(other, '', { files: [elsewhere.id] })
  assert.equal(ok.room, other)
  // Empty text with no files is still refused.
  const empty = await a.command({ type: 'post', room, text: '', files: [] })
  assert.equal(empty.type, 'error')
  assert.equal(empty.code, 'invalid')
})

// docs/protocol.md: `files` are "the attached file objects ... in the order given".
test('a message keeps its files in the order given, live and in history and sync', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = await channel(a, b)
  const files = []
  for (let i = 0; i < 3; i++) files.push(await upload(alice, room, `order-${i}.bin`, await randomBytes(`order ${i}`, 64)))
  const given = [files[2], files[0], files[1]]
  const ack = await a.post(room, 'in this order', { files: given.map((f) => f.id) })
  const ev = await b.waitFor((f) => f.type === 'event' && f.room === room && f.seq === ack.seq)
  const history = await b.must({ type: 'history', room, limit: 10 })
  const sync = await b.must({ type: 'sync', room, after: ack.seq - 1 })
  const names = (list) => list.map((f) => f.name).join(', ')
  assert.deepEqual(
    {
      live: names(ev.files),
      history: names(history.items.find((i) => i.id === ack.id).files),
      sync: names(sync.events.find((e) => e.id === ack.id).files),
    },
    { live: names(given), history: names(given), sync: names(given) },
  )
})

// ---- 10. avatars -----------------------------------------------------------------------------

test('an avatar becomes a 256 px WebP, announced to co-members and listed in members', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = await channel(a, b)
  const since = b.mark()
  const picture = png(400, 300, (x, y) => [(x * 3) % 256, (y * 7) % 256, 90])
  const r = await alice.http.call('POST', '/api/me/avatar', new Uint8Array(picture), { headers: { 'content-type': 'image/png' } })
  assert.equal(r.status, 200, r.text)
  const url = r.json.user.avatar_url
  assert.match(url, /^\/api\/avatars\/[0-9a-f]{32}\.webp$/)

  const got = await fetch(`${server.url}${url}`)
  assert.equal(got.status, 200)
  assert.equal(got.headers.get('content-type'), 'image/webp')
  const body = Buffer.from(await got.arrayBuffer())
  assert.deepEqual(webpSize(body), { width: 256, height: 256 })

  const profile = await b.waitFor((f) => f.type === 'profile' && f.user === alice.id, since)
  assert.equal(profile.avatar, url)
  assert.equal(typeof profile.display_name, 'string')
  const members = await b.must({ type: 'members', room })
  assert.equal(members.members.find((m) => m.id === alice.id).avatar, url)
  assert.equal(members.members.find((m) => m.id === bob.id).avatar, null)
  assert.equal((await alice.http.call('GET', '/api/me')).json.user.avatar_url, url)
  const chunks = webpChunks(body)
  assert.ok(!chunks.includes('EXIF') && !chunks.includes('XMP '), `the avatar has metadata chunks: ${chunks.join(', ')}`)
})

// ---- 11. bad input ---------------------------------------------------------------------------

test('bad upload requests: malformed or missing fields 400, no Upload-Offset 400, no session 401, no CSRF 403', async () => {
  const a = await tabs.connect(alice)
  const room = await channel(a)
  const post = (body) => alice.http.call('POST', '/api/uploads', body, { headers: { 'content-type': 'application/json' } })
  const malformed = await post('{"room": 1, "name": ')
  assert.equal(malformed.status, 400, malformed.text)
  assert.equal(malformed.json.error, 'invalid')
  assert.equal((await post('[1,2]')).status, 400)
  assert.equal((await post('')).status, 400)
  const cases = [
    [{ name: 'a.bin', size: 10 }, 'room'],
    [{ room, size: 10 }, 'name'],
    [{ room, name: 'a.bin' }, 'size'],
    [{ room: 'one', name: 'a.bin', size: 10 }, 'room'],
    [{ room, name: 42, size: 10 }, 'name'],
    [{ room, name: 'a.bin', size: '10' }, 'size'],
    [{ room, name: 'a.bin', size: -1 }, 'size'],
    [{ room, name: 'a.bin', size: 1.5 }, 'size'],
  ]
  for (const [body, field] of cases) {
    const r = await alice.http.call('POST', '/api/uploads', body)
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`)
    assert.equal(r.json.error, 'invalid')
    assert.equal(r.json.field, field, JSON.stringify(body))
  }
  const notMine = await carol.http.call('POST', '/api/uploads', { room, name: 'a.bin', size: 10 })
  assert.equal(notMine.status, 404, 'a room the caller is not in')
  assert.equal(notMine.json.field, 'room')

  const c = await createUpload(alice, room, 'a.bin', 10)
  const id = c.json.upload.id
  const noOffset = await alice.http.call('PUT', `/api/uploads/${id}`, new Uint8Array(10))
  assert.equal(noOffset.status, 400, noOffset.text)
  assert.equal(noOffset.json.error, 'invalid')
  for (const bad of ['-1', 'abc', '1.5', '']) {
    const r = await alice.http.call('PUT', `/api/uploads/${id}`, new Uint8Array(10), { headers: { 'upload-offset': bad } })
    assert.equal(r.status, 400, `Upload-Offset: ${JSON.stringify(bad)}`)
  }

  const stranger = new Client(server)
  await stranger.session()
  assert.equal((await stranger.call('POST', '/api/uploads', { room, name: 'a.bin', size: 10 })).status, 401)
  assert.equal((await stranger.call('PUT', `/api/uploads/${id}`, new Uint8Array(10), { headers: { 'upload-offset': '0' } })).status, 401)
  assert.equal((await stranger.call('GET', `/api/uploads/${id}`)).status, 401)
  assert.equal((await stranger.call('DELETE', `/api/uploads/${id}`)).status, 401)

  const noCsrf = { csrf: false }
  const r1 = await alice.http.raw('POST', '/api/uploads', { body: { room, name: 'a.bin', size: 10 }, ...noCsrf })
  assert.equal(r1.status, 403)
  assert.equal(r1.json.error, 'csrf')
  const r2 = await alice.http.raw('PUT', `/api/uploads/${id}`, { body: new Uint8Array(10), headers: { 'upload-offset': '0' }, ...noCsrf })
  assert.equal(r2.status, 403)
  assert.equal(r2.json.error, 'csrf')
  const r3 = await alice.http.raw('DELETE', `/api/uploads/${id}`, noCsrf)
  assert.equal(r3.status, 403)
  const r4 = await alice.http.raw('POST', '/api/me/avatar', { body: new Uint8Array(png(8, 8, () => [0, 0, 0])), ...noCsrf })
  assert.equal(r4.status, 403)
  // None of the refused requests touched the upload.
  const still = await alice.http.call('GET', `/api/uploads/${id}`)
  assert.equal(still.status, 200)
  assert.equal(still.json.upload.offset, 0)
})
