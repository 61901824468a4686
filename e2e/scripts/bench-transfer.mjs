// Direct transfer throughput (docs/benchmarks.md, direct transfers issue), in Debian's Chromium,
// two people in browser contexts of their own on loopback, against the release server:
//   - ceiling: the same browser sending zero-filled buffers over bare RTCDataChannels as fast as
//     they take them (bufferedAmount flow control; no hashing, no disk), SDP passed by this driver;
//   - Parley: "Send directly" → "Accept" → the file streams to a download through the service
//     worker, hashed on both sides in workers; timed from the receiver's first byte to "done";
//   - a curve over chunk size, channel count and bufferedAmountLowThreshold (localStorage
//     'parley.transferTuning', which only this benchmark sets), and over the same for the ceiling.
// Memory: the receiver page's peak JSHeapUsedSize (CDP Performance.getMetrics, every 100 ms; the
// workers' heaps are not in it) and the peak RSS of all Chromium processes (ps), both sampled during
// the transfer. Prints markdown tables on stdout (progress on stderr).
//
//   cd e2e && node scripts/bench-transfer.mjs   (scripts/bench-transfer.sh runs it in a loopback-only
//   network namespace, as make bench does)
//
// The main comparison alternates ceiling and Parley ROUNDS times and compares their medians: on a
// shared 2-core machine one pair of runs moves by a third from one minute to the next.
//
// Environment: PARLEY_BIN (build/release/bin/parley), PARLEY_WEB_ROOT (web/dist), SIZE_MIB (1024:
// the main comparison), ROUNDS (3), CURVE_MIB (128: each point of the curves), CURVE (1; 0 skips the
// curves).
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from '@playwright/test'
import { chromiumArgs } from '../chromium-args.mjs'
import { startServer } from './server.mjs'

const root = resolve(import.meta.dirname, '../..')
const bin = process.env.PARLEY_BIN ?? join(root, 'build/release/bin/parley')
const webRoot = process.env.PARLEY_WEB_ROOT ?? join(root, 'web/dist')
const SIZE_MIB = Number(process.env.SIZE_MIB ?? 1024)
const CURVE_MIB = Number(process.env.CURVE_MIB ?? Math.min(128, SIZE_MIB))
const CURVE = process.env.CURVE !== '0'
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const MIB = 1024 * 1024
const log = (...a) => console.error('[bench-transfer]', ...a)

async function person(browser, base, name) {
  // Camera/microphone permission: without it Chromium hides host candidates behind mDNS names,
  // which a loopback-only namespace cannot resolve (the page is even torn down).
  const context = await browser.newContext({ baseURL: base, permissions: ['camera', 'microphone'] })
  const page = await context.newPage()
  await page.goto('/register')
  await page.getByLabel('Username').fill(name)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('status').filter({ hasText: 'Online' }).waitFor()
  // Headless Chromium never settles showSaveFilePicker: the download path is the one measured.
  await page.evaluate(() => delete window.showSaveFilePicker)
  return { page, name, context }
}

async function directRoom(a, b) {
  const channel = `bench${Date.now().toString(36)}`
  await a.page.getByRole('button', { name: 'New room' }).click()
  await a.page.getByLabel('Room name').fill(channel)
  await a.page.getByRole('button', { name: 'Create' }).click()
  await a.page.getByRole('heading', { name: `#${channel}` }).waitFor()
  await b.page.getByRole('button', { name: 'Browse channels' }).click()
  await b.page.getByRole('button', { name: `Join #${channel}` }).click()
  await b.page.getByRole('heading', { name: `#${channel}` }).waitFor()
  await b.page.getByRole('button', { name: /^Members/ }).click()
  await b.page.getByRole('button', { name: `Message ${a.name}` }).click()
  const box = b.page.getByRole('textbox', { name: `Message ${a.name}` })
  await box.fill('hi')
  await box.press('Enter')
  await a.page.getByRole('button', { name: `${b.name}, 1 unread` }).click()
}

function writeRandomFile(path, mib) {
  const fd = openSync(path, 'w')
  const block = randomBytes(MIB)
  const hash = createHash('sha256')
  for (let i = 0; i < mib; i++) {
    block[0] = i & 0xff // every MiB differs
    writeSync(fd, block)
    hash.update(block)
  }
  closeSync(fd)
  return hash.digest('hex')
}

// Peak RSS (MiB) of all Chromium processes together, and the receiver page's JS heap.
async function sampler(receiver) {
  const cdp = await receiver.context.newCDPSession(receiver.page)
  await cdp.send('Performance.enable')
  let heap = 0
  let rss = 0
  let on = true
  const loop = (async () => {
    while (on) {
      const { metrics } = await cdp.send('Performance.getMetrics')
      heap = Math.max(heap, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0)
      const pids = ourChromium()
      const out = pids.length ? execFileSync('ps', ['-o', 'rss=', '-p', pids.join(',')]).toString() : ''
      rss = Math.max(rss, out.split('\n').reduce((s, l) => s + (Number(l) || 0), 0) / 1024)
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  return async () => {
    on = false
    await loop
    await cdp.detach()
    return { heapMiB: heap / MIB, rssMiB: rss }
  }
}

// This benchmark's Chromium processes: those descending from this node process (other browsers
// may run on the machine meanwhile).
function ourChromium() {
  const parent = new Map()
  const name = new Map()
  for (const pid of readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      name.set(pid, stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')))
      parent.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    } catch {
      // gone meanwhile
    }
  }
  const mine = (pid) => {
    for (let p = pid; p && p !== '0' && p !== '1'; p = parent.get(p))
      if (p === String(process.pid)) return true
    return false
  }
  return [...name].filter(([pid, n]) => n === 'chromium' && mine(pid)).map(([pid]) => pid)
}

// CPU seconds used so far by all Chromium processes (both people's renderers, their workers, the
// network service, the browser): what a transfer costs the machine, whatever else runs on it.
// (/proc/PID/stat's utime + stime, in the kernel's 100 ticks per second.)
function chromiumCpu() {
  const pids = ourChromium()
  let ticks = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid.trim()}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(f[11]) + Number(f[12]) // fields 14 and 15: utime, stime
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100
}

// With THREADS=1: CPU seconds per Chromium thread (process type / thread name), to see where a
// transfer's CPU goes. Chromium names its threads (WebRTC_Network, DedicatedWorker thread, ...).
function chromiumThreads() {
  const pids = ourChromium()
  const by = new Map()
  for (const pid of pids.map((p) => p.trim())) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      const type =
        (/--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser') +
        (/--utility-sub-type=([\w.]+)/.exec(cmd)?.[1] ?? '').replace(/^network.mojom./, ' ')
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, 'N')
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        const key = `${type} / ${name}`
        by.set(key, (by.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) / 100)
      }
    } catch {
      // gone meanwhile
    }
  }
  return by
}

function threadReport(what, before, after, gb) {
  if (process.env.THREADS !== '1') return
  const rows = [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]).filter(([, v]) => v > 0.05 * gb)
  rows.sort((a, b) => b[1] - a[1])
  log(`${what}: CPU s per GB by thread`)
  for (const [k, v] of rows.slice(0, 14)) log(`  ${(v / gb).toFixed(1).padStart(6)}  ${k}`)
}

const item = (p) =>
  p.page.getByRole('region', { name: 'Transfers', exact: true }).locator('[data-transfer-id]')

// One transfer through Parley's UI with the given tuning; MB/s from the first byte to "done".
async function parleyRun(ann, bob, path, mib, tuning, sha256) {
  for (const p of [ann, bob]) {
    await p.page.evaluate((t) => {
      if (t) localStorage.setItem('parley.transferTuning', JSON.stringify(t))
      else localStorage.removeItem('parley.transferTuning')
    }, tuning)
  }
  await ann.page.getByRole('button', { name: 'Send directly', exact: true }).click()
  await ann.page.getByLabel('File to send directly').setInputFiles(path)
  const dialog = bob.page.getByRole('alertdialog', { name: 'Incoming file' })
  await dialog.waitFor()
  const stop = await sampler(bob)
  const cpu0 = chromiumCpu()
  const threads0 = chromiumThreads()
  const [download] = await Promise.all([
    bob.page.waitForEvent('download'),
    dialog.getByRole('button', { name: 'Accept' }).click(),
  ])
  const started = await bob.page.evaluate(
    () =>
      new Promise((ok) => {
        const check = () => {
          const bar = document.querySelector('[data-transfer-id] [role=progressbar]')
          if (bar && bar.getAttribute('aria-valuenow') !== '0') ok(performance.now())
          else setTimeout(check, 5)
        }
        check()
      }),
  )
  await item(bob).and(bob.page.locator('[data-state="done"]')).waitFor({ timeout: 1_800_000 })
  const ended = await bob.page.evaluate(() => performance.now())
  const cpu = chromiumCpu() - cpu0
  threadReport('Parley', threads0, chromiumThreads(), (mib * MIB) / 1e9)
  const mem = await stop()
  const state = await item(ann).getAttribute('data-state')
  const file = await download.path()
  const got = createHash('sha256')
  await new Promise((ok) => {
    import('node:fs').then(({ createReadStream }) =>
      createReadStream(file)
        .on('data', (d) => got.update(d))
        .on('end', ok),
    )
  })
  if (got.digest('hex') !== sha256) throw new Error('the download differs from the file')
  await download.delete()
  for (const p of [ann, bob]) await item(p).getByRole('button', { name: 'Dismiss' }).click()
  // The first byte counts after 1% of the file arrived: the speed is measured from there.
  const mb = (mib * MIB * 0.99) / 1e6
  return { mbps: mb / ((ended - started) / 1000), cpuPerGB: cpu / ((mib * MIB) / 1e9), state, ...mem }
}

// The ceiling: bare data channels between the same two pages, zero-filled buffers.
async function ceilingRun(a, b, mib, { chunk, channels, low, high }) {
  await a.page.evaluate((channels) => {
    window.__bench = { pc: new RTCPeerConnection(), chs: [] }
    for (let i = 0; i < channels; i++) {
      const ch = window.__bench.pc.createDataChannel(`d${i}`)
      ch.binaryType = 'arraybuffer'
      window.__bench.chs.push(ch)
    }
  }, channels)
  const offer = await a.page.evaluate(async () => {
    const pc = window.__bench.pc
    await pc.setLocalDescription()
    await new Promise((r) => {
      if (pc.iceGatheringState === 'complete') r()
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r()
    })
    return pc.localDescription.toJSON()
  })
  const answer = await b.page.evaluate(async (offer) => {
    const pc = new RTCPeerConnection()
    window.__bench = { pc, got: 0, first: 0, last: 0 }
    pc.ondatachannel = ({ channel }) => {
      channel.binaryType = 'arraybuffer'
      channel.onmessage = (e) => {
        const w = window.__bench
        if (!w.first) w.first = performance.now()
        w.got += e.data.byteLength
        w.last = performance.now()
      }
    }
    await pc.setRemoteDescription(offer)
    await pc.setLocalDescription()
    await new Promise((r) => {
      if (pc.iceGatheringState === 'complete') r()
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r()
    })
    return pc.localDescription.toJSON()
  }, offer)
  const cpu0 = chromiumCpu()
  const threads0 = chromiumThreads()
  await a.page.evaluate(
    async ({ answer, chunk, low, high, total }) => {
      const { pc, chs } = window.__bench
      await pc.setRemoteDescription(answer)
      await Promise.all(chs.map((ch) => (ch.readyState === 'open' ? 0 : new Promise((r) => (ch.onopen = r)))))
      const buf = new ArrayBuffer(chunk)
      let sent = 0
      await new Promise((done) => {
        const pump = (ch) => {
          while (sent < total && ch.bufferedAmount < high) {
            ch.send(buf)
            sent += chunk
          }
          if (sent >= total) done()
        }
        for (const ch of chs) {
          ch.bufferedAmountLowThreshold = low
          ch.onbufferedamountlow = () => pump(ch)
          pump(ch)
        }
      })
    },
    { answer, chunk, low, high, total: mib * MIB },
  )
  await b.page.waitForFunction((t) => window.__bench.got >= t, mib * MIB, { timeout: 1_800_000, polling: 20 })
  const cpu = chromiumCpu() - cpu0
  threadReport('ceiling', threads0, chromiumThreads(), (mib * MIB) / 1e9)
  const ms = await b.page.evaluate(() => window.__bench.last - window.__bench.first)
  for (const p of [a, b]) await p.page.evaluate(() => window.__bench.pc.close())
  return { mbps: (mib * MIB) / 1e6 / (ms / 1000), cpuPerGB: cpu / ((mib * MIB) / 1e9) }
}

const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-transfer-'))
const server = startServer(bin, webRoot, join(dataDir, 'server'), ['--auth-attempts-per-minute', '100000'])
let browser
try {
  const base = await server.url
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs })
  const ann = await person(browser, base, `ann${Date.now().toString(36)}`)
  const bob = await person(browser, base, `bob${Date.now().toString(36)}`)
  await directRoom(ann, bob)
  const big = join(dataDir, 'big.bin')
  log(`writing ${SIZE_MIB} MiB of random bytes`)
  const bigSha = writeRandomFile(big, SIZE_MIB)
  log('warming up (the first transfer on a new SCTP association is slow)')
  await ceilingRun(ann, bob, 16, { chunk: 65536, channels: 1, low: 262144, high: 1048576 })

  // As rtc/transfer.ts's DEFAULT_TUNING: the ceiling's channels take as much at once as Parley's.
  const defaults = { chunk: 65536, channels: 2, low: 65536, high: 1048576 }
  const ceilings = []
  const parleys = []
  for (let round = 1; round <= ROUNDS; round++) {
    log(`round ${round}/${ROUNDS}: ceiling, ${SIZE_MIB} MiB`)
    ceilings.push(await ceilingRun(ann, bob, SIZE_MIB, defaults))
    log(`round ${round}/${ROUNDS}: Parley, ${SIZE_MIB} MiB, defaults`)
    parleys.push(await parleyRun(ann, bob, big, SIZE_MIB, null, bigSha))
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const ceiling = median(ceilings.map((c) => c.mbps))
  const parley = median(parleys.map((p) => p.mbps))
  const ceilingCpu = median(ceilings.map((c) => c.cpuPerGB))
  const parleyCpu = median(parleys.map((p) => p.cpuPerGB))
  const runs = (xs) => xs.map((x) => x.toFixed(1)).join(', ')
  console.log(`\n### Direct transfer, ${SIZE_MIB} MiB, two Chromium contexts on loopback, ${ROUNDS} rounds\n`)
  // Both cores' worth: the MB/s the machine could give if the transfer had both cores to itself.
  const twoCores = (cpuPerGB) => (2 / cpuPerGB) * 1000
  console.log(
    '| what | MB/s, median | runs | × ceiling | Chromium CPU s per GB | MB/s at 2 cores of CPU | receiver JS heap peak | Chromium RSS peak (all processes) |',
  )
  console.log('|---|---|---|---|---|---|---|---|')
  console.log(
    `| raw data channels (ceiling: ${defaults.channels} channels, 64 KiB, zeros) | ${ceiling.toFixed(1)} | ${runs(ceilings.map((c) => c.mbps))} | 1.00 | ${ceilingCpu.toFixed(1)} | ${twoCores(ceilingCpu).toFixed(0)} | | |`,
  )
  console.log(
    `| Parley (defaults; SHA-256 both sides, streamed to a download) | ${parley.toFixed(1)} | ${runs(parleys.map((p) => p.mbps))} | ${(parley / ceiling).toFixed(2)} | ${parleyCpu.toFixed(1)} | ${twoCores(parleyCpu).toFixed(0)} | ${Math.max(...parleys.map((p) => p.heapMiB)).toFixed(0)} MiB | ${Math.max(...parleys.map((p) => p.rssMiB)).toFixed(0)} MiB |`,
  )
  console.log(
    `\nPer round, Parley ÷ the ceiling just before it: ${runs(parleys.map((p, i) => p.mbps / ceilings[i].mbps))}`,
  )

  if (CURVE) {
    const small = join(dataDir, 'curve.bin')
    const smallSha = writeRandomFile(small, CURVE_MIB)
    console.log(`\n### Curve, ${CURVE_MIB} MiB each\n`)
    console.log(
      '| chunk | channels | low threshold | ceiling MB/s | Parley MB/s | Parley × ceiling | receiver heap peak |',
    )
    console.log('|---|---|---|---|---|---|---|')
    for (const chunk of [16384, 65536, 262144]) {
      for (const channels of [1, 2, 4]) {
        for (const low of [chunk, 4 * chunk]) {
          // Chromium's data channels take at most 256 KiB per message.
          const c = Math.min(chunk, 262144)
          const t = { chunk: c, channels, low, high: Math.max(4 * low, 1024 * 1024), pcs: 1 }
          log(`curve: chunk ${c} channels ${channels} low ${low}`)
          const ceil = await ceilingRun(ann, bob, CURVE_MIB, t)
          const p = await parleyRun(ann, bob, small, CURVE_MIB, t, smallSha)
          console.log(
            `| ${c / 1024} KiB | ${channels} | ${low / 1024} KiB | ${ceil.mbps.toFixed(1)} | ${p.mbps.toFixed(1)} | ${(p.mbps / ceil.mbps).toFixed(2)} | ${p.heapMiB.toFixed(0)} MiB |`,
          )
        }
      }
    }
  }
} finally {
  await browser?.close()
  server.proc.kill('SIGTERM')
  rmSync(dataDir, { recursive: true, force: true })
}
