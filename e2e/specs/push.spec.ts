// Web Push from the real server to the real service worker, on a server of this spec's own (started
// with --push-any-endpoint, so it accepts a push endpoint on loopback).
//
// Why this path: Debian's Chromium cannot subscribe to a real push service. It is built without
// Google's API keys (no Firebase Cloud Messaging), and the tests run without a network, so
// `pushManager.subscribe()` rejects ("push service not available"); the spec checks that the
// Settings page says so plainly. What headless Chromium does allow: a service worker registered as in
// any browser, notifications shown and listed by `registration.getNotifications()` once the
// context has the permission, and the DevTools Protocol's `ServiceWorker.deliverPushMessage`, which
// fires a `push` event in the worker with the given plaintext, as the browser does after decrypting
// what its push service delivered. So the spec plays the push service itself:
// (a) a local push endpoint (node http on 127.0.0.1, push-service.mjs, shared with the server's
//     integration test) with a P-256 key pair and an auth secret made here;
// (b) that subscription registered for the user through the app's own POST /api/push/subscriptions;
// (c) another user mentions them while they have no tab open (their page closed, their browser
//     context and so its service worker kept);
// (d) the server's encrypted push arrives at the endpoint, whose VAPID signature is checked and
//     whose body is decrypted;
// (e) exactly those decrypted bytes go to the user's service worker through CDP;
// (f) the worker showed the notification (title, body, tag), and a click on it opens the room in the
//     user's window. No CDP command clicks a notification, so the click is a `notificationclick`
//     event dispatched in the worker (Playwright evaluates code in it): the worker's own handler runs
//     on the notification it showed. A synthetic event may not open or focus a window (only a
//     user's click may), so the path with no window open (`clients.openWindow`) is not covered;
//     the open window is, through the message the worker sends it.
// Not proven here: the browser's own decryption and its push service's delivery, which belong to
// the browser and the push service; RFC 8291 encryption is checked byte for byte in the server's
// tests.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from '@playwright/test'
import { checkVapid, startPushService } from '../../server/tests/integration/push-service.mjs'
import { test, expect } from './fixtures'
import { freePort, newUserAt, startParley, stopParley } from './own-server'
import { sharedChannel } from './users'

interface Shown {
  title: string
  body: string
  tag: string
  data: unknown
}

// The notifications the context's service worker shows now, read from a page of the app's origin.
async function shownNotifications(page: Page): Promise<Shown[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration('/')
    const list = (await registration?.getNotifications()) ?? []
    return list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as unknown }))
  })
}

// The id Chromium gave the service worker registration of `origin` (from the DevTools Protocol), and
// a function that delivers a push message's plaintext to it.
async function pushChannel(context: BrowserContext, origin: string) {
  const page = await context.newPage() // any page of the context reaches its service workers
  const cdp = await context.newCDPSession(page)
  const registrations = new Map<string, string>()
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: updated }) => {
    for (const r of updated) if (!r.isDeleted) registrations.set(r.scopeURL, r.registrationId)
  })
  await cdp.send('ServiceWorker.enable')
  await expect.poll(() => registrations.get(`${origin}/`)).toBeTruthy()
  const registrationId = registrations.get(`${origin}/`)!
  return {
    page,
    deliver: (data: string) => cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data }),
  }
}

async function openConnections(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text()
  return Number(text.match(/^parley_ws_connections_open (\d+)/m)?.[1] ?? -1)
}

test('a mention reaches the service worker of someone with no tab open, and its click opens the room', async ({
  browser,
}) => {
  test.setTimeout(90_000)
  const push = await startPushService()
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-push-'))
  const server = await startParley(port, dataDir, ['--push-any-endpoint'])
  try {
    const ann = await newUserAt(browser, base, 'annpush')
    const bob = await newUserAt(browser, base, 'bobpush')
    const bobs = bob.context()
    await bobs.grantPermissions(['notifications'], { origin: base })
    await bob.waitForFunction(() => navigator.serviceWorker?.controller != null)

    // This Chromium has no push service: the Settings page says so instead of a raw error.
    await bob.getByRole('link', { name: 'Settings' }).click()
    const section = bob.getByRole('group', { name: 'Notifications on this device' })
    await expect(section.getByRole('status').first()).toHaveText('Off on this device.')
    await section.getByRole('button', { name: 'Turn on' }).click()
    await expect(section.getByRole('alert')).toContainText('This browser cannot receive push notifications.')

    // (a, b) The spec's push endpoint, registered for Bob with the app's own API.
    const phone = push.device('bob')
    const status = await bob.evaluate(async (subscription) => {
      const { csrf } = (await (await fetch('/api/session')).json()) as { csrf: string }
      const r = await fetch('/api/push/subscriptions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify(subscription),
      })
      return r.status
    }, { endpoint: phone.endpoint, keys: phone.keys })
    expect(status).toBe(201)
    await bob.reload()
    const devices = section.getByRole('list', { name: 'Devices that get notifications' })
    await expect(devices.getByRole('listitem')).toHaveCount(1)
    await expect(devices.getByRole('button', { name: /^Remove Chrome on Linux$/ })).toBeVisible()

    await bob.getByRole('link', { name: 'Parley home' }).click()
    const channel = await sharedChannel(ann, bob, 'push')
    const room = /\/room\/(\d+)$/.exec(bob.url())?.[1]
    expect(room).toBeTruthy()

    // (c) Bob closes his tab; his browser (and its service worker) stays. Ann mentions him.
    await bob.close()
    await expect.poll(() => openConnections(base)).toBe(1)
    await ann.getByLabel(`Message #${channel}`).fill('@bobpush lunch at noon?')
    await ann.getByLabel(`Message #${channel}`).press('Enter')

    // (d) The server's push: signed with its VAPID key for this endpoint, encrypted for Bob's keys.
    const got = await phone.next()
    const { key } = (await (await fetch(`${base}/api/push/key`)).json()) as { key: string }
    checkVapid(got.headers, key, push.origin)
    expect(got.headers['content-encoding']).toBe('aes128gcm')
    const plaintext = phone.open(got.body).toString('utf8')
    expect(JSON.parse(plaintext)).toMatchObject({
      type: 'message',
      room: Number(room),
      title: `annpush in #${channel}`,
      body: '@bobpush lunch at noon?',
      url: `/room/${room}`,
      tag: `room-${room}`,
    })

    // (e) Those bytes, as Bob's browser would hand them to the worker.
    const worker = await pushChannel(bobs, base)
    await worker.deliver(plaintext)

    // (f) The worker showed it, from a page of the origin that does not start the app.
    await worker.page.goto(`${base}/manifest.webmanifest`)
    // The push goes server → push service → service worker: under a full suite on 2 cores it has
    // taken over the default 5 s (once in four full runs), so it gets 20.
    await expect
      .poll(() => shownNotifications(worker.page), { timeout: 20_000 })
      .toEqual([
        {
          title: `annpush in #${channel}`,
          body: '@bobpush lunch at noon?',
          tag: `room-${room}`,
          data: { url: `/room/${room}`, room: Number(room), type: 'message' },
        },
      ])

    // A click on it, with Bob's Parley open on another page: that window shows the room.
    const again = await bobs.newPage()
    await again.goto(`${base}/settings`)
    await expect(again.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
    await again.waitForFunction(() => navigator.serviceWorker?.controller != null)
    const sw = bobs.serviceWorkers().find((w) => w.url() === `${base}/sw.js`)
    expect(sw, 'the service worker as Playwright sees it').toBeTruthy()
    await sw!.evaluate(async (tag) => {
      const scope = self as unknown as {
        registration: ServiceWorkerRegistration
        dispatchEvent(e: Event): boolean
      }
      const [shown] = await scope.registration.getNotifications({ tag })
      const NotificationEventOf = (globalThis as unknown as Record<string, unknown>).NotificationEvent as new (
        type: string,
        init: { notification: Notification },
      ) => Event
      if (shown) scope.dispatchEvent(new NotificationEventOf('notificationclick', { notification: shown }))
    }, `room-${room}`)
    await expect(again).toHaveURL(`${base}/room/${room}`)
    await expect(again.getByRole('heading', { name: `#${channel}` })).toBeVisible()
    await expect.poll(() => shownNotifications(worker.page)).toEqual([]) // the click closed it

    // The Settings page's test notification takes the same road, shown even with Parley open.
    await again.getByRole('link', { name: 'Settings' }).click()
    const settings = again.getByRole('group', { name: 'Notifications on this device' })
    await settings.getByRole('button', { name: 'Send a test notification' }).click()
    await expect(settings.getByText('Sent to 1 device.')).toBeVisible()
    const test = await phone.next()
    checkVapid(test.headers, key, push.origin)
    await worker.deliver(phone.open(test.body).toString('utf8'))
    await expect
      .poll(() => shownNotifications(worker.page))
      .toEqual([
        {
          title: 'Parley',
          body: 'Notifications work on this device',
          tag: 'test',
          data: { url: '/', room: null, type: 'test' },
        },
      ])
  } finally {
    push.close()
    await stopParley(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
})
