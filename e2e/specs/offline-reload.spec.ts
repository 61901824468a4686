// A reload with the server out of reach shows the whole app as it was: the header with its status,
// Profile, Settings and Sign out, and people by their display names. Signing out then forgets the
// account in this browser at once, and ends the sign-in on the server once it is back. This spec
// runs its own server, to stop and restart it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect } from './fixtures'
import { chatCacheHolds } from './offline-cache'
import { freePort, newUserAt, startParley, stopParley } from './own-server'
import { setDisplayName } from './users'

test('a reload without the server shows the cached session in full; signing out still works', async ({
  browser,
}) => {
  test.setTimeout(90_000)
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-reload-'))
  let server = await startParley(port, dataDir)
  try {
    const base = `http://127.0.0.1:${port}`
    const ann = await newUserAt(browser, base, 'annreload')
    const bob = await newUserAt(browser, base, 'bobreload')
    await setDisplayName(ann, 'Ann Admin')
    await setDisplayName(bob, 'Bob Builder')
    await ann.getByRole('button', { name: 'New room' }).click()
    await ann.getByLabel('Room name').fill('reload')
    await ann.getByRole('button', { name: 'Create' }).click()
    await expect(ann.getByRole('heading', { name: '#reload' })).toBeVisible()
    await bob.getByRole('button', { name: 'Browse channels' }).click()
    await bob.getByRole('button', { name: 'Join #reload' }).click()
    await bob.getByLabel('Message #reload').fill('hello from bob')
    await bob.getByLabel('Message #reload').press('Enter')
    const annMessages = ann.getByRole('list', { name: 'Messages' })
    await expect(annMessages.getByText('hello from bob')).toBeVisible()
    await expect(annMessages.getByText('Bob Builder', { exact: true })).toBeVisible()
    await ann.waitForFunction(() => navigator.serviceWorker?.controller != null)
    // The app writes its offline copy a moment after a change: the reload waits until it holds
    // Bob's message and both names.
    await expect.poll(() => chatCacheHolds(ann, 'hello from bob')).toBe(true)
    await expect.poll(() => chatCacheHolds(ann, '"display_name":"Bob Builder"')).toBe(true)
    await expect.poll(() => chatCacheHolds(ann, '"display_name":"Ann Admin"')).toBe(true)

    await stopParley(server)
    await ann.reload()
    const header = ann.getByRole('banner')
    await expect(header.getByRole('status')).toHaveText(/Offline|Connecting/)
    await expect(header.getByRole('link', { name: 'Profile' })).toBeVisible()
    await expect(header.getByRole('link', { name: 'Settings' })).toBeVisible()
    await expect(header.getByRole('button', { name: 'Sign out' })).toBeVisible()
    await expect(ann.getByRole('heading', { name: '#reload' })).toBeVisible()
    await expect(annMessages.getByText('hello from bob')).toBeVisible()
    await expect(annMessages.getByText('Bob Builder', { exact: true })).toBeVisible()
    await header.getByRole('link', { name: 'Profile' }).click()
    await expect(ann.getByLabel('Display name')).toHaveValue('Ann Admin')

    // Signing out without the server: this browser forgets the account at once, reload or not.
    await header.getByRole('button', { name: 'Sign out' }).click()
    await expect(ann.getByRole('heading', { name: 'Sign in' })).toBeVisible()
    await ann.reload()
    await expect(ann.getByRole('heading', { name: 'Sign in' })).toBeVisible()
    await expect(header.getByRole('button', { name: 'Sign out' })).toHaveCount(0)

    // The server back: the sign-in it still held is ended.
    server = await startParley(port, dataDir)
    await ann.goto('/')
    await expect(ann.getByRole('heading', { name: 'Sign in' })).toBeVisible()
    await expect(header.getByRole('link', { name: 'Sign in' })).toBeVisible()
  } finally {
    await stopParley(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
})
