// Direct file transfers between two browsers, each person in a context of their own: a 50 MiB file
// of random bytes arrives byte-identical (the download's SHA-256 is the original's); a declined or
// cancelled transfer leaves no file on either side; a transfer cut in the middle (the sender's socket
// and its peer connections closed) resumes and completes identical; relay-only ICE through a real
// coturn completes and says "Relayed"; a chunk damaged on the way is caught by the checksum and no
// file is kept.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Download, Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { caller, closeCallers, directRoom, type Person } from './calls'
import { withTurn } from './turn'

test.describe.configure({ timeout: 120_000 })
const MIB = 1024 * 1024
let dir = ''
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-transfers-'))
})
test.afterAll(() => rmSync(dir, { recursive: true, force: true }))
// Each page's transfer trace (console.debug, parley.transferTrace) and, when a test fails, what its
// connections and data channels were doing: printed, so a stall in a loaded run can be read after.
const traces = new Map<Page, string[]>()
test.afterEach(async ({}, testInfo) => {
  // TRANSFER_TRACES=dir keeps every test's traces (passing ones too) in that folder.
  const keep = process.env.TRANSFER_TRACES
  if (keep) {
    const name = `${testInfo.title.slice(0, 40)}-${testInfo.repeatEachIndex}-${testInfo.status}.log`
    writeFileSync(join(keep, name.replace(/[^\w.-]+/g, '_')), mergeByTime([...traces.values()]).join('\n'))
  }
  if (testInfo.status !== testInfo.expectedStatus) {
    for (const [page, lines] of traces) {
      const state = await diagnose(page).catch((e: unknown) => [`(no diagnosis: ${String(e)})`])
      const text = [...lines, '-- at the end --', ...state].join('\n')
      await testInfo.attach(`trace ${traces.size}`, {
        body: text,
        contentType: 'text/plain',
      })
      console.log(`==== ${page.url()}\n${text}`)
    }
  }
  traces.clear()
  await closeCallers()
})

// Lines of several pages in the order of their times, each page's own order kept.
const mergeByTime = (pages: string[][]): string[] =>
  pages
    .flat()
    .sort((a, b) => (a.slice(0, 12) < b.slice(0, 12) ? -1 : a.slice(0, 12) > b.slice(0, 12) ? 1 : 0))

// Connection, ICE and data channel states of a page, with the selected candidate pair's counters.
function diagnose(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const out: string[] = []
    for (const [i, pc] of window.__pcs.entries()) {
      out.push(`pc ${i}: ${pc.connectionState} ice=${pc.iceConnectionState} sig=${pc.signalingState}`)
      const stats = await pc.getStats()
      stats.forEach((s: Record<string, unknown>) => {
        if (
          s.type === 'data-channel' ||
          (s.type === 'candidate-pair' && s.nominated) ||
          s.type === 'transport'
        ) {
          const { id, type, state, label, messagesSent, messagesReceived, bytesSent, bytesReceived } = s
          out.push(
            `  ${JSON.stringify({ id, type, state, label, messagesSent, messagesReceived, bytesSent, bytesReceived })}`,
          )
        }
      })
    }
    for (const c of window.__channels)
      out.push(`channel ${c.label}: ${c.readyState} buffered=${c.bufferedAmount}`)
    return out
  })
}

// A file of random bytes in the temporary folder, and its SHA-256.
function randomFile(name: string, bytes: number): { path: string; sha256: string } {
  const path = join(dir, name)
  const data = randomBytes(bytes)
  writeFileSync(path, data)
  return { path, sha256: createHash('sha256').update(data).digest('hex') }
}

function sha256Of(path: string): Promise<string> {
  return new Promise((ok, fail) => {
    const h = createHash('sha256')
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('end', () => ok(h.digest('hex')))
      .on('error', fail)
  })
}

const transfers = (p: Person) => p.page.getByRole('region', { name: 'Transfers', exact: true })
const item = (p: Person) => transfers(p).locator('[data-transfer-id]')
const percent = async (p: Person) =>
  Number(await item(p).getByRole('progressbar').getAttribute('aria-valuenow'))

// Every download the page starts, as it starts.
function downloads(page: Page): Download[] {
  const all: Download[] = []
  page.on('download', (d) => all.push(d))
  return all
}

// `from` offers the file in their direct room with `to`; `to` sees the offer.
async function offer(from: Person, to: Person, path: string, name: string, size: number) {
  await from.page.getByRole('button', { name: 'Send directly', exact: true }).click()
  await from.page.getByLabel('File to send directly').setInputFiles(path)
  await expect(item(from)).toHaveAttribute('data-state', 'waiting')
  const dialog = to.page.getByRole('alertdialog', { name: 'Incoming file' })
  await expect(dialog).toContainText(name)
  await expect(dialog).toContainText(size >= MIB ? `${size / MIB}` : `${size}`)
  return dialog
}

// Accepts the offer; the download the browser starts for it.
async function accept(to: Person): Promise<Download> {
  const [download] = await Promise.all([
    to.page.waitForEvent('download', { timeout: 30_000 }),
    to.page
      .getByRole('alertdialog', { name: 'Incoming file' })
      .getByRole('button', { name: 'Accept' })
      .click(),
  ])
  return download
}

// Headless Chromium has showSaveFilePicker but never shows nor settles the picker: the receiver's
// page goes without it, so the file streams to a download through the service worker, as in a
// browser without the File System Access API.
async function pair(browser: Parameters<typeof caller>[0], opts: { base?: string; relay?: boolean } = {}) {
  const ann = await caller(browser, 'ann', opts)
  const bob = await caller(browser, 'bob', opts)
  await directRoom(ann, bob)
  for (const p of [ann, bob]) {
    await p.page.evaluate(() => {
      delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker
      localStorage.setItem('parley.transferTrace', '1')
    })
    const lines: string[] = []
    traces.set(p.page, lines)
    p.page.on('console', (m) => {
      if (m.type() === 'debug') lines.push(`${new Date().toISOString().slice(11, 23)} ${p.name} ${m.text()}`)
    })
  }
  return { ann, bob }
}

test('a 50 MiB file arrives byte-identical, with progress, speed and the path shown', async ({ browser }) => {
  const { ann, bob } = await pair(browser)
  const file = randomFile('fifty.bin', 50 * MIB)
  await offer(ann, bob, file.path, 'fifty.bin', 50 * MIB)
  const download = await accept(bob)
  expect(download.suggestedFilename()).toBe('fifty.bin')
  await expect.poll(() => percent(bob), { timeout: 60_000 }).toBeGreaterThan(0)
  await expect(item(bob)).toContainText(/\d+(\.\d)? [KMGT]?B\/s, (\d+:\d\d left|time left unknown)/)
  await expect(item(bob)).toHaveAttribute('data-state', 'done', {
    timeout: 90_000,
  })
  await expect(item(ann)).toHaveAttribute('data-state', 'done')
  await expect(item(ann).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100')
  await expect(item(bob)).toContainText('Direct')
  expect(await download.failure()).toBeNull()
  expect(await sha256Of(await download.path())).toBe(file.sha256)
})

test('a declined offer and a cancelled transfer (by either side) leave no file', async ({ browser }) => {
  const { ann, bob } = await pair(browser)
  const started = downloads(bob.page)
  const file = randomFile('big.bin', 120 * MIB)

  // Declined: nothing is downloaded; both see it.
  const dialog = await offer(ann, bob, file.path, 'big.bin', 120 * MIB)
  await dialog.getByRole('button', { name: 'Decline' }).click()
  await expect(item(ann)).toHaveAttribute('data-state', 'declined')
  await expect(item(bob)).toHaveAttribute('data-state', 'declined')
  expect(started).toHaveLength(0)
  await item(ann).getByRole('button', { name: 'Dismiss' }).click()
  await item(bob).getByRole('button', { name: 'Dismiss' }).click()

  // Cancelled by the sender in the middle: the download fails instead of completing.
  for (const [who, other] of [
    [ann, bob],
    [bob, ann],
  ] as const) {
    await offer(ann, bob, file.path, 'big.bin', 120 * MIB)
    const download = await accept(bob)
    await expect.poll(() => percent(bob), { timeout: 60_000 }).toBeGreaterThan(0)
    await item(who).getByRole('button', { name: 'Cancel' }).click()
    await expect(item(who)).toHaveAttribute('data-state', 'cancelled')
    await expect(item(other)).toHaveAttribute('data-state', 'cancelled')
    expect(await download.failure()).not.toBeNull()
    await item(ann).getByRole('button', { name: 'Dismiss' }).click()
    await item(bob).getByRole('button', { name: 'Dismiss' }).click()
  }
})

test('a transfer cut in the middle (socket and peer connections closed) resumes and arrives identical', async ({
  browser,
}) => {
  const { ann, bob } = await pair(browser)
  const file = randomFile('resume.bin', 80 * MIB)
  await offer(ann, bob, file.path, 'resume.bin', 80 * MIB)
  const download = await accept(bob)
  await expect.poll(() => percent(bob), { timeout: 60_000 }).toBeGreaterThan(5)
  const before = await percent(bob)
  expect(before).toBeLessThan(100)
  await ann.page.evaluate(() => {
    window.__sockets.at(-1)?.close()
    for (const pc of window.__pcs) pc.close()
  })
  await expect(item(bob)).toHaveAttribute('data-state', 'done', {
    timeout: 90_000,
  })
  await expect(item(ann)).toHaveAttribute('data-state', 'done')
  expect(await download.failure()).toBeNull()
  expect(await sha256Of(await download.path())).toBe(file.sha256)
  // It went on over a new connection (the first ones were closed), from where it was.
  expect(await ann.page.evaluate(() => window.__pcs.length)).toBeGreaterThan(2)
  const resumed = await ann.page.evaluate(() =>
    window.__frames.some((f) => (JSON.parse(f) as { type: string }).type === 'hello'),
  )
  expect(resumed).toBe(true)
})

test('relay-only ICE through coturn completes and shows the transfer as relayed', async ({ browser }) => {
  await withTurn(async (base) => {
    const { ann, bob } = await pair(browser, { base, relay: true })
    const file = randomFile('relayed.bin', 8 * MIB)
    await offer(ann, bob, file.path, 'relayed.bin', 8 * MIB)
    const download = await accept(bob)
    await expect(item(bob)).toHaveAttribute('data-state', 'done', {
      timeout: 90_000,
    })
    await expect(item(bob)).toContainText('Relayed')
    await expect(item(ann)).toContainText('Relayed')
    expect(await sha256Of(await download.path())).toBe(file.sha256)
  })
})

test('a chunk damaged on the way fails the checksum and no file is kept', async ({ browser }) => {
  const { ann, bob } = await pair(browser)
  // Test-only: the sender's page flips one byte of the 20th data message it sends.
  await ann.page.evaluate(() => {
    const send = RTCDataChannel.prototype.send
    let n = 0
    RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
      const d = data as unknown
      if (d instanceof ArrayBuffer && d.byteLength > 1024 && ++n === 20) {
        const copy = new Uint8Array(d.slice(0))
        copy[copy.length - 1]! ^= 0xff
        return send.call(this, copy)
      }
      return send.call(this, data)
    }
  })
  const file = randomFile('damaged.bin', 16 * MIB)
  await offer(ann, bob, file.path, 'damaged.bin', 16 * MIB)
  const download = await accept(bob)
  await expect(item(bob)).toHaveAttribute('data-state', 'failed', {
    timeout: 60_000,
  })
  await expect(item(bob)).toContainText('The file arrived damaged (checksum mismatch)')
  await expect(item(ann)).toHaveAttribute('data-state', 'failed')
  expect(await download.failure()).not.toBeNull()
})
