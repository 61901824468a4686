// Service worker: keeps the app shell available offline. Navigations try the network first and fall
// back to the cached index.html; hashed /assets/* are cache-first; /api/* and /ws are never touched.
// A plugin in vite.config.ts compiles this file to dist/sw.js and defines the two build-time constants.

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
interface WorkerScope {
  readonly location: { readonly origin: string }
  readonly registration: { readonly navigationPreload?: NavigationPreloadManager }
  readonly clients: { claim(): Promise<void> }
  skipWaiting(): Promise<void>
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void
}

const sw = self as unknown as WorkerScope
const CACHE_PREFIX = 'parley-shell-'
const CACHE = CACHE_PREFIX + VERSION
const SHELL = '/index.html'

type Route = 'shell' | 'asset' | 'network'

function routeOf(request: Request): Route {
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== sw.location.origin) return 'network'
  // The API and the socket are live data: never cached, never answered with the shell.
  if (/^\/(api|ws)(\/|$)/.test(url.pathname)) return 'network'
  if (request.mode === 'navigate') return 'shell'
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
        names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE).map((n) => caches.delete(n)),
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

export {} // a module, so the declarations above stay out of the app's global scope
