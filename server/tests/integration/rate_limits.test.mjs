// Brute force: rapid failed logins are answered 429 with Retry-After, with the default limits.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, Client } from './harness.mjs'

test('20 rapid failed logins end in 429 with Retry-After, and the right password is refused too', async () => {
  const server = await startServer(['--argon2-ops', '1', '--argon2-mem-kib', '8'])
  try {
    const me = new Client(server)
    await me.register('pat', 'pats secret words')
    await me.call('POST', '/api/auth/logout')
    const statuses = []
    let retryAfter = null
    for (let i = 0; i < 20; i++) {
      const r = await me.call('POST', '/api/auth/login', { login: 'pat', password: `guess number ${i}` })
      statuses.push(r.status)
      if (r.status === 429) retryAfter = r.headers.get('retry-after')
    }
    assert.equal(statuses[0], 400)
    assert.equal(statuses.at(-1), 429)
    assert.ok(Number(retryAfter) >= 1, `Retry-After: ${retryAfter}`)
    const right = await me.call('POST', '/api/auth/login', { login: 'pat', password: 'pats secret words' })
    assert.equal(right.status, 429, 'locked accounts stay locked until the wait is over')
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    assert.match(metrics, /parley_http_requests_total\{code="429"\} [1-9]/)
    assert.match(metrics, /parley_login_failures_total (1\d|[2-9]\d)\n/)
  } finally {
    await server.stop()
  }
})

test('an address that floods registrations is limited', async () => {
  const server = await startServer([
    '--argon2-ops',
    '1',
    '--argon2-mem-kib',
    '8',
    '--auth-attempts-per-minute',
    '5',
  ])
  try {
    const statuses = []
    for (let i = 0; i < 8; i++) {
      const r = await new Client(server).call('POST', '/api/auth/register', {
        username: `bot${i}`,
        password: 'bots secret words',
      })
      statuses.push(r.status)
    }
    assert.deepEqual(statuses.slice(0, 5), [201, 201, 201, 201, 201])
    assert.equal(statuses.at(-1), 429)
  } finally {
    await server.stop()
  }
})

test('behind a trusted proxy each client address has its limit; from anyone else X-Forwarded-For is ignored', async () => {
  const limited = ['--argon2-ops', '1', '--argon2-mem-kib', '8', '--auth-attempts-per-minute', '3']
  const register = (server, i, from) =>
    new Client(server).call(
      'POST',
      '/api/auth/register',
      { username: `via${i}`, password: 'bots secret words' },
      { headers: { 'x-forwarded-for': from } },
    )
  const proxied = await startServer([...limited, '--trusted-proxies', '127.0.0.1'])
  try {
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await register(proxied, i, '203.0.113.7')).status)
    assert.deepEqual(statuses, [201, 201, 201, 429])
    assert.equal((await register(proxied, 4, '203.0.113.8')).status, 201, 'another client behind the proxy')
    assert.equal(
      (await register(proxied, 5, '203.0.113.9, 203.0.113.7')).status,
      429,
      'what the client wrote itself counts for nothing',
    )
  } finally {
    await proxied.stop()
  }
  const direct = await startServer(limited)
  try {
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await register(direct, i, `203.0.113.${i}`)).status)
    assert.deepEqual(statuses, [201, 201, 201, 429], 'no trusted proxy: the peer is the client')
  } finally {
    await direct.stop()
  }
})
