// Pictures in the cached history show without a network: the service worker keeps the images it
// fetched in a Cache Storage bucket of its own (and the emoji pictures in another), signing out
// erases the images' bucket, and a copy the server no longer serves (files are private to a room's members) is dropped. The first test runs its own
// server, to stop and restart it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect } from './fixtures'
import { chatCacheHolds } from './offline-cache'
import { freePort, newUserAt, startParley, stopParley } from './own-server'
import { newUser, unique } from './users'
import type { Locator, Page } from '@playwright/test'

const MEDIA_CACHE = 'parley-media-v1'

// Whether the service worker's media bucket holds a response for `url`.
function mediaCacheHolds(page: Page, url: string): Promise<boolean> {
  return page.evaluate(
    async ([url, name]) => (await caches.match(url, { cacheName: name })) !== undefined,
    [url, MEDIA_CACHE],
  )
}

// A PNG drawn in the page (800×450, so the server makes a thumbnail), pasted into the message box as
// the clipboard would hand it over; then sent with `caption` once it is in the tray.
async function sendImage(page: Page, box: Locator, name: string, caption: string): Promise<void> {
  await box.click()
  await box.evaluate(async (box, name) => {
    const canvas = document.createElement('canvas')
    canvas.width = 800
    canvas.height = 450
    const g = canvas.getContext('2d')!
    g.fillStyle = '#2f9e44'
    g.fillRect(0, 0, 800, 450)
    const blob = await new Promise<Blob>((ok) => canvas.toBlob((b) => ok(b!), 'image/png'))
    const data = new DataTransfer()
    data.items.add(new File([blob], name, { type: 'image/png' }))
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, name)
  await expect(page.getByRole('list', { name: 'Files to send' }).getByText(name)).toBeVisible()
  await box.fill(caption)
  await box.press('Enter')
}

// The image called `name` in the room once it has loaded, and the URL it came from (its thumbnail).
async function shownImage(page: Page, name: string): Promise<{ image: Locator; url: string }> {
  const image = page.getByRole('list', { name: 'Messages' }).getByRole('img', { name })
  await expect(image).toHaveAttribute('src', /^\/api\/files\/\d+\?v=thumb$/)
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)
  return { image, url: await image.evaluate((img: HTMLImageElement) => img.currentSrc) }
}

test('an image seen before an outage shows after a reload without the server, and sign-out erases it', async ({
  browser,
}) => {
  // The client comes back by its own reconnect backoff (up to 16 s between attempts after an outage
  // on a loaded machine), so this test allows for a long wait.
  test.setTimeout(90_000)
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-images-'))
  let server = await startParley(port, dataDir)
  try {
    const base = `http://127.0.0.1:${port}`
    const ann = await newUserAt(browser, base, 'annimages')
    // Only what the worker sees is kept: wait until it controls the page before any image loads.
    await ann.waitForFunction(() => navigator.serviceWorker?.controller != null)
    await ann.getByRole('button', { name: 'New room' }).click()
    await ann.getByLabel('Room name').fill('pictures')
    await ann.getByRole('button', { name: 'Create' }).click()
    await expect(ann.getByRole('heading', { name: '#pictures' })).toBeVisible()

    await sendImage(ann, ann.getByLabel('Message #pictures'), 'meadow.png', 'a meadow before the outage')
    const { image, url } = await shownImage(ann, 'meadow.png')
    // The worker stores it after answering; the chat cache saves the message after a short pause.
    await expect.poll(() => mediaCacheHolds(ann, url)).toBe(true)
    await expect.poll(() => chatCacheHolds(ann, 'a meadow before the outage')).toBe(true)
    // An emoji seen online is kept too (emoji/offline.ts), so the cached history shows it as a picture.
    await ann.getByLabel('Message #pictures').fill('sunflowers 🌻')
    await ann.getByLabel('Message #pictures').press('Enter')
    const sunflower = ann.getByRole('list', { name: 'Messages' }).getByRole('img', { name: '🌻' })
    await expect.poll(() => sunflower.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)
    await expect
      .poll(() => ann.evaluate(async () => (await caches.match('/emoji/1f33b.svg')) !== undefined))
      .toBe(true)
    await expect.poll(() => chatCacheHolds(ann, 'sunflowers 🌻')).toBe(true)

    await stopParley(server)
    await expect(ann.getByRole('status').filter({ hasText: /Offline|Connecting/ })).toBeVisible()
    // Without the browser's HTTP cache, the image can only come from the worker's bucket.
    const cdp = await ann.context().newCDPSession(ann)
    await cdp.send('Network.clearBrowserCache')
    await ann.reload()
    await expect(ann.getByRole('heading', { name: '#pictures' })).toBeVisible()
    await expect(ann.getByRole('list', { name: 'Messages' }).getByText('a meadow before the outage')).toBeVisible()
    await expect(image).toBeVisible()
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)
    await expect.poll(() => sunflower.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)

    // Back online, signing out erases the pictures with the rest of the offline copy; the app
    // shell stays, so the sign-in page still starts offline.
    server = await startParley(port, dataDir)
    await expect(ann.getByRole('status').filter({ hasText: 'Online' })).toBeVisible({ timeout: 60_000 })
    await ann.getByRole('button', { name: 'Sign out' }).click()
    await expect(ann.getByRole('heading', { name: 'Sign in' })).toBeVisible()
    await expect.poll(() => ann.evaluate(() => caches.keys())).not.toContain(MEDIA_CACHE)
    expect((await ann.evaluate(() => caches.keys())).some((n) => n.startsWith('parley-shell-'))).toBe(true)
  } finally {
    await stopParley(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
})

test('a cached image the server no longer serves (its message deleted) is dropped from the cache', async ({
  browser,
}) => {
  const { page } = await newUser(browser, 'ann')
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null)
  const channel = unique('pics')
  await page.getByRole('button', { name: 'New room' }).click()
  await page.getByLabel('Room name').fill(channel)
  await page.getByRole('button', { name: 'Create' }).click()
  await sendImage(page, page.getByLabel(`Message #${channel}`), 'dune.png', 'soon gone')
  const { url } = await shownImage(page, 'dune.png')
  await expect.poll(() => mediaCacheHolds(page, url)).toBe(true)

  const message = page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'soon gone' })
  await message.hover()
  await message.getByRole('button', { name: 'Delete' }).click()
  await message.getByRole('button', { name: 'Yes, delete' }).click()
  await expect(page.getByText('This message was deleted.')).toBeVisible()

  // The next request for it is answered from the cache, and the worker asks the server behind it:
  // the file is gone (404), so the copy is dropped and later requests reach the server.
  expect(await page.evaluate((url) => fetch(url).then((r) => r.status), url)).toBe(200)
  await expect.poll(() => mediaCacheHolds(page, url)).toBe(false)
  expect(await page.evaluate((url) => fetch(url).then((r) => r.status), url)).toBe(404)
})
