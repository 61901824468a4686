// Web Push (docs/api.md "Web Push") against a local push endpoint that plays the push service and
// the browser (push-service.mjs): it checks the VAPID Authorization (ES256 JWT verified with the
// server's public key, audience = the endpoint's origin) and decrypts each message with the
// subscription's private key (RFC 8291), so what the server sends is what a browser would read.
// Nothing is mocked on the server's side; the endpoint is real HTTP on loopback (the server runs
// with --push-any-endpoint).
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH, metric, poll } from './harness.mjs'
import { startPushService, checkVapid } from './push-service.mjs'
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

test('signing out on a device ends its notifications; the user’s other devices keep theirs', async () => {
  const dan = await signUp(server, 'dan')
  const laptop = new (await import('./harness.mjs')).Client(server)
  const signedIn = await laptop.call('POST', '/api/auth/login', { login: 'dan', password: 'a long enough secret' })
  assert.equal(signedIn.status, 200, signedIn.text)
  const phone = push.device('dan-phone')
  const desk = push.device('dan-laptop')
  await subscribe(dan, phone)
  await subscribe({ http: laptop }, desk)
  const endpoints = async (who) => (await who.call('GET', '/api/push/subscriptions')).json.devices.map((d) => d.endpoint)
  assert.deepEqual(await endpoints(laptop), [phone.endpoint, desk.endpoint])

  assert.equal((await dan.http.call('POST', '/api/auth/logout')).status, 204)
  assert.deepEqual(await endpoints(laptop), [desk.endpoint], 'the phone signed out: no more notifications there')

  // A sign-in ended from another device (Settings → sessions) ends that device's too.
  const tablet = new (await import('./harness.mjs')).Client(server)
  await tablet.call('POST', '/api/auth/login', { login: 'dan', password: 'a long enough secret' })
  const pad = push.device('dan-tablet')
  await subscribe({ http: tablet }, pad)
  const sessions = (await laptop.call('GET', '/api/me/sessions')).json.sessions
  assert.equal(sessions.length, 2, JSON.stringify(sessions))
  const tabletSession = sessions.find((s) => !s.current)
  assert.equal((await laptop.call('DELETE', `/api/me/sessions/${tabletSession.id}`)).status, 204)
  assert.deepEqual(await endpoints(laptop), [desk.endpoint])

  // And a mention while he is away reaches the device still signed in.
  const a = await tabs.connect(alice)
  const d = await tabs.connect({ ...dan, cookie: laptop.cookieHeader() })
  const room = await channel(a, d)
  await d.close()
  await a.waitFor((f) => f.type === 'presence' && f.user === dan.id && !f.online)
  await a.post(room, '@dan still there?')
  assert.equal(desk.decrypt((await desk.next()).body).body, '@dan still there?')
})
