// Web Push (docs/api.md "Web Push") against a local push endpoint that plays the push service and
// the browser: it checks the VAPID Authorization (ES256 JWT verified with the server's public key,
// audience = the endpoint's origin) and decrypts each message with the subscription's private key
// (RFC 8291), so what the server sends is what a browser would read. Nothing is mocked on the
// server's side; the endpoint is real HTTP on loopback (the server runs with --push-any-endpoint).
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { createECDH, createHmac, createDecipheriv, createPublicKey, randomBytes, verify } from 'node:crypto'
import { startServer, FAST_AUTH, metric, poll } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, CHAT_ARGS } from './chat-client.mjs'

let server
let tabs
let push
let alice, bob, carol
before(async () => {
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS, '--push-any-endpoint'])
  await signUpAdminFirst(server)
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
  carol = await signUp(server, 'carol')
  tabs = new Tabs(server)
  push = await startPushService()
})
afterEach(async () => {
  await tabs.closeAll()
})
after(async () => {
  push.close()
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

const hmac = (key, data) => createHmac('sha256', key).update(data).digest()

// A push service on loopback. Each device has its own path, keys and answer (201, or 410 when gone).
async function startPushService() {
  const devices = new Map() // path -> { ecdh, auth, status, received: [], waiters: [] }
  const http = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const d = devices.get(req.url)
      if (!d) return res.writeHead(404).end()
      d.received.push({ headers: req.headers, body: Buffer.concat(chunks) })
      for (const w of d.waiters.splice(0)) w()
      res.writeHead(d.status).end()
    })
  })
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${http.address().port}`
  return {
    origin,
    close: () => http.close(),
    device(name, status = 201) {
      const ecdh = createECDH('prime256v1')
      ecdh.generateKeys()
      const d = { ecdh, auth: randomBytes(16), status, received: [], waiters: [] }
      devices.set(`/push/${name}`, d)
      return {
        endpoint: `${origin}/push/${name}`,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: d.auth.toString('base64url') },
        received: d.received,
        // The next message not yet taken, once it arrives.
        async next() {
          while (d.taken === d.received.length || d.taken === undefined && d.received.length === 0) {
            await new Promise((resolve) => d.waiters.push(resolve))
          }
          d.taken = (d.taken ?? 0) + 1
          return d.received[d.taken - 1]
        },
        decrypt: (body) => decrypt(body, ecdh, d.auth),
      }
    },
  }
}

// RFC 8291 §3.4 and RFC 8188, the receiving side.
function decrypt(body, ecdh, auth) {
  const salt = body.subarray(0, 16)
  const rs = body.readUInt32BE(16)
  const idlen = body[20]
  const asPublic = body.subarray(21, 21 + idlen)
  const ciphertext = body.subarray(21 + idlen)
  assert.equal(rs, 4096)
  assert.equal(idlen, 65)
  const uaPublic = ecdh.getPublicKey()
  const shared = ecdh.computeSecret(asPublic)
  const ikm = hmac(hmac(auth, shared), Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic, Buffer.from([1])]))
  const prk = hmac(salt, ikm)
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16)
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12)
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
  decipher.setAuthTag(ciphertext.subarray(-16))
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, -16)), decipher.final()])
  let end = padded.length - 1
  while (padded[end] === 0) end--
  assert.equal(padded[end], 2, 'the last record ends with the delimiter 2')
  return JSON.parse(padded.subarray(0, end).toString('utf8'))
}

// Checks the Authorization header: an ES256 JWT for `origin`, signed by the server's key.
function checkVapid(headers, serverKey, origin) {
  const m = headers.authorization.match(/^vapid t=([^,]+), k=(.+)$/)
  assert.ok(m, headers.authorization)
  assert.equal(m[2], serverKey)
  const [h, c, s] = m[1].split('.')
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { typ: 'JWT', alg: 'ES256' })
  const claims = JSON.parse(Buffer.from(c, 'base64url'))
  assert.equal(claims.aud, origin)
  assert.match(claims.sub, /^mailto:/)
  const now = Date.now() / 1000
  assert.ok(claims.exp > now && claims.exp <= now + 24 * 3600, `exp ${claims.exp}`)
  const raw = Buffer.from(serverKey, 'base64url')
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
    format: 'jwk',
  })
  assert.ok(verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')), 'signature')
}

async function subscribe(who, device) {
  const r = await who.http.call('POST', '/api/push/subscriptions', { endpoint: device.endpoint, keys: device.keys })
  assert.equal(r.status, 201, r.text)
  return r.json.device
}

let counter = 0
async function channel(owner, ...members) {
  const room = (await owner.must({ type: 'create_room', kind: 'channel', name: `push-${++counter}` })).room
  for (const m of members) await m.must({ type: 'join', room })
  return room
}

test('a mention reaches an offline member’s device, encrypted for it and signed with VAPID', async () => {
  const key = (await new (await import('./harness.mjs')).Client(server).raw('GET', '/api/push/key')).json.key
  assert.equal(Buffer.from(key, 'base64url').length, 65)
  const phone = push.device('bob-phone')
  await subscribe(bob, phone)
  const listed = await bob.http.call('GET', '/api/push/subscriptions')
  assert.deepEqual(listed.json.devices.map((d) => d.endpoint), [phone.endpoint])

  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = await channel(a, b)
  await b.close()
  await a.waitFor((f) => f.type === 'presence' && f.user === bob.id && !f.online)
  const posted = await a.post(room, `@bob lunch?`)

  const got = await phone.next()
  checkVapid(got.headers, key, push.origin)
  assert.equal(got.headers['content-encoding'], 'aes128gcm')
  assert.equal(got.headers.topic, `room-${room}`)
  assert.equal(got.headers.ttl, '86400')
  const payload = phone.decrypt(got.body)
  assert.deepEqual(payload, {
    room,
    url: `/room/${room}`,
    tag: `room-${room}`,
    type: 'message',
    id: posted.id,
    title: `alice in #push-${counter}`,
    body: '@bob lunch?',
  })
})

test('nobody with an open tab is pushed; a direct message to someone away is', async () => {
  const laptop = push.device('carol-laptop')
  await subscribe(carol, laptop)
  const a = await tabs.connect(alice)
  const c = await tabs.connect(carol)
  const direct = (await a.must({ type: 'direct', user: carol.id })).room
  await c.waitFor((f) => f.type === 'event' && f.room === direct)

  const skipped = await metric(server, 'parley_push_skipped_online_total')
  const events = await metric(server, 'parley_push_events_total')
  await a.post(direct, 'while you are here')
  // The notifier has looked at that message (and skipped carol: her tab is open)...
  await poll(async () => (await metric(server, 'parley_push_events_total')) > events, { what: 'the notifier saw it' })
  assert.equal(await metric(server, 'parley_push_skipped_online_total'), skipped + 1)
  await c.close()
  await a.waitFor((f) => f.type === 'presence' && f.user === carol.id && !f.online)
  await a.post(direct, 'now you are away')
  // ...so the first message her device gets (one endpoint's messages go in order) is the second.
  const got = laptop.decrypt((await laptop.next()).body)
  assert.equal(got.body, 'now you are away')
  assert.equal(got.title, 'alice')
  assert.equal(laptop.received.length, 1)
})

test('a subscription the push service says is gone (410) is removed', async () => {
  const old = push.device('bob-old-tablet', 410)
  await subscribe(bob, old)
  const a = await tabs.connect(alice)
  const direct = (await a.must({ type: 'direct', user: bob.id })).room
  await a.post(direct, 'are you there?')
  await old.next()
  await poll(async () => {
    const list = await bob.http.call('GET', '/api/push/subscriptions')
    return !list.json.devices.some((d) => d.endpoint === old.endpoint)
  }, { what: 'the gone subscription removed' })
})

test('bad subscriptions are refused; only a push service’s https URL without --push-any-endpoint', async () => {
  const bad = [
    [{ endpoint: 'ftp://x/y', keys: { p256dh: push.device('x').keys.p256dh, auth: 'AAAAAAAAAAAAAAAAAAAAAA' } }, 'endpoint'],
    [{ endpoint: `${push.origin}/push/y`, keys: { p256dh: 'AAAA', auth: 'AAAAAAAAAAAAAAAAAAAAAA' } }, 'p256dh'],
    [{ endpoint: `${push.origin}/push/y`, keys: { p256dh: push.device('z').keys.p256dh, auth: 'short' } }, 'auth'],
  ]
  for (const [body, field] of bad) {
    const r = await alice.http.call('POST', '/api/push/subscriptions', body)
    assert.equal(r.status, 400, JSON.stringify(body))
    assert.equal(r.json.field, field)
  }
  const strict = await startServer([...FAST_AUTH])
  try {
    const dora = await signUp(strict, 'dora')
    for (const endpoint of [`${push.origin}/push/q`, 'https://127.0.0.1/push', 'https://localhost/x', 'https://[::1]/x']) {
      const device = push.device('q')
      const r = await dora.http.call('POST', '/api/push/subscriptions', { endpoint, keys: device.keys })
      assert.equal(r.status, 400, endpoint)
    }
    const ok = await dora.http.call('POST', '/api/push/subscriptions', {
      endpoint: 'https://push.example.net/send/abc',
      keys: push.device('r').keys,
    })
    assert.equal(ok.status, 201)
  } finally {
    await strict.stop()
  }
})

test('a test notification goes to each of the user’s devices', async () => {
  const watch = push.device('alice-watch')
  await subscribe(alice, watch)
  const r = await alice.http.call('POST', '/api/push/test')
  assert.equal(r.status, 202)
  assert.equal(r.json.devices, 1)
  const got = watch.decrypt((await watch.next()).body)
  assert.equal(got.type, 'test')
  assert.equal(got.body, 'Notifications work on this device')
  const id = (await alice.http.call('GET', '/api/push/subscriptions')).json.devices[0].id
  assert.equal((await bob.http.call('DELETE', `/api/push/subscriptions/${id}`)).status, 404, 'not bob’s')
  assert.equal((await alice.http.call('DELETE', `/api/push/subscriptions/${id}`)).status, 204)
})
