// Warm reload: how long after navigation start the open room shows its newest message when the
// chat comes from the IndexedDB cache. Starts the real server with a fresh data directory, signs a
// user up through the UI, posts 50 messages in a new channel, then reloads N times.
// Run after `npm run build`: node scripts/warm-reload.mjs [reloads=5]
// Also prints the figure for one reload whose socket never connects (no_hello_reload_ms: the room
// shows from the cache alone) and with the cache emptied before each reload (cold_reload_ms_*).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const require = createRequire(join(root, 'e2e/package.json'))
const { chromium } = require('@playwright/test')

const RELOADS = Number(process.argv[2] ?? 5)
const MESSAGES = 50
const BUDGET_MS = 300
// As e2e/playwright.config.ts.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
]

async function startServer(dataDir) {
  const bin = process.env.PARLEY_BIN ?? join(root, 'build/asan/bin/parley')
  const args = ['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir]
  args.push('--web-root', join(root, 'web/dist'), '--argon2-ops', '1', '--argon2-mem-kib', '8')
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise((ok, fail) => {
    let out = ''
    proc.stdout.on('data', (d) => {
      out += d.toString()
      const m = out.match(/listening on (https?:\/\/[^\s]+)/)
      if (m) ok(m[1])
    })
    proc.on('exit', (code) => fail(new Error(`parley exited with ${code} before listening`)))
  })
  return { proc, url }
}

// Records, in the page, when `text` first shows in the Messages list (ms since navigation start).
function watchFor(text) {
  const seen = () => document.querySelector('[aria-label="Messages"]')?.textContent?.includes(text) ?? false
  const mark = () => {
    if (window.__shownAt === undefined && seen()) window.__shownAt = performance.now()
  }
  new MutationObserver(mark).observe(document, { childList: true, subtree: true, characterData: true })
}

async function reloadTime(page, text, { cold }) {
  if (cold) {
    await page.evaluate(
      () =>
        new Promise((ok) => {
          const req = indexedDB.deleteDatabase('parley')
          req.onsuccess = req.onerror = req.onblocked = () => ok()
        }),
    )
  }
  await page.reload({ waitUntil: 'commit' })
  const handle = await page.waitForFunction(() => window.__shownAt, null, { timeout: 15_000 })
  const ms = await handle.jsonValue()
  // Let the cache writes after hello and sync settle before the next reload.
  await page.getByRole('status').filter({ hasText: 'Online' }).waitFor()
  await page.waitForTimeout(600)
  return ms
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const p50 = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
  return { p50: Math.round(p50), max: Math.round(s[s.length - 1]) }
}

const dataDir = mkdtempSync(join(tmpdir(), 'parley-warm-'))
const { proc, url } = await startServer(dataDir)
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs })
let failed = false
try {
  const page = await browser.newPage({ baseURL: url })
  const name = `warm${Date.now().toString(36)}`
  await page.goto('/register')
  await page.getByLabel('Username').fill(name)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { name: `Welcome to Parley, ${name}` }).waitFor()
  await page.getByRole('status').filter({ hasText: 'Online' }).waitFor()

  const channel = `bench${Date.now().toString(36)}`
  await page.getByRole('button', { name: 'New room' }).click()
  await page.getByLabel('Room name').fill(channel)
  await page.getByRole('button', { name: 'Create' }).click()
  await page.getByRole('heading', { name: `#${channel}` }).waitFor()

  const box = page.getByLabel(`Message #${channel}`)
  let last = ''
  for (let i = 1; i <= MESSAGES; i++) {
    last = `warm message ${i} of ${channel}`
    await box.fill(last)
    await box.press('Enter')
  }
  const messages = page.getByRole('list', { name: 'Messages' })
  await messages.getByText(last, { exact: true }).waitFor()
  await page.getByText('sending…').first().waitFor({ state: 'detached' })
  await page.waitForTimeout(600) // the debounced cache write
  if (!/\/room\/\d+$/.test(page.url())) throw new Error(`not in a room: ${page.url()}`)

  await page.addInitScript(watchFor, last)
  const warm = []
  for (let i = 0; i < RELOADS; i++) warm.push(await reloadTime(page, last, { cold: false }))
  const cold = []
  for (let i = 0; i < RELOADS; i++) cold.push(await reloadTime(page, last, { cold: true }))

  // Last (the route stays for the page): a socket that never says hello; the room must still show
  // from the cache alone.
  await page.routeWebSocket('**/ws', () => {})
  await page.reload({ waitUntil: 'commit' })
  const offline = await (
    await page.waitForFunction(() => window.__shownAt, null, { timeout: 15_000 })
  ).jsonValue()
  const w = stats(warm)
  const c = stats(cold)
  console.log(`warm_reload_runs_ms=${warm.map((x) => Math.round(x)).join(',')}`)
  console.log(`cold_reload_runs_ms=${cold.map((x) => Math.round(x)).join(',')}`)
  console.log(`no_hello_reload_ms=${Math.round(offline)}`)
  console.log(`cold_reload_ms_p50=${c.p50} max=${c.max}`)
  console.log(`warm_reload_ms_p50=${w.p50} max=${w.max} budget=${BUDGET_MS}`)
  failed = w.p50 > BUDGET_MS
} finally {
  await browser.close()
  proc.kill('SIGTERM')
  await new Promise((ok) => (proc.exitCode !== null ? ok() : proc.on('exit', ok)))
  rmSync(dataDir, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
