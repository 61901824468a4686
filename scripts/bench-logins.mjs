// Logins per second that one core sustains: the release server pinned to CPU 0 with the default
// (INTERACTIVE) Argon2id parameters, driven over loopback by concurrent clients on the other CPU.
// Prints logins/s and the ratio to the raw verify rate measured in the same run by
// parley_password_bench (the baseline: hashing alone, no HTTP, JSON or database).
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const bin = join(root, 'build/release/bin/parley')
const benchBin = join(root, 'build/release/bin/parley_password_bench')
const seconds = Number(process.env.BENCH_SECONDS ?? 8)
const concurrency = 4

const raw = JSON.parse(
  execFileSync('taskset', ['-c', '0', benchBin, '--benchmark_filter=BM_VerifyInteractive', '--benchmark_format=json'], {
    encoding: 'utf8',
  }),
)
const verifyMs = raw.benchmarks[0].real_time
const rawPerSecond = 1000 / verifyMs

const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'))
const server = spawn('taskset', ['-c', '0', bin, '--port', '0', '--threads', '1', '--data-dir', dataDir,
  '--auth-attempts-per-minute', '1000000'], { stdio: ['ignore', 'pipe', 'ignore'] })
const base = await new Promise((resolve) => {
  let out = ''
  server.stdout.on('data', (d) => {
    out += d
    const m = out.match(/listening on (http:\/\/\S+)/)
    if (m) resolve(m[1])
  })
})

async function csrf() {
  const res = await fetch(`${base}/api/session`)
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  return { cookie, token: (await res.json()).csrf }
}
const { cookie, token } = await csrf()
const headers = { cookie, 'x-csrf-token': token, 'content-type': 'application/json' }
const body = JSON.stringify({ username: 'bench', password: 'a long bench secret' })
await fetch(`${base}/api/auth/register`, { method: 'POST', headers, body })

let done = 0
let failed = 0
const end = Date.now() + seconds * 1000
async function worker() {
  while (Date.now() < end) {
    const r = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ login: 'bench', password: 'a long bench secret' }),
    })
    await r.arrayBuffer()
    if (r.status === 200) done++
    else failed++
  }
}
const started = Date.now()
await Promise.all(Array.from({ length: concurrency }, worker))
const elapsed = (Date.now() - started) / 1000
server.kill('SIGTERM')
rmSync(dataDir, { recursive: true, force: true })

const perSecond = done / elapsed
console.log(`argon2id verify (INTERACTIVE, one core): ${verifyMs.toFixed(1)} ms = ${rawPerSecond.toFixed(1)}/s`)
console.log(`logins through the server on one core: ${perSecond.toFixed(1)}/s (${done} ok, ${failed} failed, ${concurrency} clients, ${elapsed.toFixed(1)} s)`)
console.log(`ratio server/raw: ${(perSecond / rawPerSecond).toFixed(2)}`)
