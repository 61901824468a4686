// Calls' signalling (docs/protocol.md "Calls") over real sockets: a direct call rings, is answered,
// relays signals between exactly the two peers and ends in the room's log; decline and the ring
// timeout end it as declined and missed; a non-member can neither join nor hear anything of it;
// bad signalling gets an error and the socket stays; the 9th peer is refused; a second tab takes
// the call over; a reconnecting tab keeps its peer, a dead one is removed after the grace; a member
// removed from the room is dropped from its call. TURN credentials are the coturn REST ones.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { startServer, FAST_AUTH } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, CHAT_ARGS } from './chat-client.mjs'

const RING_MS = 1500
const GRACE_MS = 600
const SECRET = 'coturn-shared-secret'

let server
let tabs
let alice, bob, eve
const people = []
before(async () => {
  server = await startServer([
    ...FAST_AUTH,
    ...CHAT_ARGS,
    '--ring-timeout-ms',
    String(RING_MS),
    '--call-grace-ms',
    String(GRACE_MS),
    '--stun',
    'stun:127.0.0.1:3478',
    '--turn',
    'turn:127.0.0.1:3478?transport=udp,turn:127.0.0.1:3478?transport=tcp',
    '--turn-secret',
    SECRET,
    '--turn-ttl',
    '3600',
  ])
  await signUpAdminFirst(server)
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
  eve = await signUp(server, 'eve')
  for (let i = 0; i < 8; i++) people.push(await signUp(server, `member${i}`))
  tabs = new Tabs(server)
})
afterEach(async () => {
  await tabs.closeAll()
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

let peerCounter = 0
const newPeer = (who) => `peer-${who}-${++peerCounter}-${Math.random().toString(36).slice(2, 8)}`

function expectError(answer, code, field, what) {
  assert.equal(answer.type, 'error', `${what}: expected error ${code}, got ${JSON.stringify(answer)}`)
  assert.equal(answer.code, code, `${what}: ${JSON.stringify(answer)}`)
  if (field !== undefined) assert.equal(answer.field, field, `${what}: ${JSON.stringify(answer)}`)
}

// The latest call_state of `room` a client has received from index `since`, once `pred` holds.
function callState(client, room, pred, since = 0) {
  return client.until(() => {
    for (let i = client.frames.length - 1; i >= since; i--) {
      const f = client.frames[i]
      if (f.type === 'call_state' && f.room === room) return pred(f.call) ? f : null
    }
    return null
  }, `call_state of room ${room}: ${pred}`)
}

const callEvent = (client, room, what) =>
  client.waitFor((f) => f.type === 'event' && f.room === room && f.kind === 'call' && f.call === what)

async function directRoom(a, b) {
  const ca = await tabs.connect(a)
  const room = (await ca.must({ type: 'direct', user: b.id })).room
  const cb = await tabs.connect(b)
  return { ca, cb, room }
}

test('a direct call rings the other person, connects two peers, relays signals only between them, and ends in the log', async () => {
  const { ca, cb, room } = await directRoom(alice, bob)
  const ce = await tabs.connect(eve)
  const pa = newPeer('a')
  const pb = newPeer('b')
  const joined = await ca.must({ type: 'call_join', room, peer: pa, audio: true, video: true })
  assert.equal(joined.type, 'call_joined')
  assert.equal(joined.room, room)
  assert.deepEqual(joined.call.ringing, [bob.id])
  assert.equal(joined.call.direct, true)
  assert.equal(joined.call.caller, alice.id)
  assert.equal(joined.call.answered, null)
  assert.deepEqual(
    joined.call.peers.map((p) => [p.peer, p.user, p.username, p.video, p.away]),
    [[pa, alice.id, 'alice', true, false]],
  )
  // ICE servers: STUN as configured, TURN with a coturn REST credential for this user.
  assert.deepEqual(joined.ice_servers[0], { urls: ['stun:127.0.0.1:3478'] })
  const turn = joined.ice_servers[1]
  assert.deepEqual(turn.urls, ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'])
  const [expiry, user] = turn.username.split(':')
  assert.equal(Number(user), alice.id)
  assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 3600)) < 60, turn.username)
  assert.equal(turn.credential, createHmac('sha1', SECRET).update(turn.username).digest('base64'))

  // Bob's tab rings; the log says the call started.
  await callState(cb, room, (c) => c?.ringing.includes(bob.id))
  const started = await callEvent(cb, room, 'started')
  assert.equal(started.user, alice.id)
  assert.equal(started.video, true)
  assert.equal(started.duration, null)

  const answered = await cb.must({ type: 'call_join', room, peer: pb, audio: true, video: false })
  assert.deepEqual(answered.call.ringing, [])
  assert.ok(answered.call.answered >= answered.call.started)
  assert.deepEqual(answered.call.peers.map((p) => p.peer).sort(), [pa, pb].sort())
  await callState(ca, room, (c) => c?.peers.length === 2)

  // Signals go from one peer to the other, as sent, with who sent them.
  const offer = { description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } }
  ca.send({ type: 'call_signal', room, peer: pa, to: pb, data: offer })
  const got = await cb.waitFor((f) => f.type === 'call_signal')
  assert.deepEqual(got, { type: 'call_signal', room, from: pa, user: alice.id, data: offer })
  const cand = { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } }
  cb.send({ type: 'call_signal', room, peer: pb, to: pa, data: cand })
  assert.deepEqual((await ca.waitFor((f) => f.type === 'call_signal')).data, cand)

  // Media state reaches the other side.
  await ca.must({ type: 'call_media', room, peer: pa, audio: false, video: true, screen: true })
  await callState(cb, room, (c) => c?.peers.find((p) => p.peer === pa)?.screen === true)

  // Hang up: the call ends for both, with its duration in the log.
  await ca.must({ type: 'call_leave', room, peer: pa })
  await callState(cb, room, (c) => c === null)
  const ended = await callEvent(ca, room, 'ended')
  assert.equal(ended.user, alice.id)
  assert.equal(typeof ended.duration, 'number')
  assert.ok(ended.duration >= 0)

  // The log keeps both, as history reads them back.
  const history = await cb.must({ type: 'history', room })
  const calls = history.items.filter((e) => e.kind === 'call').map((e) => [e.call, e.video, e.duration])
  assert.deepEqual(calls, [
    ['ended', true, ended.duration],
    ['started', true, null],
  ])

  // Eve, no member, heard nothing of it.
  await ce.ping()
  assert.deepEqual(
    ce.frames.filter((f) => f.type.startsWith('call') || (f.type === 'event' && f.room === room)),
    [],
  )
})

test('a declined call and an unanswered one end as declined and missed', async () => {
  const { ca, cb, room } = await directRoom(alice, bob)
  const cb2 = await tabs.connect(bob) // bob's second tab rings too
  await ca.must({ type: 'call_join', room, peer: newPeer('a') })
  await callState(cb2, room, (c) => c?.ringing.includes(bob.id))
  await cb.must({ type: 'call_decline', room })
  await callState(cb2, room, (c) => c === null)
  await callEvent(ca, room, 'declined')
  // Declining a call that does not ring you is refused.
  expectError(await cb.command({ type: 'call_decline', room }), 'conflict', undefined, 'decline again')

  const since = ca.mark()
  const t0 = Date.now()
  await ca.must({ type: 'call_join', room, peer: newPeer('a') })
  await callState(ca, room, (c) => c === null, since)
  assert.ok(Date.now() - t0 >= RING_MS - 50, 'rang for the ring timeout')
  await ca.waitFor((f) => f.type === 'event' && f.kind === 'call' && f.call === 'missed', since)
})

test('a non-member can neither join a call nor signal in it nor list it', async () => {
  const { ca, room } = await directRoom(alice, bob)
  const ce = await tabs.connect(eve)
  const pa = newPeer('a')
  await ca.must({ type: 'call_join', room, peer: pa })
  expectError(await ce.command({ type: 'call_join', room, peer: newPeer('e') }), 'not_found', 'room', 'join')
  expectError(await ce.command({ type: 'call_signal', room, peer: pa, to: pa, data: {} }), 'not_found', 'peer', 'signal')
  expectError(await ce.command({ type: 'call_leave', room, peer: pa }), 'not_found', 'peer', 'leave')
  expectError(await ce.command({ type: 'call_media', room, peer: pa, audio: false }), 'not_found', 'peer', 'media')
  expectError(await ce.command({ type: 'call_decline', room }), 'conflict', undefined, 'decline')
  assert.deepEqual((await ce.must({ type: 'calls' })).calls, [])
  assert.equal((await ca.must({ type: 'calls' })).calls[0].peers[0].peer, pa)
  // Alice's call goes on: the refused commands touched nothing.
  await ca.must({ type: 'call_leave', room, peer: pa })
  await ce.ping()
  assert.deepEqual(ce.frames.filter((f) => f.type.startsWith('call_') && f.type !== 'calls'), [])
})

test('bad signalling gets a clear error, relays nothing, and the socket stays', async () => {
  const { ca, cb, room } = await directRoom(alice, bob)
  const pa = newPeer('a')
  const pb = newPeer('b')
  await ca.must({ type: 'call_join', room, peer: pa })
  await cb.must({ type: 'call_join', room, peer: pb })
  const since = cb.mark()
  // To a peer not in the call; from a peer of another socket; a bad peer id; oversized data.
  expectError(await ca.command({ type: 'call_signal', room, peer: pa, to: 'nobody-here', data: {} }), 'not_found', 'to', 'to')
  expectError(await cb.command({ type: 'call_signal', room, peer: pa, to: pb, data: {} }), 'not_found', 'peer', 'spoof')
  expectError(await ca.command({ type: 'call_signal', room, peer: 'x', to: pb, data: {} }), 'invalid', 'peer', 'short id')
  expectError(await ca.command({ type: 'call_signal', room, peer: pa, to: pb, data: 'sdp' }), 'invalid', 'data', 'not an object')
  const big = { description: { type: 'offer', sdp: 'a'.repeat(40 * 1024) } }
  expectError(await ca.command({ type: 'call_signal', room, peer: pa, to: pb, data: big }), 'invalid', 'data', 'oversized')
  expectError(await ca.command({ type: 'call_join', room, peer: 'bad id!' }), 'invalid', 'peer', 'join id')
  await cb.ping()
  assert.deepEqual(cb.framesSince(since, (f) => f.type === 'call_signal'), [], 'nothing relayed')

  // A flood of candidates: the first 200 or so go through, the rest are refused, the socket stays.
  const before = ca.mark()
  const t0 = Date.now()
  for (let i = 0; i < 400; i++) ca.send({ type: 'call_signal', room, peer: pa, to: pb, data: { candidate: { n: i } } })
  // Signals are answered only when refused: a ping behind them marks the end.
  await ca.ping()
  const seconds = (Date.now() - t0) / 1000
  const limited = ca.framesSince(before, (f) => f.type === 'error' && f.code === 'rate_limited').length
  await cb.ping()
  const relayed = cb.framesSince(since, (f) => f.type === 'call_signal').length
  assert.equal(relayed + limited, 400)
  // 200 at once, then 50 a second (however slowly this machine sent them).
  assert.ok(limited > 0 && relayed <= 200 + 50 * seconds + 1, `relayed ${relayed} of 400 in ${seconds} s`)
  assert.equal(ca.closeInfo, null)
  await ca.must({ type: 'call_leave', room, peer: pa })
})

test('a call holds 8 peers: the 9th is refused with call_full', async () => {
  const [owner, ...rest] = people
  const co = await tabs.connect(owner)
  const room = (await co.must({ type: 'create_room', kind: 'private', name: 'big call', members: [...rest.map((p) => p.id), alice.id] })).room
  const clients = [co]
  for (const p of rest) clients.push(await tabs.connect(p))
  const ids = []
  for (const c of clients) {
    const peer = newPeer('m')
    ids.push(peer)
    await c.must({ type: 'call_join', room, peer })
  }
  const ca = await tabs.connect(alice)
  const full = await ca.command({ type: 'call_join', room, peer: newPeer('a') })
  expectError(full, 'call_full', 'room', '9th')
  assert.match(full.message, /8 people/)
  // One leaves: now there is room.
  await clients[3].must({ type: 'call_leave', room, peer: ids[3] })
  const joined = await ca.must({ type: 'call_join', room, peer: newPeer('a') })
  assert.equal(joined.call.peers.length, 8)
  assert.equal(joined.call.direct, false)
  assert.deepEqual(joined.call.ringing, [], 'a conference rings nobody')
})

test('a second tab takes the call over; a reconnecting tab keeps its peer; a dead one is removed after the grace', async () => {
  const { ca, cb, room } = await directRoom(alice, bob)
  const pa = newPeer('a')
  const pb = newPeer('b')
  const first = await ca.must({ type: 'call_join', room, peer: pa })
  await cb.must({ type: 'call_join', room, peer: pb })

  // Alice's second tab takes over: the first hears call_dropped, the call goes on without a gap.
  const ca2 = await tabs.connect(alice)
  const pa2 = newPeer('a2')
  const taken = await ca2.must({ type: 'call_join', room, peer: pa2 })
  assert.equal(taken.call.id, first.call.id)
  assert.deepEqual(taken.call.peers.map((p) => p.peer).sort(), [pa2, pb].sort())
  assert.deepEqual(await ca.waitFor((f) => f.type === 'call_dropped'), { type: 'call_dropped', room, peer: pa, reason: 'taken' })
  expectError(await ca.command({ type: 'call_signal', room, peer: pa, to: pb, data: {} }), 'not_found', 'peer', 'old tab')

  // Bob's socket drops: his peer is away, not gone; a new socket rejoins with the same peer id.
  const since = ca2.mark()
  await cb.close()
  await callState(ca2, room, (c) => c?.peers.find((p) => p.peer === pb)?.away === true, since)
  expectError(await ca2.command({ type: 'call_signal', room, peer: pa2, to: pb, data: {} }), 'conflict', 'to', 'to an away peer')
  const cb2 = await tabs.connect(bob)
  const back = await cb2.must({ type: 'call_join', room, peer: pb })
  assert.equal(back.call.id, first.call.id)
  assert.equal(back.call.peers.find((p) => p.peer === pb).away, false)
  ca2.send({ type: 'call_signal', room, peer: pa2, to: pb, data: { hello: 'again' } })
  assert.deepEqual((await cb2.waitFor((f) => f.type === 'call_signal')).data, { hello: 'again' })
  // Eve cannot claim bob's peer id (she is no member).
  const ce = await tabs.connect(eve)
  expectError(await ce.command({ type: 'call_join', room, peer: pb }), 'not_found', 'room', 'eve')

  // Bob's tab dies for good: after the grace he is out, and the direct call ends.
  const t0 = Date.now()
  const mark = ca2.mark()
  cb2.ws.terminate()
  await callState(ca2, room, (c) => c === null, mark)
  assert.ok(Date.now() - t0 >= GRACE_MS - 50, `removed after ${Date.now() - t0} ms`)
  await ca2.waitFor((f) => f.type === 'event' && f.kind === 'call' && f.call === 'ended', mark)
})

test('a member removed from the room is dropped from its call', async () => {
  const co = await tabs.connect(alice)
  const room = (await co.must({ type: 'create_room', kind: 'private', name: 'standup', members: [bob.id] })).room
  const cb = await tabs.connect(bob)
  const pa = newPeer('a')
  const pb = newPeer('b')
  await co.must({ type: 'call_join', room, peer: pa })
  await cb.must({ type: 'call_join', room, peer: pb })
  await co.must({ type: 'remove', room, user: bob.id })
  assert.deepEqual(await cb.waitFor((f) => f.type === 'call_dropped'), { type: 'call_dropped', room, peer: pb, reason: 'removed' })
  await callState(co, room, (c) => c?.peers.length === 1 && c.peers[0].peer === pa)
  expectError(await cb.command({ type: 'call_join', room, peer: pb }), 'not_found', 'room', 'rejoin')
  await co.must({ type: 'call_leave', room, peer: pa })
  await callState(co, room, (c) => c === null)
})
