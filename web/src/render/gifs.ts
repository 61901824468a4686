// Which messages show as a GIF (docs/api.md, "GIF search"): a GIF is sent as a message whose whole
// text is its URL, and only URLs on the hosts the server lists (`gifs` of /api/session, the same
// hosts its CSP lets images come from) are shown as the image; any other URL stays a link.

// The origin of a listed host: "https://media.giphy.com", or one written as a bare host name.
function originOf(host: string): string | null {
  try {
    const u = new URL(host.includes('://') ? host : `https://${host}`)
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null
  } catch {
    return null
  }
}

// The URL to load when `text` is one GIF URL on one of `hosts`, else null. The text must be the
// URL alone, begin with the host's origin and a slash (so `https://media.giphy.com.evil.example/`
// and `https://evil.example/?u=https://media.giphy.com/…` are not it), carry no user name or
// password (`https://media.giphy.com@evil.example/`), and read the same to the browser's parser.
export function gifUrl(text: string | undefined, hosts: readonly string[]): string | null {
  if (!text || hosts.length === 0 || text.length > 2048 || !/^https?:\/\//.test(text)) return null
  if (/[\s\u0000-\u001f\u007f\\]/.test(text)) return null
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return null
  }
  if (url.username || url.password) return null
  for (const host of hosts) {
    const origin = originOf(host)
    if (origin && url.origin === origin && text.startsWith(`${origin}/`)) return url.href
  }
  return null
}
