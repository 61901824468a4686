// Messages over the WebSocket (docs/protocol.md): post, edit (with its earlier versions), delete
// (the text gone from the database), reactions, replies and threads, mentions, unread counts, read
// positions and receipts.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { startServer, FAST_AUTH, dump } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, findRoom, CHAT_ARGS } from './chat-client.mjs'

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

function expectError(answer, code, what) {
  assert.equal(answer.type, 'error', `${what}: expected error ${code}, got ${JSON.stringify(answer)}`)
  assert.equal(answer.code, code, `${what}: ${JSON.stringify(answer)}`)
}

let roomCounter = 0
// A fresh channel made by the first client, joined by the others; every client has synced it.
async function channel(owner, ...others) {
  roomCounter += 1
  const room = (await owner.must({ type: 'create_room', kind: 'channel', name: `room-${roomCounter}` })).room
  for (const c of others) {
    const ack = await c.must({ type: 'join', room })
    await c.requestSync(room)
    await c.waitForSeq(room, ack.seq)
  }
  const last = others.length ? Math.max(...others.map((c) => c.last(room))) : 1
  await owner.waitForSeq(room, last)
  return room
}

async function historyItem(client, room, id) {
  const h = await client.must({ type: 'history', room, limit: 100 })
  return h.items.find((i) => i.id === id && i.kind === 'message')
}

test('a post is acked with seq and id, and every member receives the same message event', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = await channel(a, b)
  const sent = Date.now()
  const ack = await a.post(room, 'hello bob')
  assert.equal(ack.type, 'ack')
  assert.equal(ack.room, room)
  assert.ok(Number.isInteger(ack.seq) && ack.seq > 1, JSON.stringify(ack))
  assert.ok(Number.isInteger(ack.id), JSON.stringify(ack))
  for (const client of [b, a]) {
    const ev = await client.waitFor((f) => f.type === 'event' && f.room === room && f.seq === ack.seq)
    assert.equal(ev.kind, 'message')
    assert.equal(ev.id, ack.id)
    assert.equal(ev.text, 'hello bob')
    assert.equal(ev.user, alice.id)
    assert.equal(ev.username, 'alice')
    assert.equal(ev.reply_to, null)
    assert.deepEqual(ev.mentions, [])
    assert.ok(ev.at >= sent - 5000 && ev.at <= Date.now() + 5000, `at ${ev.at}`)
  }
  const item = await historyItem(b, room, ack.id)
  assert.equal(item.seq, ack.seq)
  assert.equal(item.text, 'hello bob')
  assert.equal(item.deleted, false)
  assert.equal(item.edited_at, null)
  assert.equal(item.replies, 0)
  assert.deepEqual(item.reactions, [])
  assert.equal(item.type, undefined, 'history items carry no type')
})

test('edit: the others get edited, history shows the new text, edits the old one; only the author may edit', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = await channel(a, b)
  const m = await a.post(room, 'first version')
  const e = await a.must({ type: 'edit', id: m.id, text: 'second version' })
  assert.ok(e.seq > m.seq, JSON.stringify(e))
  const ev = await b.waitFor((f) => f.type === 'event' && f.room === room && f.seq === e.seq)
  assert.equal(ev.kind, 'edited')
  assert.equal(ev.id, m.id)
  assert.equal(ev.text, 'second version')
  assert.equal(ev.user, alice.id)

  const item = await historyItem(b, room, m.id)
  assert.equal(item.text, 'second version')
  assert.equal(item.seq, m.seq, 'an edit does not move the message')
  assert.ok(Number.isInteger(item.edited_at), JSON.stringify(item))
  const h = await b.must({ type: 'history', room })
  assert.equal(h.items.filter((i) => i.kind === 'edited').length, 0, 'edits are folded into the message')

  const versions = await b.must({ type: 'edits', id: m.id })
  assert.equal(versions.type, 'edits')
  assert.equal(versions.id, m.id)
  assert.deepEqual(
    versions.versions.map((v) => v.text),
    ['first version'],
  )
  assert.ok(Number.isInteger(versions.versions[0].at))

  expectError(
    await b.command({ type: 'edit', id: m.id, text: 'bob was here' }),
    'forbidden',
    'edit another’s message',
  )
  expectError(
    await a.command({ type: 'edit', id: 987654321, text: 'nothing' }),
    'not_found',
    'edit no message',
  )
  assert.equal((await historyItem(b, room, m.id)).text, 'second version')
  await a.must({ type: 'edit', id: m.id, text: 'third version' })
  const v2 = await b.must({ type: 'edits', id: m.id })
  assert.deepEqual(v2.versions.map((v) => v.text).sort(), ['first version', 'second version'])
})

test('delete: by the author or a room admin, not by others; the text is gone from history, sync and the database', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const room = await channel(a, b, c)
  const needle = `needle-${randomUUID()}`
  const m = await a.post(room, `alice says ${needle}`)
  await a.must({ type: 'edit', id: m.id, text: `edited ${needle} again` })
  assert.ok(dump(server).includes(needle), 'the text is in the database before the delete')

  expectError(
    await c.command({ type: 'delete', id: m.id }),
    'forbidden',
    'a member deletes another’s message',
  )
  const d = await a.must({ type: 'delete', id: m.id })
  const ev = await b.waitFor((f) => f.type === 'event' && f.room === room && f.seq === d.seq)
  assert.equal(ev.kind, 'deleted')
  assert.equal(ev.id, m.id)
  assert.equal(ev.text, undefined)

  const item = await historyItem(b, room, m.id)
  assert.equal(item.deleted, true)
  assert.equal(item.text, '')
  const sync = await b.must({ type: 'sync', room, after: 0 })
  assert.ok(!JSON.stringify(sync).includes(needle), `sync still shows the text: ${JSON.stringify(sync)}`)
  const history = await b.must({ type: 'history', room })
  assert.ok(!JSON.stringify(history).includes(needle))
  const edits = await b.command({ type: 'edits', id: m.id })
  assert.ok(!JSON.stringify(edits).includes(needle), `edits still show the text: ${JSON.stringify(edits)}`)
  assert.ok(!dump(server).includes(needle), 'the deleted text is still in the database')

  // A room admin deletes a member's message; the member deletes her own.
  const byBob = await b.post(room, 'bob’s words')
  const d2 = await a.must({ type: 'delete', id: byBob.id })
  await b.waitFor((f) => f.type === 'event' && f.seq === d2.seq && f.kind === 'deleted' && f.id === byBob.id)
  const byCarol = await c.post(room, 'carol’s words')
  expectError(
    await b.command({ type: 'delete', id: byCarol.id }),
    'forbidden',
    'a member deletes another member’s message',
  )
  await c.must({ type: 'delete', id: byCarol.id })
  assert.equal((await historyItem(a, room, byCarol.id)).deleted, true)
  const twice = await c.command({ type: 'delete', id: byCarol.id })
  assert.equal(twice.type, 'error', `deleting a deleted message (new cid): ${JSON.stringify(twice)}`)
  const revived = await c.command({ type: 'edit', id: byCarol.id, text: 'revived' })
  assert.equal(revived.type, 'error', `editing a deleted message: ${JSON.stringify(revived)}`)
})

test('reactions toggle on and off and show in history', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const room = await channel(a, b, c)
  const m = await a.post(room, 'react to me')
  const on = await b.must({ type: 'react', id: m.id, emoji: '👍' })
  const ev = await a.waitFor((f) => f.type === 'event' && f.room === room && f.seq === on.seq)
  assert.equal(ev.kind, 'reaction')
  assert.equal(ev.id, m.id)
  assert.equal(ev.emoji, '👍')
  assert.equal(ev.on, true)
  assert.equal(ev.user, bob.id)
  assert.deepEqual((await historyItem(a, room, m.id)).reactions, [{ emoji: '👍', users: [bob.id] }])

  await c.must({ type: 'react', id: m.id, emoji: '👍' })
  const both = (await historyItem(a, room, m.id)).reactions
  assert.equal(both.length, 1)
  assert.deepEqual(
    [...both[0].users].sort((x, y) => x - y),
    [bob.id, carol.id].sort((x, y) => x - y),
  )

  const off = await b.must({ type: 'react', id: m.id, emoji: '👍' })
  const evOff = await a.waitFor((f) => f.type === 'event' && f.room === room && f.seq === off.seq)
  assert.equal(evOff.kind, 'reaction')
  assert.equal(evOff.on, false)
  assert.equal(evOff.user, bob.id)
  assert.deepEqual((await historyItem(a, room, m.id)).reactions, [{ emoji: '👍', users: [carol.id] }])

  await c.must({ type: 'react', id: m.id, emoji: '👍' })
  assert.deepEqual((await historyItem(a, room, m.id)).reactions, [])
  const h = await a.must({ type: 'history', room })
  assert.equal(
    h.items.filter((i) => i.kind === 'reaction').length,
    0,
    'reactions are folded into the message',
  )
  expectError(
    await b.command({ type: 'react', id: 987654321, emoji: '👍' }),
    'not_found',
    'react to no message',
  )
})

test('replies: reply_to is carried, the thread lists replies newest first, the parent counts them', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const room = await channel(a, b, c)
  const parent = await a.post(room, 'what do you think?')
  const r1 = await b.post(room, 'I like it', { reply_to: parent.id })
  const r2 = await c.post(room, 'me too', { reply_to: parent.id })
  const r3 = await b.post(room, 'ship it', { reply_to: parent.id })
  await a.post(room, 'not a reply')
  const ev = await a.waitFor((f) => f.type === 'event' && f.seq === r2.seq)
  assert.equal(ev.reply_to, parent.id)

  const t = await b.must({ type: 'thread', id: parent.id })
  assert.equal(t.type, 'thread')
  assert.equal(t.room, room)
  assert.equal(t.id, parent.id)
  assert.deepEqual(
    t.items.map((i) => i.id),
    [r3.id, r2.id, r1.id],
  )
  assert.deepEqual(
    t.items.map((i) => i.text),
    ['ship it', 'me too', 'I like it'],
  )
  assert.ok(t.items.every((i) => i.reply_to === parent.id))
  assert.equal(t.more, false)
  assert.equal((await historyItem(a, room, parent.id)).replies, 3)

  const page1 = await b.must({ type: 'thread', id: parent.id, limit: 2 })
  assert.deepEqual(
    page1.items.map((i) => i.id),
    [r3.id, r2.id],
  )
  assert.equal(page1.more, true)
  const page2 = await b.must({ type: 'thread', id: parent.id, limit: 2, before: page1.items.at(-1).seq })
  assert.deepEqual(
    page2.items.map((i) => i.id),
    [r1.id],
  )
  assert.equal(page2.more, false)

  const elsewhere = await channel(a, b)
  const wrong = await b.command({
    type: 'post',
    room: elsewhere,
    text: 'cross-room reply',
    reply_to: parent.id,
  })
  assert.equal(wrong.type, 'error', `reply_to a message of another room: ${JSON.stringify(wrong)}`)
  assert.ok(['invalid', 'not_found'].includes(wrong.code), JSON.stringify(wrong))
})

test('mentions are resolved to user ids and counted, with unread, in rooms until read', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const room = await channel(a, b, c)
  const m1 = await a.post(room, 'hi @bob how are you')
  const ev1 = await b.waitFor((f) => f.type === 'event' && f.seq === m1.seq && f.room === room)
  assert.deepEqual(ev1.mentions, [bob.id])
  const m2 = await a.post(room, 'hey @carol and @bob')
  const ev2 = await b.waitFor((f) => f.type === 'event' && f.seq === m2.seq && f.room === room)
  assert.deepEqual(
    [...ev2.mentions].sort((x, y) => x - y),
    [bob.id, carol.id].sort((x, y) => x - y),
  )
  const m3 = await a.post(room, 'nobody here: @nosuchuser and bob@example.org')
  const ev3 = await b.waitFor((f) => f.type === 'event' && f.seq === m3.seq && f.room === room)
  assert.deepEqual(ev3.mentions, [])
  const m4 = await c.post(room, 'carol speaking')
  await b.waitForSeq(room, m4.seq)

  const r = findRoom(await b.must({ type: 'rooms' }), room)
  assert.equal(r.last_seq, m4.seq)
  assert.equal(r.unread, 4)
  assert.equal(r.mentions, 2)
  assert.equal(r.last_at, b.events(room).at(-1).at)
  const ra = findRoom(await a.must({ type: 'rooms' }), room)
  assert.equal(ra.unread, 1, 'one’s own messages are not unread')
  assert.equal(ra.mentions, 0)
  const rc = findRoom(await c.must({ type: 'rooms' }), room)
  assert.equal(rc.mentions, 1)

  const read = await b.must({ type: 'read', room, seq: m2.seq })
  assert.equal(read.type, 'ack')
  const half = findRoom(await b.must({ type: 'rooms' }), room)
  assert.equal(half.read_seq, m2.seq)
  assert.equal(half.unread, 2)
  assert.equal(half.mentions, 0)
  await b.must({ type: 'read', room, seq: m4.seq })
  const done = findRoom(await b.must({ type: 'rooms' }), room)
  assert.equal(done.read_seq, m4.seq)
  assert.equal(done.unread, 0)
  assert.equal(done.mentions, 0)

  // Never moves back.
  await b.must({ type: 'read', room, seq: m1.seq })
  const still = findRoom(await b.must({ type: 'rooms' }), room)
  assert.equal(still.read_seq, m4.seq)
  assert.equal(still.unread, 0)
})

test('read and received without a cid are not answered; positions reach the sender as receipts', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = await channel(a, b)
  const m1 = await a.post(room, 'one')
  const m2 = await a.post(room, 'two')
  await b.waitForSeq(room, m2.seq)

  const mark = a.mark()
  const got = await b.must({ type: 'received', room, seq: m2.seq })
  assert.equal(got.type, 'ack')
  assert.equal(got.seq, undefined)
  const rc1 = await a.waitFor(
    (f) => f.type === 'receipt' && f.room === room && f.user === bob.id && f.delivered === m2.seq,
    mark,
  )
  assert.ok(rc1.read === undefined || rc1.read < m2.seq, JSON.stringify(rc1))

  const bmark = b.mark()
  b.send({ type: 'read', room, seq: m1.seq }) // no cid: no answer
  await b.ping()
  assert.deepEqual(
    b.framesSince(bmark).filter((f) => f.type === 'ack' || f.type === 'error'),
    [],
  )
  const rc2 = await a.waitFor(
    (f) => f.type === 'receipt' && f.room === room && f.user === bob.id && f.read === m1.seq,
    mark,
  )
  assert.equal(rc2.delivered, m2.seq)
  const r = findRoom(await b.must({ type: 'rooms' }), room)
  assert.equal(r.read_seq, m1.seq)
  assert.equal(r.delivered_seq, m2.seq)
  assert.equal(r.unread, 1)

  // A read position that would move back changes nothing and tells nobody.
  const amark = a.mark()
  await b.must({ type: 'read', room, seq: m2.seq })
  await a.waitFor((f) => f.type === 'receipt' && f.user === bob.id && f.read === m2.seq, amark)
  await b.must({ type: 'read', room, seq: m1.seq })
  const m3 = await a.post(room, 'later')
  await a.waitFor((f) => f.type === 'event' && f.seq === m3.seq && f.room === room)
  await a.ping()
  const backwards = a
    .framesSince(amark)
    .filter((f) => f.type === 'receipt' && f.user === bob.id && f.read < m2.seq)
  assert.deepEqual(backwards, [])
  assert.equal(findRoom(await b.must({ type: 'rooms' }), room).read_seq, m2.seq)
})
