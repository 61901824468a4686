// Hostile clients against another user's latency and the server's memory (docs/reliability.md,
// issue 14); figures, not pass/fail:
// - abuse_sync_stall: Mallory opens SOCKETS sockets, stops reading, and on each asks SYNCS times for
//   the whole history of a channel of 16 KB messages; meanwhile Victor pages through history.
// - abuse_ping_flood: a socket that never reads sends PING_MB of 125-byte pings.
// - abuse_idle_flood: IDLE connections from one address that never send a byte; meanwhile GET
//   /healthz from another address (127.0.0.2), 50 times.
// - abuse_avatar_flood: two users upload, again and again for AVATAR_SECONDS, a 12 KB PNG that
//   declares 10000×10000 pixels (1-bit, at the 100-megapixel limit: accepted, costly to decode);
//   meanwhile Victor's GET /api/me latency, against the same measurement just before (baseline).
// - abuse_upload_flood: Mallory shares that PNG in the channel, 4 uploads at a time, for
//   AVATAR_SECONDS (every one is hashed, decoded and thumbnailed on the media pool); meanwhile
//   Victor shares a 64×64 PNG again and again: his upload time, against the same just before.
//
//   PARLEY_BIN=build/release/bin/parley node scripts/bench-abuse.mjs
//   (SOCKETS=4 SYNCS=90 MESSAGES=200 ROUNDS=300; run it with another binary for a baseline)
import { readFileSync } from 'node:fs'
import { once } from 'node:events'

process.env.PARLEY_BIN ??= new URL('../build/release/bin/parley', import.meta.url).pathname
const { startServer, FAST_AUTH } = await import('../server/tests/integration/harness.mjs')
const { signUp, connect, CHAT_ARGS } = await import('../server/tests/integration/chat-client.mjs')
const { default: WebSocket } = await import('../server/tests/integration/node_modules/ws/index.js')

const SOCKETS = Number(process.env.SOCKETS ?? 4)
const SYNCS = Number(process.env.SYNCS ?? 90)
const MESSAGES = Number(process.env.MESSAGES ?? 200)
const ROUNDS = Number(process.env.ROUNDS ?? 300)

const rss = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) * 1024
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]

const server = await startServer([
  ...FAST_AUTH, ...CHAT_ARGS, '--write-timeout', '600', '--log-level', 'warn', '--uploads-per-minute', '100000',
])
try {
  const owner = await signUp(server, 'owner')
  const mallory = await signUp(server, 'mallory')
  const victor = await signUp(server, 'victor')
  const o = await connect(server, owner)
  const room = (await o.must({ type: 'create_room', kind: 'channel', name: 'big' })).room
  const text = 'x'.repeat(16_000)
  for (let i = 0; i < MESSAGES; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, MESSAGES - i) }, (_, k) => o.post(room, `${i + k} ${text}`)))
  }
  const v = await connect(server, victor)
  await v.must({ type: 'join', room })
  const m = await connect(server, mallory)
  await m.must({ type: 'join', room })
  await m.close()

  const before = rss(server.proc.pid)
  let peak = before
  const sampler = setInterval(() => (peak = Math.max(peak, rss(server.proc.pid))), 20)
  const sockets = []
  for (let s = 0; s < SOCKETS; s++) {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { origin: server.origin, cookie: mallory.cookie } })
    ws.on('error', () => {})
    await once(ws, 'message') // hello
    ws.pause()
    for (let i = 0; i < SYNCS; i++) ws.send(JSON.stringify({ type: 'sync', room, after: 0, limit: 1000, cid: `m${s}-${i}` }))
    sockets.push(ws)
  }
  const times = []
  let errors = 0
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now()
    const page = await v.command({ type: 'history', room, limit: 50 })
    times.push(performance.now() - t0)
    if (page.type !== 'history') errors++
  }
  clearInterval(sampler)
  peak = Math.max(peak, rss(server.proc.pid))
  const closed = sockets.filter((ws) => ws.readyState !== WebSocket.OPEN).length
  console.log(
    `scenario=abuse_sync_stall sockets=${SOCKETS} syncs=${SYNCS} messages=${MESSAGES} rounds=${ROUNDS} ` +
      `victim_p50_ms=${pct(times, 50).toFixed(1)} victim_p99_ms=${pct(times, 99).toFixed(1)} ` +
      `victim_max_ms=${Math.max(...times).toFixed(1)} victim_errors=${errors} ` +
      `server_rss_before_mb=${(before / 1048576).toFixed(0)} server_rss_peak_mb=${(peak / 1048576).toFixed(0)} ` +
      `attacker_sockets_closed=${closed}`,
  )
  for (const ws of sockets) ws.terminate()

  // Ping flood: 125-byte pings from a socket that reads nothing.
  {
    const PING_MB = Number(process.env.PING_MB ?? 150)
    const before = rss(server.proc.pid)
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, rss(server.proc.pid))), 20)
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { origin: server.origin, cookie: mallory.cookie } })
    ws.on('error', () => {})
    await once(ws, 'message')
    ws.pause()
    const payload = Buffer.alloc(125, 120)
    let sent = 0
    const closed = new Promise((resolve) => ws.on('close', resolve))
    while (sent < PING_MB * 1048576 && ws.readyState === WebSocket.OPEN) {
      ws.ping(payload)
      sent += 131
      if (ws.bufferedAmount > 8 << 20) await new Promise((resolve) => setImmediate(resolve))
    }
    ws.resume()
    const how = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 5000))])
    clearInterval(sampler)
    const t0 = performance.now()
    await v.command({ type: 'history', room, limit: 50 })
    console.log(
      `scenario=abuse_ping_flood sent_mb=${(sent / 1048576).toFixed(1)} socket=${how} ` +
        `server_rss_before_mb=${(before / 1048576).toFixed(0)} server_rss_peak_mb=${(peak / 1048576).toFixed(0)} ` +
        `victim_history_ms_after=${(performance.now() - t0).toFixed(1)}`,
    )
    ws.terminate()
  }

  // Idle flood: connections that never send a byte, from this one address.
  {
    const IDLE = Number(process.env.IDLE ?? 2000)
    const net = await import('node:net')
    const idle = []
    let refused = 0
    for (let i = 0; i < IDLE; i++) {
      const s = net.connect(server.port, '127.0.0.1')
      s.on('error', () => {})
      s.on('close', () => refused++)
      idle.push(s)
    }
    await Promise.all(idle.map((s) => Promise.race([once(s, 'connect'), once(s, 'close')]).catch(() => {})))
    let ok = 0
    const t = []
    // Everyone else comes from another address (127.0.0.2, loopback too).
    const healthz = () =>
      new Promise((resolve) => {
        const c = net.connect({ port: server.port, host: '127.0.0.1', localAddress: '127.0.0.2' })
        let data = ''
        c.on('connect', () => c.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
        c.on('data', (d) => (data += d))
        c.on('error', () => {})
        c.on('close', () => resolve(data.startsWith('HTTP/1.1 200')))
      })
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now()
      if (await healthz()) ok++
      t.push(performance.now() - t0)
    }
    console.log(
      `scenario=abuse_idle_flood idle_connections=${IDLE} closed_by_server=${refused} healthz_ok=${ok}/50 ` +
        `healthz_p99_ms=${pct(t, 99).toFixed(1)}`,
    )
    for (const s of idle) s.destroy()
  }
  // Avatar flood: expensive images within the limits, from two users at once.
  {
    const zlib = await import('node:zlib')
    const { Client } = await import('../server/tests/integration/harness.mjs')
    const SECONDS = Number(process.env.AVATAR_SECONDS ?? 10)
    const chunk = (type, data) => {
      const head = Buffer.alloc(8)
      head.writeUInt32BE(data.length, 0)
      head.write(type, 4, 'ascii')
      const crc = Buffer.alloc(4)
      crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0)
      return Buffer.concat([head, data, crc])
    }
    const W = 10000
    const H = 10000
    const ihdr = Buffer.alloc(13)
    ihdr.writeUInt32BE(W, 0)
    ihdr.writeUInt32BE(H, 4)
    ihdr[8] = 1 // bit depth 1, greyscale
    const raw = Buffer.alloc(H * (1 + W / 8)) // every row: filter 0, then zero bits
    const png = Buffer.concat([
      Buffer.from('89504e470d0a1a0a', 'hex'),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ])
    const me = new Client(server)
    await me.register('victim2', 'victims secret words')
    const attackers = []
    for (const name of ['bomber1', 'bomber2']) {
      const c = new Client(server)
      await c.register(name, 'bombers secret words')
      attackers.push(c)
    }
    const measure = async (until) => {
      const t = []
      while (performance.now() < until) {
        const t0 = performance.now()
        const r = await me.call('GET', '/api/me')
        if (r.status !== 200) throw new Error(`GET /api/me: ${r.status}`)
        t.push(performance.now() - t0)
      }
      return t
    }
    const base = await measure(performance.now() + SECONDS * 1000)
    const statuses = {}
    let attacking = true
    const attack = attackers.map(async (c) => {
      while (attacking) {
        const r = await c.call('POST', '/api/me/avatar', new Uint8Array(png), { headers: { 'content-type': 'image/png' } })
        statuses[r.status] = (statuses[r.status] ?? 0) + 1
      }
    })
    const during = await measure(performance.now() + SECONDS * 1000)
    attacking = false
    await Promise.all(attack)
    console.log(
      `scenario=abuse_avatar_flood png_bytes=${png.length} pixels=${W}x${H} uploads=${JSON.stringify(statuses)} ` +
        `me_p50_ms_base=${pct(base, 50).toFixed(1)} me_p99_ms_base=${pct(base, 99).toFixed(1)} ` +
        `me_p50_ms_during=${pct(during, 50).toFixed(1)} me_p99_ms_during=${pct(during, 99).toFixed(1)} ` +
        `me_max_ms_during=${Math.max(...during).toFixed(1)} requests_base=${base.length} requests_during=${during.length}`,
    )

    // Upload flood: the same image shared in a room, four at a time, by one user.
    const small = (() => {
      const h = Buffer.alloc(13)
      h.writeUInt32BE(64, 0)
      h.writeUInt32BE(64, 4)
      h[8] = 1
      return Buffer.concat([
        Buffer.from('89504e470d0a1a0a', 'hex'),
        chunk('IHDR', h),
        chunk('IDAT', zlib.deflateSync(Buffer.alloc(64 * 9))),
        chunk('IEND', Buffer.alloc(0)),
      ])
    })()
    const share = async (who, bytes, name) => {
      const up = await who.http.call('POST', '/api/uploads', { room, name, size: bytes.length })
      if (up.status !== 201) return up.status
      const put = await who.http.call('PUT', `/api/uploads/${up.json.upload.id}`, new Uint8Array(bytes), {
        headers: { 'upload-offset': '0', 'content-type': 'application/octet-stream' },
      })
      return put.status
    }
    const timeUploads = async (until) => {
      const t = []
      while (performance.now() < until) {
        const t0 = performance.now()
        const status = await share(victor, small, 'tiny.png')
        if (status !== 201) throw new Error(`victor's upload: ${status}`)
        t.push(performance.now() - t0)
      }
      return t
    }
    const upBase = await timeUploads(performance.now() + SECONDS * 1000)
    const flood = {}
    let flooding = true
    const floods = Array.from({ length: 4 }, async (_, k) => {
      let i = 0
      while (flooding) {
        // Different bytes each time (a text chunk), so every upload is hashed, decoded and thumbnailed.
        const unique = Buffer.concat([
          png.subarray(0, png.length - 12),
          chunk('tEXt', Buffer.from(`Comment\0${k}-${i}-${Math.random()}`)),
          png.subarray(png.length - 12),
        ])
        const status = await share(mallory, unique, `bomb-${k}-${i++}.png`)
        flood[status] = (flood[status] ?? 0) + 1
        if (status === 429 || status === 503) await new Promise((r) => setTimeout(r, 200))
      }
    })
    const upDuring = await timeUploads(performance.now() + SECONDS * 1000)
    flooding = false
    await Promise.all(floods)
    console.log(
      `scenario=abuse_upload_flood bomb_pixels=${W}x${H} bomb_uploads=${JSON.stringify(flood)} ` +
        `victor_upload_p50_ms_base=${pct(upBase, 50).toFixed(1)} victor_upload_p99_ms_base=${pct(upBase, 99).toFixed(1)} ` +
        `victor_upload_p50_ms_during=${pct(upDuring, 50).toFixed(1)} victor_upload_p99_ms_during=${pct(upDuring, 99).toFixed(1)} ` +
        `victor_uploads_base=${upBase.length} victor_uploads_during=${upDuring.length}`,
    )
  }
  await v.close()
  await o.close()
} finally {
  await server.stop()
}
