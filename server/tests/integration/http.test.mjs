// HTTP behaviour of the real server: static files, caching, compression, SPA fallback, API 404s,
// health and metrics, and the security headers on every response.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { WEB_ROOT, startServer } from './harness.mjs'

let server
before(async () => {
  server = await startServer()
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

function assertSecurityHeaders(res) {
  const csp = res.headers.get('content-security-policy')
  assert.match(csp, /default-src 'self'/)
  assert.match(csp, /frame-ancestors 'none'/)
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
  assert.ok(res.headers.get('referrer-policy'))
}

test('the app shell is served as HTML with security headers and revalidation', async () => {
  const res = await fetch(`${server.url}/`)
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
  assert.equal(res.headers.get('cache-control'), 'no-cache')
  assertSecurityHeaders(res)
  assert.match(await res.text(), /<div id="app">/)
})

test('a matching If-None-Match gets 304 without a body', async () => {
  const first = await fetch(`${server.url}/`)
  const etag = first.headers.get('etag')
  assert.ok(etag)
  const second = await fetch(`${server.url}/`, { headers: { 'if-none-match': etag } })
  assert.equal(second.status, 304)
  assert.equal(await second.text(), '')
  assertSecurityHeaders(second)
})

test('client routes fall back to index.html, missing files do not', async () => {
  const route = await fetch(`${server.url}/rooms/42`)
  assert.equal(route.status, 200)
  assert.match(await route.text(), /<div id="app">/)
  const missing = await fetch(`${server.url}/assets/nothing-here.js`)
  assert.equal(missing.status, 404)
  assertSecurityHeaders(missing)
})

test('the API never falls back to the app', async () => {
  for (const path of ['/api', '/api/', '/api/does/not/exist']) {
    const res = await fetch(`${server.url}${path}`)
    assert.equal(res.status, 404, path)
    assert.equal(res.headers.get('content-type'), 'application/json')
    const body = await res.json()
    assert.equal(body.error, 'not_found')
  }
})

test('hashed assets are immutable, with a pre-compressed variant when accepted', async () => {
  const html = await (await fetch(`${server.url}/`)).text()
  const script = html.match(/src="(\/assets\/[^"]+\.js)"/)[1]
  const plain = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': 'identity' } })
  assert.equal(plain.status, 200)
  assert.equal(plain.headers.get('content-type'), 'text/javascript; charset=utf-8')
  assert.match(plain.headers.get('cache-control'), /immutable/)
  assert.equal(plain.headers.get('content-encoding'), null)
  const plainBody = await plain.text()

  for (const coding of ['br', 'gzip']) {
    // fetch decodes the body, so equal text proves the right bytes with the right encoding.
    const res = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': coding } })
    assert.equal(res.headers.get('content-encoding'), coding)
    assert.equal(res.headers.get('vary'), 'Accept-Encoding')
    assert.equal(await res.text(), plainBody)
  }
})

test('HEAD answers headers with the length and no body', async () => {
  const res = await fetch(`${server.url}/`, { method: 'HEAD', headers: { 'accept-encoding': 'identity' } })
  assert.equal(res.status, 200)
  assert.ok(Number(res.headers.get('content-length')) > 100)
  assert.equal(await res.text(), '')
})

test('other methods on pages are 405', async () => {
  const res = await fetch(`${server.url}/`, { method: 'POST', body: 'x' })
  assert.equal(res.status, 405)
})

test('healthz answers ok', async () => {
  const res = await fetch(`${server.url}/healthz`)
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { status: 'ok' })
})

test('/ws without an upgrade is 426', async () => {
  const res = await fetch(`${server.url}/ws`)
  assert.equal(res.status, 426)
})

test('metrics count requests by status and bytes in Prometheus format', async () => {
  await fetch(`${server.url}/api/nothing`)
  await fetch(`${server.url}/healthz`)
  const res = await fetch(`${server.url}/metrics`)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0.0.4/)
  const text = await res.text()
  assert.match(text, /# TYPE parley_http_requests_total counter/)
  assert.match(text, /parley_http_requests_total\{code="404"\} [1-9]/)
  assert.match(text, /parley_http_requests_total\{code="200"\} [1-9]/)
  assert.match(text, /parley_bytes_sent_total [1-9]/)
  assert.match(text, /parley_bytes_received_total [1-9]/)
  assert.match(text, /parley_http_connections_open [0-9]+/)
  assert.match(text, /parley_ws_connections_open 0/)
})

test('only the direct transfer worker may compile WebAssembly', async () => {
  const worker = readdirSync(`${WEB_ROOT}/assets`).find((f) => /^transfer-worker-.*\.js$/.test(f))
  assert.ok(worker, 'the built client has the transfer worker')
  const res = await fetch(`${server.url}/assets/${worker}`)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-security-policy'), /script-src 'self' 'wasm-unsafe-eval';/)
  assertSecurityHeaders(res)
  const page = await fetch(`${server.url}/`)
  assert.doesNotMatch(page.headers.get('content-security-policy'), /wasm/)
})
