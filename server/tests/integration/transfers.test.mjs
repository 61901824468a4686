// Direct file transfers' signalling (docs/protocol.md "Direct file transfers") over real sockets:
// an offer reaches every tab of the receiver and only them, the first tab to answer takes it,
// signals pass only between the sender's tab and that tab, either side cancels, a declined offer
// is gone, a reconnecting side takes its transfer back; a non-member can neither offer nor be
// offered; removal from the room ends a transfer; bad offers and floods get clear errors.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, CHAT_ARGS } from './chat-client.mjs'

let server
let tabs
let alice, bob, eve
before(async () => {
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS, '--stun', 'stun:127.0.0.1:3478'])
  await signUpAdminFirst(server)
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
  eve = await signUp(server, 'eve')
  tabs = new Tabs(server)
})
afterEach(async () => {
  await tabs.closeAll()
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

let counter = 0
const newId = () => `t-${++counter}-${Math.random().toString(36).slice(2, 10)}`

function expectError(answer, code, field, what) {
  assert.equal(answer.type, 'error', `${what}: expected error ${code}, got ${JSON.stringify(answer)}`)
  assert.equal(answer.code, code, `${what}: ${JSON.stringify(answer)}`)
  if (field !== undefined) assert.equal(answer.field, field, `${what}: ${JSON.stringify(answer)}`)
}

async function directRoom() {
  const ca = await tabs.connect(alice)
  const room = (await ca.must({ type: 'direct', user: bob.id })).room
  return { ca, room }
}

const offer = (room, id, extra = {}) => ({
  type: 'transfer_offer',
  room,
  user: bob.id,
  id,
  name: 'holiday.mov',
  size: 52428800,
  mime: 'video/quicktime',
  ...extra,
})

test('an offer rings every tab of the receiver; the first to accept takes it; signals pass only between the two tabs; a cancel closes it', async () => {
  const { ca, room } = await directRoom()
  const b1 = await tabs.connect(bob)
  const b2 = await tabs.connect(bob)
  const ce = await tabs.connect(eve)
  const id = newId()
  const ack = await ca.must(offer(room, id))
  assert.equal(ack.type, 'ack')
  assert.equal(ack.room, room)
  assert.deepEqual(ack.ice_servers, [{ urls: ['stun:127.0.0.1:3478'] }])
  for (const b of [b1, b2]) {
    const f = await b.waitFor((x) => x.type === 'transfer_offer')
    assert.deepEqual(f, {
      type: 'transfer_offer',
      room,
      id,
      from: alice.id,
      username: 'alice',
      name: 'holiday.mov',
      size: 52428800,
      mime: 'video/quicktime',
      sha256: null,
    })
  }
  // Nothing can be signalled before an answer.
  expectError(await ca.command({ type: 'transfer_signal', id, data: {} }), 'not_found', 'id', 'early signal')

  const accepted = await b1.must({ type: 'transfer_answer', id, accept: true })
  assert.deepEqual(accepted.ice_servers, [{ urls: ['stun:127.0.0.1:3478'] }])
  assert.deepEqual(await ca.waitFor((f) => f.type === 'transfer_answer'), { type: 'transfer_answer', id, accept: true })
  assert.deepEqual(await b2.waitFor((f) => f.type === 'transfer_closed'), { type: 'transfer_closed', id, reason: 'answered' })
  expectError(await b2.command({ type: 'transfer_answer', id, accept: true }), 'conflict', 'id', 'second answer')

  const sdp = { description: { type: 'offer', sdp: 'v=0\r\n' } }
  ca.send({ type: 'transfer_signal', id, data: sdp })
  assert.deepEqual(await b1.waitFor((f) => f.type === 'transfer_signal'), { type: 'transfer_signal', id, data: sdp })
  b1.send({ type: 'transfer_signal', id, data: { candidate: { candidate: 'c' } } })
  assert.deepEqual((await ca.waitFor((f) => f.type === 'transfer_signal')).data, { candidate: { candidate: 'c' } })
  expectError(await b2.command({ type: 'transfer_signal', id, data: {} }), 'not_found', 'id', 'the other tab')
  expectError(await ce.command({ type: 'transfer_signal', id, data: {} }), 'not_found', 'id', 'eve')
  expectError(await ce.command({ type: 'transfer_cancel', id }), 'not_found', 'id', 'eve cancels')

  await b1.must({ type: 'transfer_cancel', id })
  assert.deepEqual(await ca.waitFor((f) => f.type === 'transfer_closed'), { type: 'transfer_closed', id, reason: 'cancelled' })
  expectError(await ca.command({ type: 'transfer_signal', id, data: {} }), 'not_found', 'id', 'after cancel')

  await ce.ping()
  assert.deepEqual(ce.frames.filter((f) => f.type.startsWith('transfer')), [], 'eve heard nothing')
  await b2.ping()
  assert.deepEqual(b2.frames.filter((f) => f.type === 'transfer_signal'), [], 'the other tab got no signal')
  await b1.ping()
  assert.deepEqual(b1.frames.filter((f) => f.type === 'transfer_closed'), [], 'the accepting tab is not told it answered')
})

test('a declined offer is gone; the sender cancelling an open offer closes it on every tab', async () => {
  const { ca, room } = await directRoom()
  const b1 = await tabs.connect(bob)
  const id = newId()
  await ca.must(offer(room, id))
  await b1.waitFor((f) => f.type === 'transfer_offer')
  await b1.must({ type: 'transfer_answer', id, accept: false })
  assert.deepEqual(await ca.waitFor((f) => f.type === 'transfer_answer'), { type: 'transfer_answer', id, accept: false })
  expectError(await b1.command({ type: 'transfer_answer', id, accept: true }), 'not_found', 'id', 'after decline')

  const id2 = newId()
  await ca.must(offer(room, id2))
  await b1.waitFor((f) => f.type === 'transfer_offer' && f.id === id2)
  await ca.must({ type: 'transfer_cancel', id: id2 })
  assert.deepEqual(await b1.waitFor((f) => f.type === 'transfer_closed' && f.id === id2), {
    type: 'transfer_closed',
    id: id2,
    reason: 'cancelled',
  })

  // A finished transfer is ended with how it ended, which the other side hears.
  const id3 = newId()
  await ca.must(offer(room, id3))
  await b1.waitFor((f) => f.type === 'transfer_offer' && f.id === id3)
  await b1.must({ type: 'transfer_answer', id: id3, accept: true })
  expectError(await b1.command({ type: 'transfer_cancel', id: id3, reason: 'bored' }), 'invalid', 'reason', 'bad reason')
  await b1.must({ type: 'transfer_cancel', id: id3, reason: 'damaged' })
  assert.deepEqual(await ca.waitFor((f) => f.type === 'transfer_closed' && f.id === id3), {
    type: 'transfer_closed',
    id: id3,
    reason: 'damaged',
  })
})

test('a side whose socket dropped takes its transfer back with transfer_resume', async () => {
  const { ca, room } = await directRoom()
  const b1 = await tabs.connect(bob)
  const id = newId()
  await ca.must(offer(room, id))
  await b1.waitFor((f) => f.type === 'transfer_offer')
  await b1.must({ type: 'transfer_answer', id, accept: true })
  await ca.close()
  // Once the server has seen Alice go (Bob hears she is offline), his signals are refused.
  await b1.waitFor((f) => f.type === 'presence' && f.user === alice.id && !f.online)
  expectError(await b1.command({ type: 'transfer_signal', id, data: { n: 1 } }), 'conflict', 'id', 'to a side away')
  const ca2 = await tabs.connect(alice)
  expectError(await ca2.command({ type: 'transfer_signal', id, data: {} }), 'not_found', 'id', 'before resume')
  await ca2.must({ type: 'transfer_resume', id })
  b1.send({ type: 'transfer_signal', id, data: { n: 2 } })
  assert.deepEqual((await ca2.waitFor((f) => f.type === 'transfer_signal')).data, { n: 2 })
  // Eve cannot take a side.
  const ce = await tabs.connect(eve)
  expectError(await ce.command({ type: 'transfer_resume', id }), 'not_found', 'id', 'eve resumes')
})

test('a non-member can neither offer in a room nor be offered a file; removal ends a transfer', async () => {
  const { ca, room } = await directRoom()
  const ce = await tabs.connect(eve)
  expectError(await ce.command({ ...offer(room, newId()), user: alice.id }), 'not_found', 'room', 'eve offers')
  expectError(await ca.command({ ...offer(room, newId()), user: eve.id }), 'not_found', 'user', 'to eve')
  expectError(await ca.command({ ...offer(room, newId()), user: alice.id }), 'invalid', 'user', 'to oneself')
  await ce.ping()
  assert.deepEqual(ce.frames.filter((f) => f.type.startsWith('transfer')), [])

  const priv = (await ca.must({ type: 'create_room', kind: 'private', name: 'share', members: [bob.id] })).room
  const b1 = await tabs.connect(bob)
  const id = newId()
  await ca.must(offer(priv, id))
  await b1.waitFor((f) => f.type === 'transfer_offer' && f.id === id)
  await b1.must({ type: 'transfer_answer', id, accept: true })
  await ca.must({ type: 'remove', room: priv, user: bob.id })
  assert.deepEqual(await b1.waitFor((f) => f.type === 'transfer_closed' && f.id === id), {
    type: 'transfer_closed',
    id,
    reason: 'left',
  }, 'the accepting tab hears only the end')
  assert.deepEqual(await ca.waitFor((f) => f.type === 'transfer_closed' && f.id === id), { type: 'transfer_closed', id, reason: 'left' })
})

test('bad offers get clear errors, a sender holds at most 32 open transfers, and the socket stays', async () => {
  // Eve sends here: Alice's earlier transfers may still be open (a side away keeps one 60 s).
  const ca = await tabs.connect(eve)
  const room = (await ca.must({ type: 'direct', user: bob.id })).room
  const bad = [
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(256) }, 'name'],
    [{ size: -1 }, 'size'],
    [{ size: 2 ** 54 }, 'size'],
    [{ mime: 'x'.repeat(128) }, 'mime'],
    [{ sha256: 'abc' }, 'sha256'],
    [{ id: 'short' }, 'id'],
    [{ id: 'has space in it' }, 'id'],
  ]
  for (const [change, field] of bad) {
    expectError(await ca.command(offer(room, newId(), change)), 'invalid', field, JSON.stringify(change))
  }
  const first = newId()
  await ca.must(offer(room, first))
  expectError(await ca.command(offer(room, first)), 'conflict', 'id', 'the same id again')
  for (let i = 1; i < 32; i++) await ca.must(offer(room, newId()))
  expectError(await ca.command(offer(room, newId())), 'rate_limited', undefined, 'the 33rd')
  await ca.must({ type: 'transfer_cancel', id: first })
  await ca.must(offer(room, newId()))
  assert.equal(ca.closeInfo, null)
})
