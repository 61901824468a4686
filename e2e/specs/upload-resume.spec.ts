// A large upload survives a reload: the message waiting for its file is kept in IndexedDB, shown
// again after the reload and resumed from the offset the server reports (a PUT with Upload-Offset
// past 0), and the other user gets the file once, byte for byte.
//
// On loopback 40 MiB go up in a blink, so the sender's page is throttled through the Chrome
// DevTools Protocol (Network.emulateNetworkConditions, uploadThroughput) until the reload: that
// keeps the upload "in progress" long enough to reload in the middle of it. The test waits on
// conditions only (the progress shown, the upload token in IndexedDB), never on fixed delays.
import { createHash, randomBytes } from 'node:crypto'
import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { newUser, sharedChannel } from './users'

const SIZE = 40 * 1024 * 1024

// The upload token the page kept for the message, once it is in IndexedDB (null before).
function keptToken(page: Page): Promise<string | null> {
  return page.evaluate(
    () =>
      new Promise<string | null>((ok) => {
        const req = indexedDB.open('parley')
        req.onerror = () => ok(null)
        req.onsuccess = () => {
          const db = req.result
          if (!db.objectStoreNames.contains('uploads')) {
            db.close()
            return ok(null)
          }
          const all = db.transaction('uploads').objectStore('uploads').getAll()
          all.onsuccess = () => {
            db.close()
            const saved = (all.result as { files?: { id: string | null }[] }[]).find((v) => v?.files)
            ok(saved?.files?.[0]?.id ?? null)
          }
          all.onerror = () => {
            db.close()
            ok(null)
          }
        }
      }),
  )
}

test('a large upload interrupted by a reload resumes where the server stopped', async ({ browser }) => {
  test.setTimeout(120_000)
  const ann = await newUser(browser, 'ann')
  const bob = await newUser(browser, 'bob')
  const channel = await sharedChannel(ann.page, bob.page, 'resume')

  // The reload must not leave an exception behind in Ann's page (before or after it).
  const pageErrors: string[] = []
  ann.page.on('pageerror', (e) => pageErrors.push(e.message))

  const content = randomBytes(SIZE)
  const sha256 = createHash('sha256').update(content).digest('hex')

  // Every PUT of an upload Ann's page makes, with the offset it starts at (across the reload).
  const offsets: number[] = []
  ann.page.on('request', (r) => {
    if (r.method() === 'PUT' && /\/api\/uploads\/[^/]+$/.test(new URL(r.url()).pathname)) {
      offsets.push(Number(r.headers()['upload-offset']))
    }
  })
  // 4 MiB/s: ten seconds for the whole file, so the reload lands in the middle of it.
  const cdp = await ann.page.context().newCDPSession(ann.page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 4 * 1024 * 1024,
  })

  const chooser = ann.page.waitForEvent('filechooser')
  await ann.page.getByRole('button', { name: 'Attach files' }).click()
  await (await chooser).setFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: content })
  const box = ann.page.getByLabel(`Message #${channel}`)
  await box.fill('forty mebibytes')
  await box.press('Enter')

  // In progress: past 5 % and kept in IndexedDB with its upload token, not 95 % yet.
  const pending = ann.page.getByRole('listitem', { name: 'Sending 1 file' })
  const shown = async () => Number(/(\d+)% of/.exec((await pending.textContent()) ?? '')?.[1] ?? -1)
  await expect.poll(shown, { timeout: 30_000, intervals: [100] }).toBeGreaterThan(5)
  await expect.poll(() => keptToken(ann.page), { timeout: 10_000 }).not.toBeNull()
  expect(await shown()).toBeLessThan(95)
  expect(offsets).toEqual([0])

  await ann.page.reload()
  // After the reload the message is in the room's pending list again, its progress starting where
  // the server got to (the page is still throttled, so this can be seen).
  await expect(pending).toBeVisible()
  await expect(pending.getByText('forty mebibytes')).toBeVisible()
  await expect.poll(shown, { timeout: 30_000, intervals: [100] }).toBeGreaterThan(5)
  // No more throttling: the rest may go at loopback speed.
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  })
  // It resumes past 0: the bytes the server already had are not sent again.
  await expect.poll(() => offsets.slice(1).some((o) => o > 0), { timeout: 30_000 }).toBe(true)
  expect(offsets.slice(1).every((o) => o > 0)).toBe(true)

  // Bob gets the message once, with the whole file.
  const bobMessages = bob.page.getByRole('list', { name: 'Messages' })
  await expect(bobMessages.getByText('forty mebibytes')).toBeVisible({ timeout: 60_000 })
  const card = bobMessages.getByRole('group', { name: 'File big.bin' })
  await expect(card).toHaveCount(1)
  await expect(card.getByText('40 MB')).toBeVisible()
  const href = await card.getByRole('link', { name: 'Download big.bin' }).getAttribute('href')
  const got = await bob.page.evaluate(async (url) => {
    const res = await fetch(url)
    const digest = await crypto.subtle.digest('SHA-256', await res.arrayBuffer())
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
    return { size: Number(res.headers.get('content-length')), hex }
  }, href!)
  expect(got).toEqual({ size: SIZE, hex: sha256 })

  // Ann's page: the message posted once, nothing pending, nothing left in IndexedDB.
  const annMessages = ann.page.getByRole('list', { name: 'Messages' })
  await expect(annMessages.getByRole('group', { name: 'File big.bin' })).toHaveCount(1)
  await expect(pending).toHaveCount(0)
  await expect.poll(() => keptToken(ann.page)).toBeNull()
  await bob.page.reload()
  await expect(bob.page.getByRole('list', { name: 'Messages' }).getByText('forty mebibytes')).toHaveCount(1)
  expect(pageErrors).toEqual([])
})
