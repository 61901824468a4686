// Room moderation over the WebSocket (docs/protocol.md "pin", "mute_member"): room admins pin
// messages (a list every member reads), mute a member for a time (they read but cannot post, edit
// or react; everyone sees the event), and the rules hold for members who are not admins.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, CHAT_ARGS } from './chat-client.mjs'

let server
let tabs
let alice, bob, carol
before(async () => {
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS])
  await signUpAdminFirst(server)
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
  carol = await signUp(server, 'carol')
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
async function room(owner, ...members) {
  const id = (await owner.must({ type: 'create_room', kind: 'private', name: `mod-${++counter}`, members: members.map((m) => m.id) })).room
  return id
}

function refused(answer, code) {
  assert.equal(answer.type, 'error', JSON.stringify(answer))
  assert.equal(answer.code, code, JSON.stringify(answer))
}

test('room admins pin and unpin; members read the pinned list; the rules hold', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const r = await room(a, bob)
  const first = await a.post(r, 'the plan')
  const second = await b.post(r, 'the budget')

  refused(await b.command({ type: 'pin', id: first.id }), 'forbidden')
  refused(await c.command({ type: 'pin', id: first.id }), 'not_found')
  const pinned = await a.must({ type: 'pin', id: first.id })
  await a.must({ type: 'pin', id: second.id })
  refused(await a.command({ type: 'pin', id: first.id }), 'conflict')
  const event = await b.waitFor((f) => f.type === 'event' && f.kind === 'pinned' && f.id === first.id)
  assert.equal(event.on, true)
  assert.equal(event.seq, pinned.seq)

  const list = await b.must({ type: 'pins', room: r })
  assert.deepEqual(list.items.map((i) => i.id), [second.id, first.id])
  assert.equal(list.items[1].text, 'the plan')
  refused(await c.command({ type: 'pins', room: r }), 'not_found')
  const history = await b.must({ type: 'history', room: r })
  assert.ok(history.items.some((i) => i.kind === 'pinned' && i.id === first.id), 'the timeline shows it')

  await a.must({ type: 'unpin', id: second.id })
  await a.must({ type: 'delete', id: first.id })
  assert.deepEqual((await b.must({ type: 'pins', room: r })).items, [], 'unpinned and deleted go')

  // In a direct room either person pins.
  const direct = (await b.must({ type: 'direct', user: carol.id })).room
  const m = await c.post(direct, 'address')
  await b.must({ type: 'pin', id: m.id })
})

test('a muted member reads but cannot post, edit or react until unmuted; everyone sees it', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const r = await room(a, bob, carol)
  const mine = await b.post(r, 'before')

  refused(await c.command({ type: 'mute_member', room: r, user: bob.id, minutes: 10 }), 'forbidden')
  refused(await a.command({ type: 'mute_member', room: r, user: alice.id, minutes: 10 }), 'forbidden')
  refused(await a.command({ type: 'mute_member', room: r, user: bob.id, minutes: 43201 }), 'invalid')
  const at = Date.now()
  await a.must({ type: 'mute_member', room: r, user: bob.id, minutes: 10 })
  const seen = await c.waitFor((f) => f.type === 'event' && f.kind === 'member_muted')
  assert.equal(seen.target, bob.id)
  assert.equal(seen.target_name, 'bob')
  assert.ok(seen.until >= at + 10 * 60000 && seen.until < Date.now() + 10 * 60000 + 1000)
  const rooms = await b.must({ type: 'rooms' })
  assert.equal(rooms.rooms.find((x) => x.id === r).muted_until, seen.until)

  refused(await b.command({ type: 'post', room: r, text: 'hello?' }), 'forbidden')
  refused(await b.command({ type: 'edit', id: mine.id, text: 'changed' }), 'forbidden')
  refused(await b.command({ type: 'react', id: mine.id, emoji: '👍' }), 'forbidden')
  assert.ok((await b.must({ type: 'history', room: r })).items.length > 0, 'still reads')
  await c.post(r, 'others go on')

  await a.must({ type: 'mute_member', room: r, user: bob.id, minutes: 0 })
  const unmuted = await b.waitFor((f) => f.type === 'event' && f.kind === 'member_muted' && f.until === null)
  assert.equal(unmuted.target, bob.id)
  await b.post(r, 'back')
})

test('leaving and joining again does not lift a mute', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const r = (await a.must({ type: 'create_room', kind: 'channel', name: `mod-${++counter}` })).room
  await b.must({ type: 'join', room: r })
  await a.must({ type: 'mute_member', room: r, user: bob.id, minutes: 5 })
  await b.must({ type: 'leave', room: r })
  await b.must({ type: 'join', room: r })
  refused(await b.command({ type: 'post', room: r, text: 'free again?' }), 'forbidden')
  assert.ok((await b.must({ type: 'rooms' })).rooms.find((x) => x.id === r).muted_until > Date.now())
  await a.must({ type: 'mute_member', room: r, user: bob.id, minutes: 0 })
  await b.must({ type: 'leave', room: r })
  await b.must({ type: 'join', room: r })
  await b.post(r, 'free again')
})
