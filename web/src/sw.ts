// Service worker: keeps the app shell available offline. Navigations try the network first and fall
// back to the cached index.html; hashed /assets/* are cache-first; the chat's pictures (image files
// and avatars, media-cache.ts) are cache-first from a bounded bucket of their own, so cached history
// shows its images offline; the rest of /api/* and /ws is never cached (a page navigation there,
// such as a sign-in through a provider, takes the navigation preload's answer). It also shows Web Push
// notifications and opens their room on a click (notify/push.ts). A file arriving by direct
// transfer is served from a stream the page hands over (/transfer-download/...), so the browser's
// download writes it to disk as it arrives.
// A plugin in vite.config.ts bundles this file to dist/sw.js and defines the two build-time constants.
import {
  MEDIA_CACHE,
  MEDIA_CACHE_PREFIX,
  dropsCachedCopy,
  evictionPlan,
  mediaKind,
  storableBytes,
  type MediaKind,
} from './media-cache'
import {
  EMOJI_CACHE,
  EMOJI_CACHE_ENTRIES,
  EMOJI_CACHE_PREFIX,
  isEmojiPicture,
  keepsEmojiPicture,
} from './emoji/offline'
import {
  OPEN_MESSAGE,
  notificationFor,
  parsePushPayload,
  seenInWindow,
  windowFor,
  type NotificationData,
} from './notify/push'

/** The shell's URLs for this build: /index.html and the files the first screen loads. */
declare const PRECACHE_URLS: readonly string[]
/** A hash of this build's shell, so each deploy gets a cache of its own. */
declare const VERSION: string

// The few service-worker types used here (the DOM lib has no ServiceWorkerGlobalScope, and adding the
// WebWorker lib to the project would clash with the DOM's globals).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request
  readonly preloadResponse: Promise<Response | undefined>
  respondWith(response: Promise<Response>): void
}
interface PushEvent extends ExtendableEvent {
  readonly data: { text(): string } | null
}
interface NotificationEvent extends ExtendableEvent {
  readonly notification: Notification
}
interface PushSubscriptionChangeEvent extends ExtendableEvent {
  readonly oldSubscription?: PushSubscription | null
  readonly newSubscription?: PushSubscription | null
}
interface WindowClient {
  readonly url: string
  readonly focused: boolean
  readonly visibilityState: DocumentVisibilityState
  focus(): Promise<WindowClient>
  postMessage(message: unknown): void
}
interface ExtendableMessageEvent extends ExtendableEvent {
  readonly data: unknown
}
interface WorkerScope {
  readonly location: { readonly origin: string }
  readonly registration: {
    readonly navigationPreload?: NavigationPreloadManager
    readonly pushManager: PushManager
    showNotification(title: string, options?: NotificationOptions): Promise<void>
  }
  readonly clients: {
    claim(): Promise<void>
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<readonly WindowClient[]>
    openWindow(url: string): Promise<WindowClient | null>
  }
  skipWaiting(): Promise<void>
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void
  addEventListener(type: 'push', listener: (event: PushEvent) => void): void
  addEventListener(type: 'notificationclick', listener: (event: NotificationEvent) => void): void
  addEventListener(
    type: 'pushsubscriptionchange',
    listener: (event: PushSubscriptionChangeEvent) => void,
  ): void
  addEventListener(type: 'message', listener: (event: ExtendableMessageEvent) => void): void
}

const sw = self as unknown as WorkerScope
const CACHE_PREFIX = 'parley-shell-'
const CACHE = CACHE_PREFIX + VERSION
const SHELL = '/index.html'

type Route = 'shell' | 'asset' | 'preloaded' | 'transfer' | 'emoji' | MediaKind | 'network'

function routeOf(request: Request): Route {
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== sw.location.origin) return 'network'
  if (url.pathname.startsWith(TRANSFER_PREFIX)) return 'transfer'
  // The chat's pictures: cache-first, so cached history shows them offline.
  const media = mediaKind(request, sw.location.origin)
  if (media) return media
  // The rest of the API and the socket are live data: never cached, never answered with the shell.
  // A page navigation there (a provider's sign-in, whose server answers are redirects) takes the
  // navigation preload's answer: letting the browser fall back to the network would ask the server a
  // second time, and the sign-in's callback, whose state is good once, would then fail.
  if (/^\/(api|ws)(\/|$)/.test(url.pathname)) return request.mode === 'navigate' ? 'preloaded' : 'network'
  if (request.mode === 'navigate') return 'shell'
  if (isEmojiPicture(request, sw.location.origin)) return 'emoji' // emoji/offline.ts
  if (url.pathname.startsWith('/assets/')) return 'asset' // content-hashed, so never stale
  return 'network'
}

sw.addEventListener('install', (event) => {
  // Activate at once: the next load is served by the new version.
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE_URLS))
      .then(() => sw.skipWaiting()),
  )
})

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys()
      await Promise.all(
        names
          .filter(
            (n) =>
              (n.startsWith(CACHE_PREFIX) && n !== CACHE) ||
              (n.startsWith(MEDIA_CACHE_PREFIX) && n !== MEDIA_CACHE) ||
              (n.startsWith(EMOJI_CACHE_PREFIX) && n !== EMOJI_CACHE),
          )
          .map((n) => caches.delete(n)),
      )
      // Starts the navigation request while the worker boots, so network-first costs no extra delay.
      await sw.registration.navigationPreload?.enable()
      await sw.clients.claim()
    })(),
  )
})

sw.addEventListener('fetch', (event) => {
  const route = routeOf(event.request)
  switch (route) {
    case 'shell':
      event.respondWith(networkThenShell(event))
      return
    case 'asset':
      event.respondWith(cacheThenNetwork(event))
      return
    case 'preloaded':
      event.respondWith(preloadedThenNetwork(event))
      return
    case 'transfer':
      event.respondWith(Promise.resolve(transferDownload(event.request)))
      return
    case 'emoji':
      event.respondWith(emojiThenNetwork(event))
      return
    case 'file':
    case 'avatar':
      event.respondWith(mediaThenNetwork(event, route))
      return
    case 'network':
      return // the browser fetches it as if there were no worker
    default: {
      const unhandled: never = route
      throw new Error(`unhandled route ${String(unhandled)}`)
    }
  }
})

async function networkThenShell(event: FetchEvent): Promise<Response> {
  try {
    return (await event.preloadResponse) ?? (await fetch(event.request))
  } catch (error) {
    // Offline: the cached shell starts the app, which shows its own offline state.
    const shell = await caches.match(SHELL, { cacheName: CACHE })
    if (shell) return shell
    throw error
  }
}

async function preloadedThenNetwork(event: FetchEvent): Promise<Response> {
  return (await event.preloadResponse) ?? (await fetch(event.request))
}

async function cacheThenNetwork(event: FetchEvent): Promise<Response> {
  const cache = await caches.open(CACHE)
  const hit = await cache.match(event.request)
  if (hit) return hit
  const response = await fetch(event.request)
  // Lazily loaded chunks join the cache on first use, so screens visited once also work offline.
  if (response.status === 200 && response.type === 'basic') {
    event.waitUntil(cache.put(event.request, response.clone()))
  }
  return response
}

// Emoji pictures: cache-first, each kept the first time a page shows it (emoji/offline.ts).
let emojiEntries: number | null = null
async function emojiThenNetwork(event: FetchEvent): Promise<Response> {
  const cache = await caches.open(EMOJI_CACHE)
  const hit = await cache.match(event.request)
  if (hit) return hit
  const response = await fetch(event.request)
  if (keepsEmojiPicture(response)) {
    const copy = response.clone()
    event.waitUntil(
      (async () => {
        emojiEntries ??= (await cache.keys()).length
        if (emojiEntries >= EMOJI_CACHE_ENTRIES) return
        emojiEntries++
        await cache.put(event.request, copy)
      })().catch(() => undefined), // best effort: the quota, an aborted body
    )
  }
  return response
}

// ---- pictures -------------------------------------------------------------------------------------

// Bytes per stored URL, to keep the bucket within its limits without reading every entry each time.
// What a URL holds never changes, so an entry outlives the bucket's erasure harmlessly.
const sizes = new Map<string, number>()
// The file URLs being asked again right now (see recheck), so a burst of hits asks once.
const rechecking = new Set<string>()
let trims: Promise<void> = Promise.resolve()

async function mediaThenNetwork(event: FetchEvent, kind: MediaKind): Promise<Response> {
  const request = event.request
  // Opened before the network is asked, and only this object is written: a response that arrives
  // after the page erased the bucket (a sign-out) goes into the erased one, not into a new bucket.
  const cache = await caches.open(MEDIA_CACHE)
  const hit = await cache.match(request)
  if (hit) {
    if (kind === 'file') event.waitUntil(recheck(cache, request, hit))
    return hit
  }
  // A file is always asked of the server, even when the browser's HTTP cache holds it (revalidated
  // with its ETag: a 304 without a body while the user may still read it), so what is stored here
  // was allowed to the user signed in now; the HTTP cache outlives sign-outs and dropped copies.
  const response = await fetch(request, kind === 'file' ? { cache: 'no-cache' } : undefined)
  const bytes = storableBytes(response)
  if (bytes !== null) event.waitUntil(store(cache, request, response.clone(), bytes))
  return response
}

// A file may stop being readable (its message deleted, its room left): behind each hit the server
// is asked again with the copy's ETag (a 304 without a body while nothing changed; the picture is
// shown from the cache meanwhile), and a refusal (401/403/404) drops the copy. Offline the question
// fails and the copy stays.
async function recheck(cache: Cache, request: Request, hit: Response): Promise<void> {
  if (rechecking.has(request.url)) return
  rechecking.add(request.url)
  const etag = hit.headers.get('etag')
  try {
    const answer = await fetch(request.url, {
      cache: 'no-store',
      headers: etag ? { 'If-None-Match': etag } : {},
    })
    void answer.body?.cancel().catch(() => undefined)
    if (dropsCachedCopy(answer.status)) await cache.delete(request)
  } catch {
    // Unreachable: keep the copy.
  } finally {
    rechecking.delete(request.url)
  }
}

async function store(cache: Cache, request: Request, response: Response, bytes: number): Promise<void> {
  try {
    await cache.put(request, response)
    sizes.set(request.url, bytes)
    // One trim at a time, so two never evict from the same listing.
    trims = trims.then(() => trim(cache)).catch(() => undefined)
    await trims
  } catch {
    // Best effort (quota, an aborted body): the picture is simply not kept.
  }
}

// Evicts the oldest entries (keys() lists them in insertion order) beyond the limits.
async function trim(cache: Cache): Promise<void> {
  const keys = await cache.keys()
  const entries = await Promise.all(
    keys.map(async (key) => ({ url: key.url, bytes: sizes.get(key.url) ?? (await sizeOf(cache, key)) })),
  )
  await Promise.all(evictionPlan(entries).map((url) => cache.delete(url)))
}

async function sizeOf(cache: Cache, key: Request): Promise<number> {
  const stored = await cache.match(key)
  const bytes = Number(stored?.headers.get('content-length')) || 0
  sizes.set(key.url, bytes)
  return bytes
}

// ---- Web Push --------------------------------------------------------------------------------------

const appWindows = () => sw.clients.matchAll({ type: 'window', includeUncontrolled: true })

sw.addEventListener('push', (event) => {
  event.waitUntil(showPush(event.data?.text()))
})

async function showPush(text: string | undefined): Promise<void> {
  const payload = parsePushPayload(text)
  if (!payload) return // not ours; the server only sends its own payload
  if (seenInWindow(payload, await appWindows())) return
  const { title, options } = notificationFor(payload)
  await sw.registration.showNotification(title, options)
}

sw.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const data = event.notification.data as Partial<NotificationData> | null
  event.waitUntil(openInApp(typeof data?.url === 'string' ? data.url : '/'))
})

// An open window shows the room in the app itself (pwa.ts follows the message, no reload); without
// one, a new window opens on it.
async function openInApp(url: string): Promise<void> {
  const target = windowFor(url, await appWindows())
  if (!target) {
    await sw.clients.openWindow(url)
    return
  }
  target.postMessage({ type: OPEN_MESSAGE, url })
  await target.focus().catch(() => undefined) // refused without a user's click: it is still shown
}

// The push service replaced the subscription (or dropped it): subscribe again with the server's key
// and tell the server, so this device keeps receiving.
sw.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(resubscribe(event.oldSubscription ?? null, event.newSubscription ?? null))
})

async function resubscribe(old: PushSubscription | null, fresh: PushSubscription | null): Promise<void> {
  try {
    const subscription =
      fresh ??
      (await sw.registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: await serverKey(),
      }))
    const session = (await (await fetch('/api/session')).json()) as { csrf?: unknown }
    if (typeof session.csrf !== 'string') return
    const headers = { 'X-CSRF-Token': session.csrf, 'Content-Type': 'application/json' }
    const sent = await fetch('/api/push/subscriptions', {
      method: 'POST',
      headers,
      body: JSON.stringify(subscription.toJSON()),
    })
    if (!sent.ok) console.warn('push: the server refused the new subscription', sent.status)
    if (old && old.endpoint !== subscription.endpoint) await forget(old.endpoint, headers)
  } catch (error) {
    console.warn('push: could not subscribe again', error)
  }
}

async function serverKey(): Promise<string> {
  const { key } = (await (await fetch('/api/push/key')).json()) as { key: string }
  return key
}

async function forget(endpoint: string, headers: Record<string, string>): Promise<void> {
  const list = (await (await fetch('/api/push/subscriptions')).json()) as {
    devices?: { id: number; endpoint: string }[]
  }
  const gone = list.devices?.find((d) => d.endpoint === endpoint)
  if (gone) await fetch(`/api/push/subscriptions/${gone.id}`, { method: 'DELETE', headers })
}

// ---- direct transfers -----------------------------------------------------------------------------

const TRANSFER_PREFIX = '/transfer-download/'
// Streams handed over by a page's transfer worker (which writes into them), by path; each is served
// once. Only pages of this origin can post here.
const downloads = new Map<string, { stream: ReadableStream<Uint8Array>; size: number }>()

sw.addEventListener('message', (event) => {
  const m = event.data as { type?: unknown; path?: unknown; size?: unknown; port?: unknown; done?: unknown }
  if (m.type !== 'transfer-download') return // transfer-keepalive: the event itself keeps us up
  const { path, size, port, done } = m
  if (typeof path !== 'string' || !path.startsWith(TRANSFER_PREFIX) || typeof size !== 'number') return
  if (!(port instanceof MessagePort) || !(done instanceof MessagePort)) return
  // The page's transfer worker sends the stream's readable side over `port`.
  port.onmessage = (e: MessageEvent<{ readable?: unknown }>) => {
    const stream = e.data.readable
    port.close()
    if (!(stream instanceof ReadableStream)) return
    downloads.set(path, { stream: stream as ReadableStream<Uint8Array>, size })
    done.postMessage('ready')
    done.close()
  }
})

function transferDownload(request: Request): Response {
  const path = new URL(request.url).pathname
  const download = downloads.get(path)
  if (!download) return new Response('This transfer is not here any more.', { status: 404 })
  downloads.delete(path)
  const name = decodeURIComponent(path.split('/').pop() ?? 'file')
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return new Response(download.stream, {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(download.size),
      'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
