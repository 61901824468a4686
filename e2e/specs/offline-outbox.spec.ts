// A message written while the server is down waits in the outbox ("sending…") and is delivered
// exactly once when the server is back. This spec runs its own server, to stop and restart it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect } from './fixtures'
import { freePort, newUserAt, startParley, stopParley } from './own-server'

test('a message typed while the server is down is delivered exactly once after it comes back', async ({
  browser,
}) => {
  // The clients come back by their own reconnect backoff (up to 16 s between attempts after an
  // outage of a few seconds on a loaded machine), so this test allows for a long wait.
  test.setTimeout(90_000)
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-outbox-'))
  let server = await startParley(port, dataDir)
  try {
    const base = `http://127.0.0.1:${port}`
    const ann = await newUserAt(browser, base, 'annoutbox')
    const bob = await newUserAt(browser, base, 'boboutbox')
    await ann.getByRole('button', { name: 'New room' }).click()
    await ann.getByLabel('Room name').fill('outage')
    await ann.getByRole('button', { name: 'Create' }).click()
    await expect(ann.getByRole('heading', { name: '#outage' })).toBeVisible()
    await bob.getByRole('button', { name: 'Browse channels' }).click()
    await bob.getByRole('button', { name: 'Join #outage' }).click()
    await expect(bob.getByRole('heading', { name: '#outage' })).toBeVisible()
    const bobMessages = bob.getByRole('list', { name: 'Messages' })

    const box = ann.getByLabel('Message #outage')
    await box.fill('said before the outage')
    await box.press('Enter')
    await expect(bobMessages.getByText('said before the outage')).toBeVisible()
    // And Ann has its acknowledgement (Bob getting it does not mean she has): else it waits in her
    // outbox through the outage, a second "sending…" below.
    await expect(ann.getByText('sending…')).toHaveCount(0)
    await stopParley(server)
    await expect(ann.getByRole('status').filter({ hasText: /Offline|Connecting/ })).toBeVisible()
    // A reload with the server down shows the cached room (shell from the service worker, rooms
    // and messages from IndexedDB). Only the room is checked: under CPU load the cache was seen to
    // hold a slightly older snapshot of its messages after a reload (see the closing note).
    await ann.waitForFunction(() => navigator.serviceWorker?.controller != null)
    // The app writes its cache a moment after a change (and timers of a page in the background
    // run late): the reload comes once the cache holds the room, as it would for a user who did
    // not reload within the second.
    await expect
      .poll(() =>
        ann.evaluate(async () => {
          const db = await new Promise<IDBDatabase>((resolve, reject) => {
            const r = indexedDB.open('parley')
            r.onsuccess = () => resolve(r.result)
            r.onerror = () => reject(r.error)
          })
          const all = await new Promise<unknown[]>((resolve) => {
            const r = db.transaction('cache', 'readonly').objectStore('cache').getAll()
            r.onsuccess = () => resolve(r.result)
          })
          db.close()
          return all.some((v) => {
            const rooms = (v as { rooms?: { name?: string }[] }).rooms
            return Array.isArray(rooms) && rooms.some((r) => r.name === 'outage')
          })
        }),
      )
      .toBe(true)
    await ann.reload()
    await expect(ann.getByRole('heading', { name: '#outage' })).toBeVisible()
    await box.fill('written during the outage')
    await box.press('Enter')
    await expect(ann.getByText('sending…')).toBeVisible()

    server = await startParley(port, dataDir)
    await expect(bobMessages.getByText('written during the outage')).toBeVisible({ timeout: 60_000 })
    await expect(ann.getByText('sending…')).toHaveCount(0)

    // Exactly once, also for a client that loads the room afresh.
    await bob.reload()
    await bob.getByRole('button', { name: /^outage/ }).click()
    await expect(
      bob.getByRole('list', { name: 'Messages' }).getByText('written during the outage'),
    ).toHaveCount(1)
  } finally {
    await stopParley(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
})
