// Behind the documented TLS proxy (--public-url https://..., nginx in front speaking plain HTTP to
// Parley): the session cookie is Secure and every answer carries HSTS, as with Parley's own TLS.
// Without https anywhere, neither (a Secure cookie would never come back over plain HTTP).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, Client, FAST_AUTH } from './harness.mjs'

async function signUpHeaders(args) {
  const server = await startServer([...FAST_AUTH, ...args])
  try {
    const c = new Client(server)
    await c.session()
    const r = await c.call('POST', '/api/auth/register', { username: 'proxied', password: 'a long enough secret' })
    assert.equal(r.status, 201)
    const page = await fetch(`${server.url}/`)
    return { cookies: r.headers.getSetCookie(), hsts: page.headers.get('strict-transport-security') }
  } finally {
    await server.stop()
  }
}

test('an https public URL makes the session cookie Secure and sends HSTS', async () => {
  const { cookies, hsts } = await signUpHeaders(['--public-url', 'https://chat.example.org'])
  const session = cookies.find((c) => c.startsWith('parley_session='))
  assert.ok(session, cookies.join('\n'))
  assert.match(session, /; Secure/)
  assert.match(session, /HttpOnly/)
  assert.match(hsts ?? '', /max-age=\d+/)
})

test('plain http everywhere: no Secure cookie, no HSTS', async () => {
  const { cookies, hsts } = await signUpHeaders([])
  const session = cookies.find((c) => c.startsWith('parley_session='))
  assert.doesNotMatch(session, /; Secure/)
  assert.equal(hsts, null)
})

test('/metrics answers the machine itself, not requests a proxy forwards, unless they bring the token', async () => {
  const server = await startServer(['--metrics-token', 'a-long-metrics-secret'])
  try {
    const get = (headers) => fetch(`${server.url}/metrics`, { headers })
    assert.equal((await get({})).status, 200, 'loopback')
    const forwarded = { 'x-forwarded-for': '203.0.113.9' }
    assert.equal((await get(forwarded)).status, 404, 'through a proxy')
    assert.equal((await get({ forwarded: 'for=203.0.113.9' })).status, 404)
    assert.equal((await get({ ...forwarded, authorization: 'Bearer wrong' })).status, 404)
    const ok = await get({ ...forwarded, authorization: 'Bearer a-long-metrics-secret' })
    assert.equal(ok.status, 200)
    assert.match(await ok.text(), /parley_ws_connections_open/)
  } finally {
    await server.stop()
  }
})
