// A hostile reader against another user's latency (docs/reliability.md, issue 14): Mallory opens
// SOCKETS sockets, stops reading, and on each asks SYNCS times for the whole history of a channel
// of 16 KB messages; meanwhile Victor pages through history, one request at a time. Prints
// Victor's latency (p50, p99, max) and the server's peak RSS: figures, not pass/fail.
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

const server = await startServer([...FAST_AUTH, ...CHAT_ARGS, '--write-timeout', '600', '--log-level', 'warn'])
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
  await v.close()
  await o.close()
} finally {
  await server.stop()
}
