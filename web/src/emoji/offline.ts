// Emoji pictures offline: the service worker (sw.ts) keeps every Twemoji file a page has shown in a
// Cache Storage bucket of its own, cache-first, so history read from the IndexedDB cache shows its
// emoji without a network. Nothing is precached (the set is 11,000 files): a picture joins the bucket
// the first time it is shown online. The files are the same for everyone (not private, unlike the
// media bucket) and never change under a name, so the bucket outlives sign-outs; its name carries
// the Twemoji version, so a new set starts a new bucket.

export const EMOJI_CACHE_PREFIX = 'parley-emoji-'
export const EMOJI_CACHE = `${EMOJI_CACHE_PREFIX}twemoji-16`
// More than a reader ever sees; a bound in case something asks for the whole set.
export const EMOJI_CACHE_ENTRIES = 3000

// /emoji/<code points>.svg on this origin (emoji/images.ts names them so).
export function isEmojiPicture(request: { method: string; url: string }, origin: string): boolean {
  if (request.method !== 'GET') return false
  const url = new URL(request.url)
  return url.origin === origin && /^\/emoji\/[0-9a-f]+(-[0-9a-f]+)*\.svg$/.test(url.pathname) && !url.search
}

// Only a whole, same-origin answer is kept (never an error page or a redirect).
export function keepsEmojiPicture(response: { status: number; type: string }): boolean {
  return response.status === 200 && response.type === 'basic'
}
