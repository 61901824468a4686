// The offline copy of the pictures seen in the chat: image files (their thumb and preview variants,
// and the file itself when an <img> asks for it) and avatars, kept by the service worker (sw.ts) in a
// Cache Storage bucket of their own so cached history shows its images without a network. Files
// are private to a room's members, so the page erases the bucket when the signed-in user changes
// (stores/chat.ts, beside the IndexedDB cache). This module holds the rules, shared by both sides;
// the worker's decisions are pure functions, so media-cache.test.ts tests them without a worker.

export const MEDIA_CACHE_PREFIX = 'parley-media-'
export const MEDIA_CACHE = `${MEDIA_CACHE_PREFIX}v1`

export interface MediaLimits {
  entries: number // at most this many responses
  bytes: number // at most this many bytes in all
  entryBytes: number // a larger response is never stored
}

export const MEDIA_LIMITS: MediaLimits = {
  entries: 300,
  bytes: 50 * 1024 * 1024,
  entryBytes: 10 * 1024 * 1024,
}

/** What the worker looks at in a request (a Request has all of it). */
export interface MediaRequest {
  readonly method: string
  readonly mode: string
  readonly url: string
  readonly destination: string
  readonly headers: { has(name: string): boolean }
}

/** What the worker looks at in a response. */
export interface MediaResponse {
  readonly status: number
  readonly type: string
  readonly headers: { get(name: string): string | null }
}

export type MediaKind = 'file' | 'avatar'

// A file's own URL (docs/api.md); render/tokens.ts shows only these as inline images.
export const FILE_PATH = /^\/api\/files\/\d+$/
const AVATAR_PATH = /^\/api\/avatars\/[^/]+$/

/**
 * Whether a request is for a cached picture, and which kind: a GET of this origin, never a range or
 * a navigation, for an avatar, an image variant (`?v=thumb`, `?v=preview`) or a file that an image
 * element asks for. Anything else (other /api URLs, downloads, audio and video) is left to the
 * network.
 */
export function mediaKind(request: MediaRequest, origin: string): MediaKind | null {
  if (request.method !== 'GET' || request.mode === 'navigate' || request.headers.has('range')) return null
  let url: URL
  try {
    url = new URL(request.url)
  } catch {
    return null
  }
  if (url.origin !== origin) return null
  if (AVATAR_PATH.test(url.pathname)) return url.search === '' ? 'avatar' : null
  if (!FILE_PATH.test(url.pathname)) return null
  const params = [...url.searchParams]
  if (params.length === 0) return request.destination === 'image' ? 'file' : null
  const [only] = params
  if (params.length === 1 && only?.[0] === 'v' && (only[1] === 'thumb' || only[1] === 'preview')) {
    return 'file'
  }
  return null
}

/**
 * The size of a response worth storing, or null when it must not be stored: only a whole (200),
 * same-origin, readable response whose length is known and within the per-entry limit.
 */
export function storableBytes(response: MediaResponse, limits: MediaLimits = MEDIA_LIMITS): number | null {
  if (response.status !== 200 || response.type !== 'basic') return null
  const length = Number(response.headers.get('content-length') ?? NaN)
  if (!Number.isSafeInteger(length) || length < 0 || length > limits.entryBytes) return null
  return length
}

/** Whether the server's answer for a cached file means the copy must go: signed out, no longer
 *  allowed, or gone. */
export function dropsCachedCopy(status: number): boolean {
  return status === 401 || status === 403 || status === 404
}

/**
 * The entries to evict, oldest first, so that what is left is within the limits. `entries` are in
 * insertion order (Cache Storage's `keys()` order), oldest first.
 */
export function evictionPlan(
  entries: readonly { url: string; bytes: number }[],
  limits: MediaLimits = MEDIA_LIMITS,
): string[] {
  let count = entries.length
  let bytes = entries.reduce((sum, e) => sum + e.bytes, 0)
  const evicted: string[] = []
  for (const e of entries) {
    if (count <= limits.entries && bytes <= limits.bytes) break
    evicted.push(e.url)
    count -= 1
    bytes -= e.bytes
  }
  return evicted
}

/** Erases every cached picture (the page calls this when the signed-in user changes). */
export async function eraseMediaCache(): Promise<void> {
  if (typeof caches === 'undefined') return // no Cache Storage (an insecure origin): nothing kept
  const names = await caches.keys()
  await Promise.all(names.filter((n) => n.startsWith(MEDIA_CACHE_PREFIX)).map((n) => caches.delete(n)))
}
