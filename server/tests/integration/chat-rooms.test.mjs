// Rooms over the WebSocket (docs/protocol.md): channels and private rooms, the directory, joining,
// inviting, leaving, removing, renaming, direct rooms, per-room settings, members and user search.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, findRoom, CHAT_ARGS } from './chat-client.mjs'

let server
let tabs
let root, alice, bob, carol, dave
before(async () => {
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS])
  root = await signUpAdminFirst(server)
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
  carol = await signUp(server, 'carol')
  dave = await signUp(server, 'dave')
  tabs = new Tabs(server)
})
afterEach(async () => {
  await tabs.closeAll()
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

function expectError(answer, code, what) {
  assert.equal(answer.type, 'error', `${what}: expected error ${code}, got ${JSON.stringify(answer)}`)
  assert.equal(answer.code, code, `${what}: ${JSON.stringify(answer)}`)
}

// Joins a channel and waits until the joiner's client has the room's events up to the join.
async function join(client, room) {
  const ack = await client.must({ type: 'join', room })
  await client.requestSync(room)
  await client.waitForSeq(room, ack.seq)
  return ack
}

test('a created channel starts with a created event, its creator is admin, and the directory lists it', async () => {
  const a = await tabs.connect(alice)
  const c = await tabs.connect(carol)
  const ack = await a.must({ type: 'create_room', kind: 'channel', name: 'lobby-one', topic: 'say hi' })
  assert.equal(ack.type, 'ack')
  assert.ok(Number.isInteger(ack.room), JSON.stringify(ack))
  const created = await a.waitForEvent(ack.room, (e) => e.kind === 'created')
  assert.equal(created.seq, 1)
  assert.equal(created.room_kind, 'channel')
  assert.equal(created.name, 'lobby-one')
  assert.equal(created.topic, 'say hi')
  assert.equal(created.user, alice.id)
  assert.equal(created.username, 'alice')
  assert.ok(Math.abs(created.at - Date.now()) < 60_000, `at ${created.at}`)
  if ('seq' in ack) assert.equal(ack.seq, created.seq, 'the ack names the event the command made')

  const mine = findRoom(await a.must({ type: 'rooms' }), ack.room)
  assert.ok(mine, 'the creator has the room')
  assert.equal(mine.kind, 'channel')
  assert.equal(mine.name, 'lobby-one')
  assert.equal(mine.topic, 'say hi')
  assert.equal(mine.role, 'admin')
  assert.equal(mine.members, 1)
  assert.equal(mine.peer, null)
  assert.equal(mine.last_seq, a.last(ack.room))

  const dir = await c.must({ type: 'directory', query: 'lobby-one' })
  assert.equal(dir.type, 'directory')
  const listed = dir.rooms.find((r) => r.id === ack.room)
  assert.ok(listed, `directory: ${JSON.stringify(dir)}`)
  assert.equal(listed.name, 'lobby-one')
  assert.equal(listed.topic, 'say hi')
  assert.equal(listed.members, 1)
  assert.equal(listed.joined, false)
  const none = await c.must({ type: 'directory', query: 'no-such-channel-anywhere' })
  assert.deepEqual(none.rooms, [])
  assert.equal(findRoom(await c.must({ type: 'rooms' }), ack.room), undefined, 'carol is not a member')
})

test('a private room is never in the directory and cannot be joined by others', async () => {
  const a = await tabs.connect(alice)
  const c = await tabs.connect(carol)
  const ack = await a.must({ type: 'create_room', kind: 'private', name: 'hideout-one' })
  const created = await a.waitForEvent(ack.room, (e) => e.kind === 'created')
  assert.equal(created.room_kind, 'private')
  assert.equal(findRoom(await a.must({ type: 'rooms' }), ack.room).role, 'admin')
  for (const query of [undefined, 'hideout', 'hideout-one']) {
    const frame = query === undefined ? { type: 'directory' } : { type: 'directory', query }
    for (const client of [a, c]) {
      const dir = await client.must(frame)
      assert.equal(
        dir.rooms.find((r) => r.id === ack.room),
        undefined,
        `directory ${query}: ${JSON.stringify(dir)}`,
      )
      assert.equal(
        dir.rooms.find((r) => r.name === 'hideout-one'),
        undefined,
      )
    }
  }
  expectError(await c.command({ type: 'join', room: ack.room }), 'not_found', 'join a private room')
})

test('joining a channel: members see joined, the directory says joined, joining twice is a conflict', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'joinable' })).room
  const ack = await join(b, room)
  assert.ok(Number.isInteger(ack.seq))
  const joined = await a.waitForEvent(room, (e) => e.seq === ack.seq)
  assert.equal(joined.kind, 'joined')
  assert.equal(joined.user, bob.id)
  assert.equal(joined.username, 'bob')
  const bobs = findRoom(await b.must({ type: 'rooms' }), room)
  assert.ok(bobs, 'the room is among bob’s rooms')
  assert.notEqual(bobs.role, 'admin')
  assert.equal(bobs.members, 2)
  const dir = await b.must({ type: 'directory', query: 'joinable' })
  assert.equal(dir.rooms.find((r) => r.id === room).joined, true)
  assert.equal(dir.rooms.find((r) => r.id === room).members, 2)
  expectError(await b.command({ type: 'join', room }), 'conflict', 'join twice')
  expectError(await b.command({ type: 'join', room: 987654 }), 'not_found', 'join a room that does not exist')
})

test('inviting to a private room: the invitee is told, gets the room and can post; any member can invite', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const room = (await a.must({ type: 'create_room', kind: 'private', name: 'invite-only' })).room
  const inv = await a.must({ type: 'invite', room, user: bob.id })
  const seen = await a.waitForEvent(room, (e) => e.seq === inv.seq)
  assert.equal(seen.kind, 'invited')
  assert.equal(seen.user, alice.id)
  assert.equal(seen.target, bob.id)
  assert.equal(seen.target_name, 'bob')
  // Bob's client did not know the room: the event itself tells it (and it syncs the history).
  const told = await b.waitFor((f) => f.type === 'event' && f.room === room && f.kind === 'invited')
  assert.equal(told.target, bob.id)
  await b.waitForSeq(room, inv.seq)
  assert.equal(b.events(room)[0].kind, 'created', 'an invited member can read the room from the start')
  assert.ok(findRoom(await b.must({ type: 'rooms' }), room))
  const post = await b.post(room, 'thanks for the invite')
  await a.waitForEvent(room, (e) => e.seq === post.seq && e.kind === 'message')

  const inv2 = await b.must({ type: 'invite', room, user: carol.id })
  await c.waitFor((f) => f.type === 'event' && f.room === room && f.seq === inv2.seq && f.target === carol.id)
  expectError(await a.command({ type: 'invite', room, user: carol.id }), 'conflict', 'invite a member')
  expectError(await a.command({ type: 'invite', room, user: 987654 }), 'not_found', 'invite nobody')
  const members = await a.must({ type: 'members', room })
  assert.deepEqual(
    members.members.map((m) => m.id).sort((x, y) => x - y),
    [alice.id, bob.id, carol.id].sort((x, y) => x - y),
  )
})

test('leaving: the others see left, the room is gone from the leaver’s rooms, and it can no longer post', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = (await a.must({ type: 'create_room', kind: 'private', name: 'leave-me', members: [bob.id] }))
    .room
  await b.requestSync(room)
  assert.ok(findRoom(await b.must({ type: 'rooms' }), room), 'members given at create are members')
  const left = await b.must({ type: 'leave', room })
  const ev = await a.waitForEvent(room, (e) => e.seq === left.seq)
  assert.equal(ev.kind, 'left')
  assert.equal(ev.user, bob.id)
  assert.equal(findRoom(await b.must({ type: 'rooms' }), room), undefined)
  expectError(await b.command({ type: 'post', room, text: 'still here?' }), 'not_found', 'post after leaving')
  expectError(await b.command({ type: 'history', room }), 'not_found', 'history after leaving')
  expectError(await b.command({ type: 'leave', room }), 'not_found', 'leave twice')
  const members = await a.must({ type: 'members', room })
  assert.deepEqual(
    members.members.map((m) => m.id),
    [alice.id],
  )
})

test('removing: admins may, other members may not; the removed member is told', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'moderated' })).room
  await join(b, room)
  await join(c, room)
  expectError(
    await c.command({ type: 'remove', room, user: bob.id }),
    'forbidden',
    'a member removes a member',
  )
  expectError(
    await c.command({ type: 'remove', room, user: alice.id }),
    'forbidden',
    'a member removes the admin',
  )
  const rm = await a.must({ type: 'remove', room, user: bob.id })
  const told = await b.waitFor((f) => f.type === 'event' && f.room === room && f.seq === rm.seq)
  assert.equal(told.kind, 'removed')
  assert.equal(told.target, bob.id)
  assert.equal(told.target_name, 'bob')
  assert.equal(told.user, alice.id)
  await c.waitForEvent(room, (e) => e.seq === rm.seq && e.kind === 'removed')
  const members = await a.must({ type: 'members', room })
  assert.deepEqual(
    members.members.map((m) => m.id).sort((x, y) => x - y),
    [alice.id, carol.id].sort((x, y) => x - y),
  )
  expectError(await a.command({ type: 'remove', room, user: bob.id }), 'not_found', 'remove a non-member')

  // The server admin (the first account) is an admin of every channel.
  const r = await tabs.connect(root)
  await join(r, room)
  const rm2 = await r.must({ type: 'remove', room, user: carol.id })
  await c.waitFor((f) => f.type === 'event' && f.room === room && f.seq === rm2.seq && f.kind === 'removed')
})

test('update_room: an admin renames (renamed event), a plain member may not', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'old-name', topic: 'old topic' }))
    .room
  await join(b, room)
  const up = await a.must({ type: 'update_room', room, name: 'new-name', topic: 'new topic' })
  const ev = await b.waitForEvent(room, (e) => e.seq === up.seq)
  assert.equal(ev.kind, 'renamed')
  assert.equal(ev.name, 'new-name')
  assert.equal(ev.topic, 'new topic')
  assert.equal(ev.user, alice.id)
  const r = findRoom(await b.must({ type: 'rooms' }), room)
  assert.equal(r.name, 'new-name')
  assert.equal(r.topic, 'new topic')

  const topicOnly = await a.must({ type: 'update_room', room, topic: 'just the topic' })
  const ev2 = await b.waitForEvent(room, (e) => e.seq === topicOnly.seq)
  assert.equal(ev2.kind, 'renamed')
  assert.equal(ev2.name, 'new-name', 'the name is kept when only the topic changes')
  assert.equal(ev2.topic, 'just the topic')

  const before = a.last(room)
  expectError(
    await b.command({ type: 'update_room', room, name: 'bobs-room' }),
    'forbidden',
    'a member renames',
  )
  expectError(
    await a.command({ type: 'update_room', room, name: 'x'.repeat(81) }),
    'invalid',
    'an 81-character name',
  )
  await a.ping()
  assert.equal(a.last(room), before, 'refused commands made no event')
  assert.equal(findRoom(await a.must({ type: 'rooms' }), room).name, 'new-name')
})

test('direct: one room per pair from both sides, with the peer; nobody joins, invites, leaves or renames', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const fromAlice = await a.must({ type: 'direct', user: bob.id })
  const fromBob = await b.must({ type: 'direct', user: alice.id })
  const again = await a.must({ type: 'direct', user: bob.id })
  assert.equal(fromBob.room, fromAlice.room)
  assert.equal(again.room, fromAlice.room)
  const room = fromAlice.room
  const other = await a.must({ type: 'direct', user: carol.id })
  assert.notEqual(other.room, room, 'another pair, another room')

  const ra = findRoom(await a.must({ type: 'rooms' }), room)
  assert.equal(ra.kind, 'direct')
  assert.equal(ra.peer.id, bob.id)
  assert.equal(ra.peer.username, 'bob')
  assert.equal(ra.members, 2)
  const rb = findRoom(await b.must({ type: 'rooms' }), room)
  assert.equal(rb.peer.id, alice.id)
  assert.equal(rb.peer.username, 'alice')

  expectError(await c.command({ type: 'join', room }), 'not_found', 'join a direct room')
  expectError(
    await a.command({ type: 'invite', room, user: carol.id }),
    'forbidden',
    'invite into a direct room',
  )
  expectError(await a.command({ type: 'leave', room }), 'conflict', 'leave a direct room')
  expectError(
    await a.command({ type: 'update_room', room, name: 'ours' }),
    'forbidden',
    'rename a direct room',
  )
  expectError(
    await a.command({ type: 'remove', room, user: bob.id }),
    'forbidden',
    'remove from a direct room',
  )
  expectError(await a.command({ type: 'direct', user: 987654 }), 'not_found', 'direct with nobody')
  const dir = await c.must({ type: 'directory' })
  assert.equal(
    dir.rooms.find((r) => r.id === room),
    undefined,
    'direct rooms are not in the directory',
  )
})

test('hidden: a direct room can be hidden, a new message shows it again; settings are kept', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = (await a.must({ type: 'direct', user: dave.id })).room
  const room2 = (await b.must({ type: 'direct', user: alice.id })).room
  assert.notEqual(room, room2)
  const ack = await a.must({ type: 'room_settings', room: room2, hidden: true })
  assert.equal(ack.type, 'ack')
  assert.equal(ack.seq, undefined, 'room_settings makes no event')
  assert.equal(findRoom(await a.must({ type: 'rooms' }), room2).hidden, true)
  assert.equal(findRoom(await b.must({ type: 'rooms' }), room2).hidden, false, 'hiding is per member')
  const post = await b.post(room2, 'are you there?')
  await a.waitFor((f) => f.type === 'event' && f.room === room2 && f.seq === post.seq)
  assert.equal(findRoom(await a.must({ type: 'rooms' }), room2).hidden, false, 'a new message shows it again')

  await a.must({ type: 'room_settings', room: room2, hidden: true })
  await a.must({ type: 'room_settings', room: room2, hidden: false })
  assert.equal(findRoom(await a.must({ type: 'rooms' }), room2).hidden, false)

  await a.must({ type: 'room_settings', room: room2, notify: false, volume: 30, muted: true })
  const s = findRoom(await a.must({ type: 'rooms' }), room2)
  assert.equal(s.notify, false)
  assert.equal(s.volume, 30)
  assert.equal(s.muted, true)
  const sb = findRoom(await b.must({ type: 'rooms' }), room2)
  assert.equal(sb.notify, true)
  assert.equal(sb.volume, 100)
  assert.equal(sb.muted, false)
})

test('members lists roles and who is online, with last_seen', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = (
    await a.must({ type: 'create_room', kind: 'private', name: 'who-is-here', members: [bob.id, dave.id] })
  ).room
  const m = await a.must({ type: 'members', room })
  assert.equal(m.type, 'members')
  assert.equal(m.room, room)
  const byId = new Map(m.members.map((x) => [x.id, x]))
  assert.deepEqual(
    [...byId.keys()].sort((x, y) => x - y),
    [alice.id, bob.id, dave.id].sort((x, y) => x - y),
  )
  assert.equal(byId.get(alice.id).role, 'admin')
  assert.equal(byId.get(alice.id).username, 'alice')
  assert.notEqual(byId.get(bob.id).role, 'admin')
  assert.equal(byId.get(alice.id).online, true)
  assert.equal(byId.get(bob.id).online, true)
  assert.equal(byId.get(dave.id).online, false, 'dave has no socket open')
  assert.ok('last_seen' in byId.get(dave.id))

  // Bob's last tab closes: the room hears he is offline, and members says so.
  // (Only what comes after this close: a tab of Bob's from an earlier test may be closing late.)
  const since = a.mark()
  await b.close()
  const off = await a.waitFor((f) => f.type === 'presence' && f.user === bob.id && f.online === false, since)
  assert.ok(Number.isInteger(off.last_seen))
  const m2 = await a.must({ type: 'members', room })
  const bob2 = m2.members.find((x) => x.id === bob.id)
  assert.equal(bob2.online, false)
  assert.equal(bob2.last_seen, off.last_seen)
})

test('members come in pages by username, with more, and by a name prefix', async () => {
  const a = await tabs.connect(alice)
  const room = (
    await a.must({
      type: 'create_room',
      kind: 'private',
      name: 'paged',
      members: [bob.id, carol.id, dave.id],
    })
  ).room
  const names = (f) => f.members.map((x) => x.username)
  const first = await a.must({ type: 'members', room, limit: 2 })
  assert.deepEqual(names(first), ['alice', 'bob'])
  assert.equal(first.more, true)
  const next = await a.must({ type: 'members', room, limit: 2, after: 'bob' })
  assert.deepEqual(names(next), ['carol', 'dave'])
  assert.equal(next.more, false)
  const all = await a.must({ type: 'members', room })
  assert.deepEqual(names(all), ['alice', 'bob', 'carol', 'dave'])
  assert.equal(all.more, false)
  assert.deepEqual(names(await a.must({ type: 'members', room, query: 'CA' })), ['carol'])
  assert.deepEqual(names(await a.must({ type: 'members', room, users: [dave.id, bob.id] })), ['bob', 'dave'])
  const refused = await a.command({ type: 'members', room, limit: 1001 })
  assert.equal(refused.type, 'error')
  assert.equal(refused.field, 'limit')
})

test('users finds up to 20 people whose name starts with the query', async () => {
  for (let i = 0; i < 22; i++) await signUp(server, `zed${String(i).padStart(2, '0')}`)
  const a = await tabs.connect(alice)
  const many = await a.must({ type: 'users', query: 'zed' })
  assert.equal(many.type, 'users')
  assert.equal(many.users.length, 20)
  for (const u of many.users) {
    assert.match(u.username, /^zed\d\d$/)
    assert.ok(Number.isInteger(u.id))
    assert.equal(typeof u.online, 'boolean')
  }
  const one = await a.must({ type: 'users', query: 'zed21' })
  assert.deepEqual(
    one.users.map((u) => u.username),
    ['zed21'],
  )
  const bobs = await a.must({ type: 'users', query: 'bo' })
  assert.deepEqual(
    bobs.users.map((u) => u.id),
    [bob.id],
  )
  assert.equal(bobs.users[0].display_name !== undefined, true)
  const me = await a.must({ type: 'users', query: 'alice' })
  assert.equal(me.users.find((u) => u.id === alice.id).online, true)
  assert.deepEqual((await a.must({ type: 'users', query: 'nobody-by-that-name' })).users, [])
})
