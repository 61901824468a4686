// Presence and typing (docs/protocol.md, "Pushed without a command"): online with the first tab,
// offline with last_seen when the last tab closes, told only to people who share a room; typing
// reaches the room's other members and not the sender.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, CHAT_ARGS, presenceOf } from './chat-client.mjs'

let server
let tabs
let alice, bob, carol, dave, eve
before(async () => {
  // No default channel: these tests need people who share no room.
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS, '--default-rooms', ''])
  await signUpAdminFirst(server)
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
  carol = await signUp(server, 'carol')
  dave = await signUp(server, 'dave')
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

test('online with the first tab only, offline with last_seen when the last tab closes, to co-members only', async () => {
  // Setup: bob, alice, carol and dave share a channel; dave and eve share a direct room; eve and
  // alice share nothing.
  const b = await tabs.connect(bob)
  const room = (await b.must({ type: 'create_room', kind: 'channel', name: 'hangout' })).room
  for (const who of [alice, carol, dave]) {
    const x = await tabs.connect(who)
    await x.must({ type: 'join', room })
    if (who === dave) await x.must({ type: 'direct', user: eve.id })
    await x.close()
    await b.waitFor(presenceOf(who, false)) // nobody else is connected as them
  }

  const e = await tabs.connect(eve)
  const bmark = b.mark()
  const emark = e.mark()
  const a1 = await tabs.connect(alice)
  const online = await b.waitFor(presenceOf(alice, true), bmark)
  assert.ok('last_seen' in online)

  // A second tab: no new announcement. Carol coming online afterwards is the later event that
  // proves it: frames to bob are in order.
  const a2 = await tabs.connect(alice)
  await a2.ping()
  await tabs.connect(carol)
  await b.waitFor(presenceOf(carol, true), bmark)
  assert.equal(b.framesSince(bmark).filter(presenceOf(alice)).length, 1, 'the second tab re-announced alice')

  // The first tab closes: alice is still online (dave's arrival is the later event).
  await a1.close()
  await a2.ping()
  const d = await tabs.connect(dave)
  await b.waitFor(presenceOf(dave, true), bmark)
  assert.equal(
    b.framesSince(bmark).filter(presenceOf(alice, false)).length,
    0,
    'offline while a tab is still open',
  )
  await e.waitFor(presenceOf(dave, true), emark)
  assert.deepEqual(e.framesSince(emark).filter(presenceOf(alice)), [], 'eve shares no room with alice')

  // The last tab closes: offline, with when she was last seen.
  const closing = Date.now()
  await a2.close()
  const off = await b.waitFor(presenceOf(alice, false), bmark)
  assert.ok(Number.isInteger(off.last_seen), JSON.stringify(off))
  assert.ok(
    off.last_seen >= closing - 2000 && off.last_seen <= Date.now() + 2000,
    `last_seen ${off.last_seen}, closed at ${closing}`,
  )
  const m = await b.must({ type: 'members', room })
  const a = m.members.find((x) => x.id === alice.id)
  assert.equal(a.online, false)
  assert.equal(a.last_seen, off.last_seen)
  // Eve heard nothing of it either; the later event she does get: dave, her co-member, going offline.
  await d.close()
  await e.waitFor(presenceOf(dave, false), emark)
  assert.deepEqual(e.framesSince(emark).filter(presenceOf(alice)), [])
})

test('typing reaches the other members (every tab), not the sender, and is not answered', async () => {
  const a = await tabs.connect(alice)
  const a2 = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const b2 = await tabs.connect(bob)
  const d = await tabs.connect(dave)
  const room = (await a.must({ type: 'create_room', kind: 'private', name: 'typists', members: [bob.id] }))
    .room
  const amark = a.mark()
  const dmark = d.mark()
  a.send({ type: 'typing', room })
  for (const x of [b, b2]) {
    const t = await x.waitFor((f) => f.type === 'typing' && f.room === room)
    assert.deepEqual(
      { room: t.room, user: t.user, username: t.username },
      { room, user: alice.id, username: 'alice' },
    )
  }
  await a.ping()
  assert.deepEqual(
    a.framesSince(amark).filter((f) => f.type === 'typing'),
    [],
    'the sender got its own typing',
  )

  // With a cid: still no answer (typing is answered by nothing).
  const cid = 'typing-with-cid'
  a.send({ type: 'typing', room, cid })
  await a.ping()
  assert.deepEqual(
    a.framesSince(amark).filter((f) => f.cid === cid),
    [],
  )

  // Bob types: alice's tabs hear it; dave, who is not a member, does not (his later event: a
  // direct message from bob).
  b.send({ type: 'typing', room })
  await a.waitFor((f) => f.type === 'typing' && f.user === bob.id, amark)
  await a2.waitFor((f) => f.type === 'typing' && f.user === bob.id)
  const dm = await b.must({ type: 'direct', user: dave.id })
  const p = await b.post(dm.room, 'psst')
  await d.waitFor((f) => f.type === 'event' && f.room === dm.room && f.seq === p.seq)
  assert.deepEqual(
    d.framesSince(dmark).filter((f) => f.type === 'typing'),
    [],
  )
})

test('a user search shows presence only of people who share a room with the one asking', async () => {
  // Eve and Alice share nothing; Bob and Alice share a channel.
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const e = await tabs.connect(eve)
  const room = (await b.must({ type: 'create_room', kind: 'channel', name: 'search-presence' })).room
  await a.must({ type: 'join', room })
  const seenBy = async (client) =>
    (await client.must({ type: 'users', query: 'alice' })).users.find((u) => u.id === alice.id)
  const byBob = await seenBy(b)
  assert.equal(byBob.online, true)
  const byEve = await seenBy(e)
  assert.ok(byEve, 'people stay findable')
  assert.equal(byEve.online, false)
  assert.equal(byEve.last_seen, null)
  assert.equal((await e.must({ type: 'users', query: 'eve' })).users[0].online, true, 'one sees oneself')
})
