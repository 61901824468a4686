// File throughput (docs/benchmarks.md, files issue): Parley's streaming upload and download of a
// 1 MiB and a 1 GiB file, measured with the curl CLI, against a baseline measured in the same run
// with the same curl commands and the same files: a minimal node `http` server (a child process)
// whose upload handler discards the body and whose download handler streams the file from disk.
// Then images per second: distinct ~2000×1500 PNGs uploaded 2 at a time (each gets a thumbnail, a
// preview and a cleaned original), against random non-image files of the same sizes uploaded the
// same way. Prints a markdown table on stdout (progress on stderr); exits non-zero when any request
// fails.
//
//   node scripts/bench-files.mjs [--quick]     (--quick: 64 MiB instead of 1 GiB, fewer repetitions)
//
// Environment: PARLEY_BIN (build/release/bin/parley), BENCH_PIN=1 (servers on CPU 0 with one I/O
// thread, this driver and curl on CPU 1; 0: no pinning), BENCH_DATA_PARENT (${TMPDIR:-/tmp}: the
// test files and both data directories), SMALL_REPS (200), BIG_MIB (1024), BIG_RUNS (3),
// IMAGES (50), IMAGE_CONCURRENCY (2).
//
// The child mode `--sink DIR` is the baseline server; it prints its port and serves until killed.
import { spawn, execFileSync } from 'node:child_process'
import { randomBytes, randomFillSync, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { encodePng } from './lib/png.mjs'

const MiB = 1024 * 1024

// ---- the baseline: a server that does no work --------------------------------------------------

function runSink(dir) {
  const server = http.createServer((req, res) => {
    if (req.method === 'PUT' || req.method === 'POST') {
      req.on('data', () => {})
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' })
        res.end('{"file":{}}')
      })
      return
    }
    const name = decodeURIComponent(req.url.slice(1).split('?')[0])
    const path = join(dir, name)
    let size
    try {
      if (name.includes('/') || name.startsWith('.')) throw new Error('bad name')
      size = fs.statSync(path).size
    } catch {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size })
    fs.createReadStream(path, { highWaterMark: MiB }).pipe(res)
  })
  server.requestTimeout = 0
  server.listen(0, '127.0.0.1', () => console.log(`sink listening on ${server.address().port}`))
}

// ---- the driver ---------------------------------------------------------------------------------

async function main() {
  const quick = process.argv.includes('--quick')
  const root = new URL('..', import.meta.url).pathname
  const env = process.env
  const bin = env.PARLEY_BIN ?? join(root, 'build/release/bin/parley')
  const smallReps = Number(env.SMALL_REPS ?? (quick ? 30 : 200))
  const bigMiB = Number(env.BIG_MIB ?? (quick ? 64 : 1024))
  const bigRuns = Number(env.BIG_RUNS ?? (quick ? 2 : 3))
  const imageCount = Number(env.IMAGES ?? (quick ? 8 : 50))
  const imageConcurrency = Number(env.IMAGE_CONCURRENCY ?? 2)
  const pin = (env.BENCH_PIN ?? '1') === '1' && os.cpus().length >= 2
  const parent = env.BENCH_DATA_PARENT ?? os.tmpdir()

  if (!fs.existsSync(bin)) throw new Error(`no server binary at ${bin}`)
  // This driver and every curl it spawns on CPU 1, the servers on CPU 0.
  if (pin) execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' })
  const onServerCpu = (cmd, args) => (pin ? ['taskset', ['-c', '0', cmd, ...args]] : [cmd, args])

  const work = fs.mkdtempSync(join(parent, 'parley-files-bench.'))
  const filesDir = join(work, 'files')
  const dataDir = join(work, 'data')
  fs.mkdirSync(filesDir)
  fs.mkdirSync(dataDir)
  const children = []
  let cleaned = false
  const cleanup = () => {
    if (cleaned) return
    cleaned = true
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM')
    fs.rmSync(work, { recursive: true, force: true })
  }
  process.on('exit', cleanup)
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))

  const log = (...a) => console.error('bench-files:', ...a)
  let failures = 0
  const fail = (what) => {
    failures += 1
    throw new Error(what)
  }

  // -- test files --
  log(`writing the test files in ${filesDir}`)
  const small = join(filesDir, 'small.bin')
  fs.writeFileSync(small, randomBytes(MiB))
  const big = join(filesDir, 'big.bin')
  {
    const fd = fs.openSync(big, 'w')
    const chunk = Buffer.alloc(8 * MiB)
    for (let left = bigMiB * MiB; left > 0; left -= chunk.length) {
      randomFillSync(chunk)
      fs.writeSync(fd, chunk, 0, Math.min(left, chunk.length))
    }
    fs.closeSync(fd)
  }
  const bigSize = bigMiB * MiB
  const images = []
  const randoms = []
  for (let i = 0; i < imageCount; i++) {
    const png = makePng(2000, 1500, i)
    const p = join(filesDir, `image-${i}.png`)
    fs.writeFileSync(p, png)
    images.push({ path: p, size: png.length, name: `photo-${i}.png` })
    const r = join(filesDir, `random-${i}.bin`)
    fs.writeFileSync(r, randomBytes(png.length))
    randoms.push({ path: r, size: png.length, name: `data-${i}.bin` })
  }
  const imageBytes = images.reduce((s, f) => s + f.size, 0)
  log(`${imageCount} PNGs of 2000×1500, ${(imageBytes / imageCount / MiB).toFixed(2)} MiB each on average`)

  // -- the servers --
  const sinkPort = await startChild(
    ...onServerCpu(process.execPath, [new URL(import.meta.url).pathname, '--sink', filesDir]),
    /sink listening on (\d+)/,
    null,
  )
  const sink = `http://127.0.0.1:${sinkPort}`

  const serverLog = join(work, 'parley.log')
  const parleyArgs = [
    '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--web-root', join(work, 'no-web'),
    '--threads', pin ? '1' : '0', '--log-level', 'warn',
    '--argon2-ops', '1', '--argon2-mem-kib', '8', '--auth-attempts-per-minute', '1000000',
    '--requests-per-second', '1000000', '--request-burst', '1000000',
    '--upload-max-bytes', String(Math.max(2 * bigSize, 2 ** 31)), '--uploads-per-minute', '100000',
    '--upload-quota-bytes', '0',
  ]
  const parleyPort = await startChild(...onServerCpu(bin, parleyArgs), /listening on http:\/\/[^:]+:(\d+)/, serverLog)
  const parley = `http://127.0.0.1:${parleyPort}`
  const parleyProc = children.at(-1)

  async function startChild(cmd, args, pattern, logPath) {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(proc)
    const logFd = logPath ? fs.openSync(logPath, 'a') : null
    proc.stderr.on('data', (d) => {
      if (logFd !== null) fs.writeSync(logFd, d)
      else process.stderr.write(d)
    })
    return new Promise((resolve, reject) => {
      let out = ''
      proc.stdout.on('data', (d) => {
        out += d
        const m = out.match(pattern)
        if (m) resolve(Number(m[1]))
      })
      proc.on('exit', (code, signal) => {
        reject(new Error(`${cmd} ${args.join(' ')} exited (${code ?? signal}) before listening`))
      })
    })
  }

  // -- an account and a room --
  const jar = new Map()
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
  const keep = (res) => {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0]
      const eq = pair.indexOf('=')
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
  }
  const session = await fetch(`${parley}/api/session`)
  keep(session)
  const csrf = (await session.json()).csrf
  const api = async (method, path, body) => {
    const res = await fetch(`${parley}${path}`, {
      method,
      headers: { cookie: cookieHeader(), 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    keep(res)
    const text = await res.text()
    return { status: res.status, json: text ? JSON.parse(text) : null, text }
  }
  const reg = await api('POST', '/api/auth/register', { username: 'bench', password: 'a long bench secret' })
  if (reg.status !== 201) fail(`register: ${reg.status} ${reg.text}`)
  const room = await createRoom(parleyPort, cookieHeader(), 'files bench')
  log(`parley on ${parley} (${bin}), room ${room}; baseline sink on ${sink}`)

  const authHeaders = ['-H', `Cookie: ${cookieHeader()}`, '-H', `X-CSRF-Token: ${csrf}`]

  // -- one request each --
  // curl's -w figures: bytes/s for speed_*, seconds for time_total.
  async function curl(args) {
    const out = await new Promise((resolve, reject) => {
      const p = spawn('curl', ['-sS', '-H', 'Expect:', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      p.stdout.on('data', (d) => (stdout += d))
      p.stderr.on('data', (d) => (stderr += d))
      p.on('error', reject)
      p.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`curl ${args.join(' ')}: exit ${code} ${stderr}`))))
    })
    const lines = out.split('\n')
    const [code, up, down, total, size] = lines.pop().split(' ')
    return { status: Number(code), up: Number(up), down: Number(down), seconds: Number(total), size: Number(size), body: lines.join('\n') }
  }
  const W = '\n%{http_code} %{speed_upload} %{speed_download} %{time_total} %{size_download}'

  async function createUpload(file) {
    const started = performance.now()
    const r = await api('POST', '/api/uploads', { room, name: file.name, size: file.size })
    if (r.status !== 201) fail(`POST /api/uploads: ${r.status} ${r.text}`)
    return { id: r.json.upload.id, ms: performance.now() - started }
  }
  async function putTo(url, file) {
    const r = await curl(['-T', file.path, '-H', 'Upload-Offset: 0', '-H', 'Content-Type: application/octet-stream', ...authHeaders, '-w', W, url])
    if (r.status !== 201) fail(`PUT ${url}: ${r.status} ${r.body}`)
    return r
  }
  async function parleyUpload(file) {
    const { id, ms } = await createUpload(file)
    const r = await putTo(`${parley}/api/uploads/${id}`, file)
    r.file = JSON.parse(r.body).file
    r.postMs = ms
    return r
  }
  const sinkUpload = (file) => putTo(`${sink}/upload`, file)
  async function getFrom(url, size) {
    const r = await curl(['-o', '/dev/null', ...authHeaders, '-w', W, url])
    if (r.status !== 200 || r.size !== size) fail(`GET ${url}: ${r.status}, ${r.size} of ${size} bytes`)
    return r
  }

  const results = {}
  const smallFile = { path: small, size: MiB, name: 'small.bin' }
  const bigFile = { path: big, size: bigSize, name: 'big.bin' }

  try {
    // -- 1 MiB, many times; the two servers alternate so that noise hits both alike --
    log(`1 MiB: ${smallReps} uploads and downloads each`)
    for (let i = 0; i < 5; i++) {
      await sinkUpload(smallFile) // warm-up, not counted
      await parleyUpload(smallFile)
    }
    const smallUp = { parley: [], sink: [], post: [] }
    let smallId
    for (let i = 0; i < smallReps; i++) {
      smallUp.sink.push(await sinkUpload(smallFile))
      const p = await parleyUpload(smallFile)
      smallUp.parley.push(p)
      smallUp.post.push(p.postMs)
      smallId ??= p.file.id
    }
    const smallDown = { parley: [], sink: [] }
    for (let i = 0; i < 5; i++) {
      await getFrom(`${sink}/small.bin`, MiB) // warm-up, not counted
      await getFrom(`${parley}/api/files/${smallId}`, MiB)
    }
    for (let i = 0; i < smallReps; i++) {
      smallDown.sink.push(await getFrom(`${sink}/small.bin`, MiB))
      smallDown.parley.push(await getFrom(`${parley}/api/files/${smallId}`, MiB))
    }
    results.small = { up: smallUp, down: smallDown }

    // -- the big file --
    log(`${bigMiB} MiB: ${bigRuns} uploads and downloads each`)
    const bigUp = { parley: [], sink: [] }
    let bigId
    for (let i = 0; i < bigRuns; i++) {
      bigUp.sink.push(await sinkUpload(bigFile))
      const p = await parleyUpload(bigFile)
      bigUp.parley.push(p)
      bigId ??= p.file.id
      log(`  upload ${i + 1}: baseline ${mb(bigUp.sink.at(-1).up)} MB/s, parley ${mb(p.up)} MB/s`)
    }
    const bigDown = { parley: [], sink: [] }
    for (let i = 0; i < bigRuns; i++) {
      bigDown.sink.push(await getFrom(`${sink}/big.bin`, bigSize))
      bigDown.parley.push(await getFrom(`${parley}/api/files/${bigId}`, bigSize))
      log(`  download ${i + 1}: baseline ${mb(bigDown.sink.at(-1).down)} MB/s, parley ${mb(bigDown.parley.at(-1).down)} MB/s`)
    }
    results.big = { up: bigUp, down: bigDown }

    // -- images: POST + PUT each, `imageConcurrency` at a time, first POST to last 201 --
    async function batch(files, check) {
      const queue = [...files]
      const latencies = []
      const started = performance.now()
      await Promise.all(
        Array.from({ length: imageConcurrency }, async () => {
          for (let f = queue.shift(); f; f = queue.shift()) {
            const t0 = performance.now()
            const r = await parleyUpload(f)
            check(r.file, f)
            latencies.push(performance.now() - t0)
          }
        }),
      )
      return { seconds: (performance.now() - started) / 1000, latencies }
    }
    log(`${imageCount} images and ${imageCount} random files, ${imageConcurrency} at a time`)
    results.randoms = await batch(randoms, (file, f) => {
      if (file.kind !== 'file' || file.thumb || file.size !== f.size) fail(`${f.name} came back as ${JSON.stringify(file)}`)
    })
    results.images = await batch(images, (file, f) => {
      if (file.kind !== 'image' || !file.thumb || !file.preview || file.width !== 2000 || file.height !== 1500)
        fail(`${f.name} came back as ${JSON.stringify(file)}`)
    })
  } finally {
    // Stop the server and show what it logged (at --log-level warn: only warnings and errors).
    const exited = new Promise((resolve) => parleyProc.on('exit', (code, signal) => resolve(code ?? signal)))
    parleyProc.kill('SIGTERM')
    const code = await exited
    const text = (fs.existsSync(serverLog) ? fs.readFileSync(serverLog, 'utf8') : '')
      .split('\n')
      .filter((l) => l.trim() && !/no client at .*index\.html/.test(l)) // no --web-root here, on purpose
      .join('\n')
    if (text) log(`the server logged:\n${text.split('\n').slice(-40).join('\n')}`)
    if (code !== 0) {
      log(`the server exited with ${code}`)
      failures += 1
    }
  }

  // -- the table --
  const r = results
  const row = (what, parleyFig, sinkFig, ratio) => `| ${what} | ${parleyFig} | ${sinkFig} | ${ratio} |`
  const ratio = (a, b) => (a / b).toFixed(2)
  const speeds = (list, key) => list.map((x) => x[key])
  const lines = []
  lines.push(`Parley ${bin}; ${pin ? 'servers pinned to CPU 0 (parley --threads 1), curl and this driver on CPU 1' : 'no pinning'}; ` +
    `MB = 10^6 bytes; ${new Date().toISOString().slice(0, 10)}${quick ? '; --quick' : ''}`)
  lines.push('')
  lines.push('| what | Parley | baseline (node http sink/source) | ratio Parley/baseline (speed; latency rows: baseline ÷ Parley) |')
  lines.push('|---|---|---|---|')
  for (const [dir, key, label] of [['up', 'up', 'upload'], ['down', 'down', 'download']]) {
    const p = r.small[dir].parley
    const s = r.small[dir].sink
    const pm = median(speeds(p, key))
    const sm = median(speeds(s, key))
    lines.push(row(`1 MiB ${label}, ${smallReps} sequential: MB/s (median)`, mb(pm), mb(sm), ratio(pm, sm)))
    const pl = pct(speeds(p, 'seconds'), 50) * 1000
    const sl = pct(speeds(s, 'seconds'), 50) * 1000
    lines.push(row(`1 MiB ${label}: latency p50 / p99 (curl time_total)`,
      `${ms(pl)} / ${ms(pct(speeds(p, 'seconds'), 99) * 1000)} ms`, `${ms(sl)} / ${ms(pct(speeds(s, 'seconds'), 99) * 1000)} ms`, ratio(sl, pl)))
  }
  lines.push(row('1 MiB: POST /api/uploads before each upload, p50', `${ms(pct(r.small.up.post, 50))} ms`, '—', '—'))
  for (const [dir, key, label] of [['up', 'up', 'upload'], ['down', 'down', 'download']]) {
    const p = speeds(r.big[dir].parley, key)
    const s = speeds(r.big[dir].sink, key)
    lines.push(row(`${bigMiB} MiB ${label}, ${bigRuns} runs: MB/s best / median`,
      `${mb(Math.max(...p))} / ${mb(median(p))}`, `${mb(Math.max(...s))} / ${mb(median(s))}`,
      `${ratio(Math.max(...p), Math.max(...s))} / ${ratio(median(p), median(s))}`))
  }
  const ips = imageCount / r.images.seconds
  const fps = imageCount / r.randoms.seconds
  lines.push(row(`${imageCount} PNGs 2000×1500 (avg ${(imageBytes / imageCount / MiB).toFixed(2)} MiB), ${imageConcurrency} at a time: images/s ` +
    '(baseline: random files of the same sizes, through Parley)', ips.toFixed(2), fps.toFixed(2), ratio(ips, fps)))
  lines.push(row('same: per upload (POST to 201) p50 / max',
    `${ms(pct(r.images.latencies, 50))} / ${ms(Math.max(...r.images.latencies))} ms`,
    `${ms(pct(r.randoms.latencies, 50))} / ${ms(Math.max(...r.randoms.latencies))} ms`, '—'))
  console.log(lines.join('\n'))
  if (failures) process.exitCode = 1
  cleanup() // the baseline sink too, so that the event loop can end
}

// ---- helpers -------------------------------------------------------------------------------------

function mb(bytesPerSecond) {
  const v = bytesPerSecond / 1e6
  return v >= 100 ? v.toFixed(0) : v.toFixed(1)
}
function ms(v) {
  return v >= 100 ? v.toFixed(0) : v.toFixed(2)
}
function pct(values, p) {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}
function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

// A PNG (8-bit RGB) with a pattern of its own per `seed` plus a little noise, so that no two are
// the same bytes and they compress about as a photo saved as PNG does.
function makePng(width, height, seed) {
  const stride = width * 3 + 1
  const raw = Buffer.alloc(stride * height)
  let x32 = (seed + 1) * 2654435761 >>> 0 || 1
  const fx = 1 + (seed % 5)
  const fy = 1 + ((seed >> 2) % 7)
  for (let y = 0; y < height; y++) {
    const row = y * stride
    raw[row] = 1 // filter: sub (each byte as the difference from the pixel to its left)
    let pr = 0
    let pg = 0
    let pb = 0
    for (let x = 0; x < width; x++) {
      x32 ^= x32 << 13
      x32 ^= x32 >>> 17
      x32 ^= x32 << 5
      const r = ((x * fx) / 8 + y / 6 + seed * 13 + (x32 & 3)) & 255
      const g = (((x + y) * fy) / 16 + ((x32 >>> 8) & 1)) & 255
      const b = ((Math.abs(x - width / 2) + Math.abs(y - height / 2)) / (2 + (seed % 3)) + ((x32 >>> 16) & 3)) & 255
      const o = row + 1 + x * 3
      raw[o] = (r - pr) & 255
      raw[o + 1] = (g - pg) & 255
      raw[o + 2] = (b - pb) & 255
      pr = r
      pg = g
      pb = b
    }
  }
  return encodePng(width, height, raw, { level: 1 })
}


// Opens /ws with the session cookie, waits for `hello`, creates a private room and returns its id
// (a minimal RFC 6455 client: this script has no dependencies).
function createRoom(port, cookie, name) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const key = randomBytes(16).toString('base64')
    const cid = `bench-${randomUUID()}`
    let buf = Buffer.alloc(0)
    let upgraded = false
    const timer = setTimeout(() => finish(new Error('no answer to create_room within 30 s')), 30000)
    const finish = (err, room) => {
      clearTimeout(timer)
      socket.destroy()
      if (err) reject(err)
      else resolve(room)
    }
    const send = (obj) => {
      const payload = Buffer.from(JSON.stringify(obj))
      const mask = randomBytes(4)
      let head
      if (payload.length < 126) head = Buffer.from([0x81, 0x80 | payload.length])
      else {
        head = Buffer.from([0x81, 0x80 | 126, 0, 0])
        head.writeUInt16BE(payload.length, 2)
      }
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3]
      socket.write(Buffer.concat([head, mask, payload]))
    }
    socket.on('error', (e) => finish(e))
    socket.on('close', () => finish(new Error('the WebSocket closed before create_room was answered')))
    socket.on('connect', () => {
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:${port}\r\n` +
          `Cookie: ${cookie}\r\n\r\n`,
      )
    })
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.subarray(0, end).toString('latin1')
        if (!/^HTTP\/1\.1 101/.test(head)) return finish(new Error(`WebSocket upgrade refused: ${head.split('\r\n')[0]}`))
        upgraded = true
        buf = buf.subarray(end + 4)
      }
      for (;;) {
        if (buf.length < 2) return
        let len = buf[1] & 0x7f
        let at = 2
        if (len === 126) {
          if (buf.length < 4) return
          len = buf.readUInt16BE(2)
          at = 4
        } else if (len === 127) {
          if (buf.length < 10) return
          len = Number(buf.readBigUInt64BE(2))
          at = 10
        }
        if (buf.length < at + len) return
        const opcode = buf[0] & 0x0f
        const payload = buf.subarray(at, at + len)
        buf = buf.subarray(at + len)
        if (opcode !== 1) continue
        const frame = JSON.parse(payload.toString())
        if (frame.type === 'hello') send({ type: 'create_room', cid, kind: 'private', name })
        else if (frame.cid === cid) {
          if (frame.type === 'ack' && frame.room) finish(null, frame.room)
          else finish(new Error(`create_room answered ${JSON.stringify(frame)}`))
        }
      }
    })
  })
}

if (process.argv[2] === '--sink') runSink(process.argv[3])
else await main()
