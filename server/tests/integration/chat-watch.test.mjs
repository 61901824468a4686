// Presence in large rooms (docs/protocol.md `watch`): a room over --presence-room-members carries
// no presence unasked; a socket watches the people it shows, learns who is online already, never
// watches someone it shares no room with, and stops hearing of someone once it leaves the only room
// they shared.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, CHAT_ARGS, presenceOf } from './chat-client.mjs'

let server
let tabs
let alice, bob, carol, dave, eve
before(async () => {
  // Rooms of more than two members are "large"; no default channel, so eve shares nothing.
  server = await startServer([
    ...FAST_AUTH,
    ...CHAT_ARGS,
    '--default-rooms',
    '',
    '--presence-room-members',
    '2',
  ])
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

test('a large room carries no presence; a watch does, with who is online now, for visible people only', async () => {
  // alice, bob and carol share the channel "big" (three members: large here). dave and eve share a
  // direct room (two: small); bob and alice share one too.
  const a = await tabs.connect(alice)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'big' })).room
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  await b.must({ type: 'join', room })
  await c.must({ type: 'join', room })
  const d = await tabs.connect(dave)
  await d.must({ type: 'direct', user: eve.id })

  // Bob watches alice, carol and eve: eve shares no room with him, so she is left out.
  const watching = await b.must({ type: 'watch', users: [alice.id, carol.id, eve.id, carol.id] })
  assert.equal(watching.type, 'watching')
  assert.deepEqual(
    watching.users.map((u) => ({ id: u.id, online: u.online })).sort((x, y) => x.id - y.id),
    [
      { id: alice.id, online: true },
      { id: carol.id, online: true },
    ],
  )
  const bmark = b.mark()
  const cmark = c.mark()

  // Eve comes online: dave, her direct room's peer, hears it; bob, who asked to watch her, does not.
  // Alice leaving afterwards is the later event bob does get (frames to a socket are in order).
  const dmark = d.mark()
  const e = await tabs.connect(eve)
  await d.waitFor(presenceOf(eve, true), dmark)
  await a.close()
  const off = await b.waitFor(presenceOf(alice, false), bmark)
  assert.ok(Number.isInteger(off.last_seen), JSON.stringify(off))
  assert.deepEqual(b.framesSince(bmark).filter(presenceOf(eve)), [], 'bob may not see eve')

  // Carol shares only the large room with alice and watches nobody: she heard nothing. Bob's post
  // there is her later event.
  const p = await b.post(room, 'still here')
  await c.waitFor((f) => f.type === 'event' && f.room === room && f.seq === p.seq, cmark)
  assert.deepEqual(
    c.framesSince(cmark).filter((f) => f.type === 'presence'),
    [],
  )

  // Alice is back: bob learns of it as a watcher; a new watch without her stops that.
  await tabs.connect(alice)
  await b.waitFor(presenceOf(alice, true), bmark)
  await b.must({ type: 'watch', users: [carol.id] })
  await e.close()
  await d.waitFor(presenceOf(eve, false), dmark)
  const c2 = await tabs.connect(carol) // a second tab: no announcement, and nothing to wait for
  await c2.ping()
  await c.close()
  await c2.close()
  await b.waitFor(presenceOf(carol, false), bmark)
  assert.equal(b.framesSince(bmark).filter(presenceOf(alice)).length, 2, 'alice offline, then online')
})

test('leaving the only room shared with someone ends the watch of them', async () => {
  // bob and dave share only the large channel "crowd"; bob and alice share a direct room (small).
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const d = await tabs.connect(dave)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'crowd' })).room
  await b.must({ type: 'join', room })
  await d.must({ type: 'join', room })
  await b.must({ type: 'direct', user: alice.id })
  const watching = await b.must({ type: 'watch', users: [dave.id, alice.id] })
  assert.equal(watching.users.length, 2)
  const bmark = b.mark()

  // The watch is checked again in turn with bob's commands: his next read answers after it.
  await b.must({ type: 'leave', room })
  await b.must({ type: 'rooms' })
  await a.must({ type: 'watch', users: [dave.id] })
  await d.close()
  await a.waitFor(presenceOf(dave, false))
  // Alice goes offline after dave: bob's later event.
  await a.close()
  await b.waitFor(presenceOf(alice, false), bmark)
  assert.deepEqual(b.framesSince(bmark).filter(presenceOf(dave)), [], 'bob shares no room with dave now')
})

test('someone watched leaving the only room shared ends the watch of them', async () => {
  // dave, eve and bob share only the large channel "plaza" (bob has no other room with eve).
  const d = await tabs.connect(dave)
  const b = await tabs.connect(bob)
  const e = await tabs.connect(eve)
  const room = (await d.must({ type: 'create_room', kind: 'channel', name: 'plaza' })).room
  await b.must({ type: 'join', room })
  await e.must({ type: 'join', room })
  assert.deepEqual(
    (await b.must({ type: 'watch', users: [eve.id] })).users.map((u) => u.id),
    [eve.id],
  )
  const bmark = b.mark()

  // Eve leaves: bob's watch is checked before he hears of it, so his next read answers after it.
  await e.must({ type: 'leave', room })
  await b.waitFor((f) => f.type === 'event' && f.room === room && f.kind === 'left', bmark)
  await b.must({ type: 'rooms' })
  await e.close()
  await d.waitFor(presenceOf(eve, false)) // dave shares a direct room with her
  const p = await d.post(room, 'after eve left')
  await b.waitFor((f) => f.type === 'event' && f.room === room && f.seq === p.seq, bmark)
  assert.deepEqual(b.framesSince(bmark).filter(presenceOf(eve)), [], 'bob shares no room with eve now')
})

test('a watch of more than 1,000 people is refused, and an empty one answers nobody', async () => {
  const b = await tabs.connect(bob)
  const many = Array.from({ length: 1001 }, (_, i) => i + 1)
  const refused = await b.command({ type: 'watch', users: many })
  assert.equal(refused.type, 'error')
  assert.equal(refused.code, 'invalid')
  assert.equal(refused.field, 'users')
  const none = await b.must({ type: 'watch', users: [] })
  assert.deepEqual(none.users, [])
  const self = await b.must({ type: 'watch', users: [bob.id] })
  assert.deepEqual(
    self.users.map((u) => u.id),
    [bob.id],
  )
})
