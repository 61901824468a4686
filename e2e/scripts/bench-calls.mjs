// Call set-up time (docs/benchmarks.md, calls issue): from the click to the first decoded video
// frame, in Debian's Chromium with the fake camera and microphone, every person in a context of
// their own, against the release server. Three figures, each the median of REPS runs:
//   - baseline: two pages connect a bare RTCPeerConnection (getUserMedia, offer/answer and ICE
//     candidates passed straight from one page to the other by this driver): what any app spends;
//   - 1:1: "Start video call" clicked → the callee's ring → "Accept with video" clicked at once →
//     both sides decode the other's video;
//   - mesh: three people are in a channel's call; the fourth clicks "Join now" in the lobby → the
//     newcomer decodes all three and all three decode the newcomer.
// Prints a markdown table on stdout (progress on stderr).
//
//   cd e2e && node scripts/bench-calls.mjs     (make bench runs it in a loopback-only namespace)
//
// Environment: PARLEY_BIN (build/release/bin/parley), PARLEY_WEB_ROOT (web/dist), REPS (7).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from '@playwright/test'
import { startServer } from './server.mjs'
import { chromiumArgs } from '../chromium-args.mjs'

const root = resolve(import.meta.dirname, '../..')
const bin = process.env.PARLEY_BIN ?? join(root, 'build/release/bin/parley')
const webRoot = process.env.PARLEY_WEB_ROOT ?? join(root, 'web/dist')
const REPS = Number(process.env.REPS ?? 7)
const log = (...a) => console.error('[bench-calls]', ...a)

// In every page before its scripts: keep the peer connections, and note when the count of remote
// video streams decoding first reached 1, 2, 3... (polled every 5 ms), and when each inbound video
// of a connection first decoded.
function watch() {
  const pcs = []
  window.__pcs = pcs
  window.__decoding = {}
  const Pc = window.RTCPeerConnection
  window.RTCPeerConnection = class extends Pc {
    constructor(c) {
      super(c)
      pcs.push(this)
    }
  }
  setInterval(async () => {
    let n = 0
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue
      const stats = await pc.getStats()
      stats.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0) n++
      })
    }
    for (let k = 1; k <= n; k++) if (!(k in window.__decoding)) window.__decoding[k] = Date.now()
  }, 5)
}

async function person(browser, base, name) {
  const context = await browser.newContext({ baseURL: base, permissions: ['camera', 'microphone'] })
  await context.addInitScript(watch)
  const page = await context.newPage()
  await page.goto('/register')
  await page.getByLabel('Username').fill(name)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('status').filter({ hasText: 'Online' }).waitFor()
  return { page, name }
}

const reset = (p) => p.page.evaluate(() => (window.__decoding = {}))
// When the page first decoded `n` remote video streams (waits for it).
async function decodedAt(p, n) {
  await p.page.waitForFunction((k) => k in window.__decoding, n, { timeout: 30_000, polling: 20 })
  return p.page.evaluate((k) => window.__decoding[k], n)
}
const callRegion = (p) => p.page.getByRole('region', { name: 'Call', exact: true })

async function channel(people, name) {
  const [owner, ...rest] = people
  await owner.page.getByRole('button', { name: 'New room' }).click()
  await owner.page.getByLabel('Room name').fill(name)
  await owner.page.getByRole('button', { name: 'Create' }).click()
  await owner.page.getByRole('heading', { name: `#${name}` }).waitFor()
  for (const p of rest) {
    await p.page.getByRole('button', { name: 'Browse channels' }).click()
    await p.page.getByRole('button', { name: `Join #${name}` }).click()
    await p.page.getByRole('heading', { name: `#${name}` }).waitFor()
  }
}

async function direct(a, b) {
  await channel([a, b], `meet${Date.now()}`)
  await b.page.getByRole('button', { name: /^Members/ }).click()
  await b.page.getByRole('button', { name: `Message ${a.name}` }).click()
  const box = b.page.getByRole('textbox', { name: `Message ${a.name}` })
  await box.fill('call me')
  await box.press('Enter')
  await a.page.getByRole('button', { name: `${b.name}, 1 unread` }).click()
}

async function hangUp(p, others) {
  await callRegion(p).getByRole('button', { name: 'Hang up', exact: true }).click()
  await callRegion(p).waitFor({ state: 'detached' })
  for (const o of others)
    await o.page.waitForFunction(() => !window.__pcs.some((pc) => pc.connectionState === 'connected'), null, {
      polling: 20,
    })
}

// The bare pair: the same browser, camera and loopback, no app and no server in the path.
async function bare(a, b) {
  for (const p of [a, b]) {
    await p.page.evaluate(() => {
      window.__decoding = {}
      for (const pc of window.__pcs) pc.close()
    })
  }
  const t0 = Date.now()
  const make = (p) =>
    p.page.evaluate(async () => {
      const pc = new RTCPeerConnection()
      window.__bare = pc
      window.__out = []
      pc.onicecandidate = (e) => e.candidate && window.__out.push({ candidate: e.candidate.toJSON() })
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true })
      for (const t of stream.getTracks()) pc.addTrack(t, stream)
    })
  await Promise.all([make(a), make(b)])
  const offer = await a.page.evaluate(async () => {
    await window.__bare.setLocalDescription()
    return window.__bare.localDescription.toJSON()
  })
  const answer = await b.page.evaluate(async (o) => {
    await window.__bare.setRemoteDescription(o)
    await window.__bare.setLocalDescription()
    return window.__bare.localDescription.toJSON()
  }, offer)
  await a.page.evaluate((ans) => window.__bare.setRemoteDescription(ans), answer)
  // Candidates both ways until both decode.
  const pump = async (from, to) => {
    const items = await from.page.evaluate(() => window.__out.splice(0))
    for (const c of items) await to.page.evaluate((x) => window.__bare.addIceCandidate(x.candidate), c)
  }
  const done = Promise.all([decodedAt(a, 1), decodedAt(b, 1)])
  let finished = false
  done.then(() => (finished = true))
  while (!finished) {
    await pump(a, b)
    await pump(b, a)
    await new Promise((r) => setTimeout(r, 2))
  }
  const [ta, tb] = await done
  for (const p of [a, b]) await p.page.evaluate(() => window.__bare.close())
  return Math.max(ta, tb) - t0
}

async function oneToOne(a, b) {
  await Promise.all([reset(a), reset(b)])
  const t0 = Date.now()
  await a.page.getByRole('button', { name: 'Start video call', exact: true }).click()
  await b.page
    .getByRole('dialog', { name: 'Incoming call' })
    .getByRole('button', { name: 'Accept with video', exact: true })
    .click()
  const [ta, tb] = await Promise.all([decodedAt(a, 1), decodedAt(b, 1)])
  const ms = Math.max(ta, tb) - t0
  await hangUp(a, [b])
  return ms
}

async function joinCall(p) {
  await p.page
    .getByRole('button', { name: /^(Join call|Start video call)$/ })
    .first()
    .click()
  const now = p.page.getByRole('button', { name: 'Join now', exact: true })
  await now.or(callRegion(p)).first().waitFor()
  if (await now.isVisible()) await now.click()
  await callRegion(p).waitFor()
}

async function mesh(people) {
  const [first, second, third, newcomer] = people
  for (const p of [first, second, third]) await joinCall(p)
  for (const p of [first, second, third]) await decodedAt(p, 1) // the call is up
  await Promise.all(people.map(reset))
  await newcomer.page.getByRole('button', { name: /^(Join call)$/ }).click()
  const now = newcomer.page.getByRole('button', { name: 'Join now', exact: true })
  await now.waitFor()
  const t0 = Date.now()
  await now.click()
  const at = await Promise.all([
    decodedAt(newcomer, 3),
    ...[first, second, third].map((p) => decodedAt(p, 1)),
  ])
  const ms = Math.max(...at) - t0
  for (const p of people) {
    await callRegion(p).getByRole('button', { name: 'Hang up', exact: true }).click()
    await callRegion(p).waitFor({ state: 'detached' })
  }
  return ms
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-calls-'))
  const { proc, url } = startServer(bin, webRoot, dataDir, ['--auth-attempts-per-minute', '100000'])
  const base = await url
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs })
  try {
    const tag = Date.now().toString(36)
    const ann = await person(browser, base, `ann${tag}`)
    const bob = await person(browser, base, `bob${tag}`)
    await direct(ann, bob)
    const results = { bare: [], one: [], mesh: [] }
    for (let i = 0; i < REPS; i++) {
      results.bare.push(await bare(ann, bob))
      results.one.push(await oneToOne(ann, bob))
      log(`rep ${i + 1}: bare ${results.bare.at(-1)} ms, 1:1 ${results.one.at(-1)} ms`)
    }
    const four = [
      ann,
      bob,
      await person(browser, base, `cat${tag}`),
      await person(browser, base, `dan${tag}`),
    ]
    await channel(four, `standup${tag}`)
    for (let i = 0; i < REPS; i++) {
      results.mesh.push(await mesh(four))
      log(`rep ${i + 1}: mesh ${results.mesh.at(-1)} ms`)
    }
    const b = median(results.bare)
    const o = median(results.one)
    const m = median(results.mesh)
    console.log(`| call set-up, click to first decoded frame (median of ${REPS}) | ms | × bare pair |`)
    console.log('|---|---|---|')
    console.log(`| bare RTCPeerConnection pair, no app (baseline) | ${b} | 1.00 |`)
    console.log(
      `| Parley 1:1: Start video call → callee accepts → both decode | ${o} | ${(o / b).toFixed(2)} |`,
    )
    console.log(`| Parley mesh: 4th joins 3 → all 6 new streams decode | ${m} | ${(m / b).toFixed(2)} |`)
    console.log(
      `\nruns (ms): bare ${results.bare.join(', ')}; 1:1 ${results.one.join(', ')}; mesh ${results.mesh.join(', ')}`,
    )
  } finally {
    await browser.close()
    proc.kill('SIGTERM')
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
