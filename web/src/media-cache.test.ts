import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  MEDIA_CACHE,
  MEDIA_LIMITS,
  dropsCachedCopy,
  eraseMediaCache,
  evictionPlan,
  mediaKind,
  storableBytes,
  type MediaLimits,
} from './media-cache'

const origin = 'https://chat.example.org'

function request(
  path: string,
  init: {
    method?: string
    mode?: string
    destination?: string
    headers?: Record<string, string>
    base?: string
  } = {},
) {
  return {
    method: init.method ?? 'GET',
    mode: init.mode ?? 'no-cors',
    url: new URL(path, init.base ?? origin).href,
    destination: init.destination ?? 'image',
    headers: new Headers(init.headers),
  }
}

function response(status: number, headers: Record<string, string> = {}, type = 'basic') {
  return { status, type, headers: new Headers(headers) }
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('which requests the service worker serves from the media cache', () => {
  it('takes the thumb and preview variants of a file, whatever asks for them', () => {
    expect(mediaKind(request('/api/files/12?v=thumb'), origin)).toBe('file')
    expect(mediaKind(request('/api/files/12?v=preview'), origin)).toBe('file')
    expect(mediaKind(request('/api/files/12?v=thumb', { destination: '' }), origin)).toBe('file')
  })

  it('takes a file itself only when an image element asks for it', () => {
    expect(mediaKind(request('/api/files/12'), origin)).toBe('file')
    for (const destination of ['', 'document', 'audio', 'video', 'track', 'script']) {
      expect(mediaKind(request('/api/files/12', { destination }), origin)).toBeNull()
    }
  })

  it('takes avatars', () => {
    const avatar = '/api/avatars/0123456789abcdef0123456789abcdef.webp'
    expect(mediaKind(request(avatar), origin)).toBe('avatar')
    expect(mediaKind(request(avatar, { destination: '' }), origin)).toBe('avatar')
    expect(mediaKind(request(`${avatar}?x=1`), origin)).toBeNull()
  })

  it('never takes a navigation (a picture opened in a tab of its own)', () => {
    const tab = { mode: 'navigate', destination: 'document' }
    expect(mediaKind(request('/api/files/12?v=preview', tab), origin)).toBeNull()
    expect(mediaKind(request('/api/files/12', tab), origin)).toBeNull()
    expect(mediaKind(request('/api/avatars/0123456789abcdef0123456789abcdef.webp', tab), origin)).toBeNull()
  })

  it('never takes a range, a request that is not a GET, or another origin', () => {
    expect(
      mediaKind(request('/api/files/12?v=thumb', { headers: { Range: 'bytes=0-99' } }), origin),
    ).toBeNull()
    expect(mediaKind(request('/api/files/12', { headers: { Range: 'bytes=0-' } }), origin)).toBeNull()
    for (const method of ['HEAD', 'POST', 'PUT', 'DELETE']) {
      expect(mediaKind(request('/api/files/12?v=thumb', { method }), origin)).toBeNull()
    }
    expect(
      mediaKind(request('/api/files/12?v=thumb', { base: 'https://elsewhere.example' }), origin),
    ).toBeNull()
    expect(
      mediaKind(request('/api/files/12?v=thumb', { base: 'http://chat.example.org' }), origin),
    ).toBeNull()
  })

  it('never takes the rest of the API, or unknown variants and queries', () => {
    for (const path of [
      '/api/session',
      '/api/me',
      '/api/uploads/abc',
      '/api/files',
      '/api/files/',
      '/api/files/12/x',
      '/api/files/abc',
      '/api/files/12?v=original',
      '/api/files/12?v=',
      '/api/files/12?v=thumb&v=preview',
      '/api/files/12?v=thumb&download=1',
      '/api/files/12?download=1',
      '/api/avatars/',
      '/api/avatars/a/b.webp',
      '/ws',
      '/assets/index-abc.js',
      '/index.html',
    ]) {
      expect(mediaKind(request(path), origin), path).toBeNull()
    }
  })
})

describe('which responses are stored', () => {
  it('stores a whole same-origin response of a known length, and says how big it is', () => {
    expect(storableBytes(response(200, { 'Content-Length': '48213' }))).toBe(48213)
    expect(storableBytes(response(200, { 'Content-Length': '0' }))).toBe(0)
  })

  it('never stores errors, partial or not-modified answers, redirects or opaque responses', () => {
    for (const status of [201, 204, 206, 304, 401, 403, 404, 500]) {
      expect(storableBytes(response(status, { 'Content-Length': '10' })), String(status)).toBeNull()
    }
    expect(storableBytes(response(200, { 'Content-Length': '10' }, 'opaque'))).toBeNull()
    expect(storableBytes(response(0, {}, 'opaqueredirect'))).toBeNull()
    expect(storableBytes(response(200, { 'Content-Length': '10' }, 'cors'))).toBeNull()
  })

  it('never stores a response of unknown length or one over the per-entry limit', () => {
    expect(storableBytes(response(200))).toBeNull()
    expect(storableBytes(response(200, { 'Content-Length': 'lots' }))).toBeNull()
    expect(storableBytes(response(200, { 'Content-Length': String(MEDIA_LIMITS.entryBytes) }))).toBe(
      MEDIA_LIMITS.entryBytes,
    )
    expect(storableBytes(response(200, { 'Content-Length': String(MEDIA_LIMITS.entryBytes + 1) }))).toBeNull()
  })

  it('drops a stored copy when the server says the user may not, or no longer can, have it', () => {
    expect([401, 403, 404].every(dropsCachedCopy)).toBe(true)
    expect([200, 304, 429, 500, 502, 503].some(dropsCachedCopy)).toBe(false)
  })
})

describe('the bound on the media cache', () => {
  const limits: MediaLimits = { entries: 3, bytes: 100, entryBytes: 50 }
  const entries = (...bytes: number[]) => bytes.map((b, i) => ({ url: `/e${i}`, bytes: b }))

  it('evicts nothing within the limits', () => {
    expect(evictionPlan([], limits)).toEqual([])
    expect(evictionPlan(entries(10, 20, 70), limits)).toEqual([])
  })

  it('evicts the oldest entries beyond the count', () => {
    expect(evictionPlan(entries(1, 1, 1, 1, 1), limits)).toEqual(['/e0', '/e1'])
  })

  it('evicts the oldest entries until the bytes fit', () => {
    expect(evictionPlan(entries(40, 10, 30, 30), limits)).toEqual(['/e0'])
    expect(evictionPlan(entries(10, 10, 50, 50), limits)).toEqual(['/e0', '/e1'])
  })

  it('has limits of a few hundred pictures and tens of megabytes by default', () => {
    expect(MEDIA_LIMITS.entries).toBe(300)
    expect(MEDIA_LIMITS.bytes).toBe(50 * 1024 * 1024)
    const many = Array.from({ length: 301 }, (_, i) => ({ url: `/e${i}`, bytes: 1 }))
    expect(evictionPlan(many)).toEqual(['/e0'])
  })
})

describe('eraseMediaCache', () => {
  it('deletes every media bucket and nothing else', async () => {
    const names = new Set(['parley-shell-abc', MEDIA_CACHE, 'parley-media-v0', 'other'])
    vi.stubGlobal('caches', {
      keys: () => Promise.resolve([...names]),
      delete: (n: string) => Promise.resolve(names.delete(n)),
    })
    await eraseMediaCache()
    expect([...names].sort()).toEqual(['other', 'parley-shell-abc'])
  })

  it('does nothing without Cache Storage', async () => {
    await expect(eraseMediaCache()).resolves.toBeUndefined()
  })
})
