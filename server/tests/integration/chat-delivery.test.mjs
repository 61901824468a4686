// Delivery guarantees (docs/protocol.md): one order per room that every member sees, contiguous
// seqs, idempotent commands by cid, resync after a disconnect, and keyset paging of sync and history.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, newCid, signature, foldRoom, CHAT_ARGS } from './chat-client.mjs'

let server
let tabs
let alice, bob, carol, dave
before(async () => {
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS])
  await signUpAdminFirst(server)
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

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

let roomCounter = 0
async function channel(owner, ...others) {
  roomCounter += 1
  const room = (await owner.must({ type: 'create_room', kind: 'channel', name: `delivery-${roomCounter}` }))
    .room
  for (const c of others) {
    const ack = await c.must({ type: 'join', room })
    await c.requestSync(room)
    await c.waitForSeq(room, ack.seq)
  }
  const last = Math.max(1, ...others.map((c) => c.last(room)))
  for (const c of [owner, ...others]) await c.waitForSeq(room, last)
  return room
}

test('four clients posting at once: every client sees the same events, seq 1..N without gap or duplicate', async () => {
  const clients = [
    await tabs.connect(alice),
    await tabs.connect(bob),
    await tabs.connect(carol),
    await tabs.connect(dave),
  ]
  const room = await channel(...clients)
  const base = clients[0].last(room)
  const gapsBefore = clients.map((c) => c.log(room).gaps)
  const liveBefore = clients.map((c) => c.log(room).live.length)
  const perClient = 50
  // Nobody waits for an ack before sending the next post.
  const acks = await Promise.all(
    clients.flatMap((c, k) => range(0, perClient - 1).map((i) => c.post(room, `client ${k} message ${i}`))),
  )
  const n = base + clients.length * perClient
  assert.deepEqual(
    acks.map((a) => a.seq).sort((x, y) => x - y),
    range(base + 1, n),
    'the acks name seqs base+1..N, each once',
  )
  await Promise.all(clients.map((c) => c.waitForSeq(room, n)))
  await Promise.all(clients.map((c) => c.ping()))

  const reference = clients[0].events(room).map(signature)
  assert.deepEqual(
    reference.map((e) => e.seq),
    range(1, n),
  )
  const texts = (c) =>
    c
      .events(room)
      .filter((e) => e.kind === 'message')
      .map((e) => [e.seq, e.id, e.user, e.text])
  for (const [k, c] of clients.entries()) {
    assert.deepEqual(c.events(room).map(signature), reference, `client ${k} saw another order`)
    assert.deepEqual(texts(c), texts(clients[0]), `client ${k} saw other messages`)
    // The live frames themselves were in order: no gap, no duplicate, nothing needed a sync.
    assert.deepEqual(
      c.log(room).live.slice(liveBefore[k]),
      range(base + 1, n),
      `client ${k}: live frames out of order`,
    )
    assert.equal(c.log(room).gaps, gapsBefore[k], `client ${k} saw a gap`)
    assert.deepEqual(c.anomalies, [])
    assert.equal(c.last(room), n)
  }
  const byId = new Map(
    clients[0]
      .events(room)
      .filter((e) => e.kind === 'message')
      .map((e) => [e.id, e]),
  )
  for (const [j, ack] of acks.entries()) {
    const k = Math.floor(j / perClient)
    const ev = byId.get(ack.id)
    assert.ok(ev, `ack ${JSON.stringify(ack)} names no message event`)
    assert.equal(ev.seq, ack.seq)
    assert.equal(ev.text, `client ${k} message ${j % perClient}`)
    assert.equal(ev.user, [alice, bob, carol, dave][k].id)
  }
  const sync = await clients[3].must({ type: 'sync', room, after: 0, limit: 1000 })
  assert.deepEqual(sync.events.map(signature), reference, 'sync tells the same story as the live events')
})

test('the same cid twice, at once or after a reconnect, makes one message and the same ack', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = await channel(a, b)
  const cid = newCid('dup')
  const frame = { type: 'post', room, text: 'exactly once', cid }
  const [x, y] = await Promise.all([a.command(frame), a.command(frame)])
  assert.equal(x.type, 'ack', JSON.stringify(x))
  assert.deepEqual(y, x)

  // Two tabs of the same user at the same moment.
  const a2 = await tabs.connect(alice)
  const cid2 = newCid('dup2')
  const frame2 = { type: 'post', room, text: 'once from two tabs', cid: cid2 }
  const [p, q] = await Promise.all([a.command(frame2), a2.command(frame2)])
  assert.equal(p.type, 'ack', JSON.stringify(p))
  assert.deepEqual(q, p)

  // After a reconnect (the ack was "lost"), even with another text: nothing new, the same ack.
  await a.close()
  const a3 = await tabs.connect(alice)
  assert.deepEqual(await a3.command(frame), x)
  assert.deepEqual(await a3.command({ ...frame, text: 'exactly once, changed' }), x)

  // The cid belongs to alice: bob's command with the same cid is his own.
  const bobs = await b.command({ type: 'post', room, text: 'bob, same cid', cid })
  assert.equal(bobs.type, 'ack')
  assert.notEqual(bobs.id, x.id)
  assert.notEqual(bobs.seq, x.seq)

  await b.waitForSeq(room, bobs.seq)
  await b.ping()
  const messages = b.events(room).filter((e) => e.kind === 'message')
  assert.deepEqual(messages.map((e) => e.text).sort(), [
    'bob, same cid',
    'exactly once',
    'once from two tabs',
  ])
  const h = await b.must({ type: 'history', room })
  assert.equal(h.items.filter((i) => i.text === 'exactly once').length, 1)
  assert.equal(h.items.filter((i) => i.text === 'once from two tabs').length, 1)
  assert.equal(h.items.filter((i) => i.text === 'exactly once, changed').length, 0)

  // Idempotency holds for toggles too: a react resent with its cid does not toggle back.
  const rcid = newCid('react')
  const react = { type: 'react', id: x.id, emoji: '🎉', cid: rcid }
  const r1 = await a3.command(react)
  const r2 = await a3.command(react)
  assert.equal(r1.type, 'ack')
  assert.deepEqual(r2, r1)
  const item = (await b.must({ type: 'history', room })).items.find((i) => i.id === x.id)
  assert.deepEqual(item.reactions, [{ emoji: '🎉', users: [alice.id] }])
})

test('a client that was away syncs from its last seq and ends with the state of one that stayed', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const room = await channel(a, b, c)
  const early = await a.post(room, 'before bob left')
  const doomed = await c.post(room, 'carol regrets this')
  await b.waitForSeq(room, doomed.seq)
  const logs = b.logs
  const lastBefore = b.last(room)
  const dupsBefore = b.log(room).dups
  await b.close()

  // While bob is away: posts, an edit, deletes (of a message he had and one he never saw), reactions.
  const posts = []
  for (let i = 0; i < 5; i++) posts.push(await a.post(room, `while away ${i}`))
  await a.must({ type: 'edit', id: early.id, text: 'before bob left (edited)' })
  await a.must({ type: 'edit', id: posts[1].id, text: 'while away 1 (edited)' })
  await c.must({ type: 'delete', id: doomed.id })
  await a.must({ type: 'delete', id: posts[2].id })
  await c.must({ type: 'react', id: posts[0].id, emoji: '👀' })
  await a.must({ type: 'react', id: posts[0].id, emoji: '👀' })
  await c.must({ type: 'react', id: posts[0].id, emoji: '👀' })
  const final = await c.post(room, 'the end', { reply_to: posts[3].id })
  await a.waitForSeq(room, final.seq)

  const b2 = await tabs.connect(bob, { logs })
  await b2.waitForSeq(room, final.seq)
  await b2.settled()
  const firstSync = b2.syncRequests.find((r) => r.room === room)
  assert.deepEqual(firstSync, { room, after: lastBefore }, 'the client syncs from its last seq')
  const syncFrame = b2.frames.find((f) => f.type === 'sync' && f.room === room)
  assert.equal(syncFrame.events[0].seq, lastBefore + 1, 'sync answers only what came after')
  assert.equal(syncFrame.more, false)
  assert.equal(b2.log(room).dups, dupsBefore, 'nothing came twice')
  assert.deepEqual(b2.anomalies, [])

  assert.deepEqual(b2.events(room).map(signature), a.events(room).map(signature))
  assert.deepEqual(
    b2.events(room).map((e) => e.seq),
    range(1, final.seq),
  )
  const stateB = foldRoom(b2.events(room))
  assert.deepEqual(stateB, foldRoom(a.events(room)))
  assert.deepEqual(stateB, foldRoom(c.events(room)))
  const byId = new Map(stateB.map((m) => [m.id, m]))
  assert.equal(byId.get(early.id).text, 'before bob left (edited)')
  assert.equal(byId.get(doomed.id).deleted, true)
  assert.equal(byId.get(doomed.id).text, '')
  assert.equal(byId.get(posts[2].id).deleted, true)
  assert.deepEqual(byId.get(posts[0].id).reactions, [{ emoji: '👀', users: [alice.id] }])
  assert.equal(byId.get(final.id).reply_to, posts[3].id)

  // And the state matches the server's own view, from history.
  const h = await b2.must({ type: 'history', room, limit: 100 })
  for (const item of h.items.filter((i) => i.kind === 'message')) {
    const m = byId.get(item.id)
    assert.equal(item.text, m.text, `message ${item.id}`)
    assert.equal(item.deleted, m.deleted)
  }
  // The events of the away period, as sync told them, no longer hold deleted text.
  assert.ok(!JSON.stringify(syncFrame).includes('carol regrets this'))
  assert.ok(!JSON.stringify(syncFrame).includes('while away 2'))
})

test('sync pages with limit and more, and a client catches up page by page', async () => {
  const a = await tabs.connect(alice)
  const room = await channel(a)
  const base = a.last(room)
  for (let i = 0; i < 3; i++)
    await Promise.all(range(1, 10).map((j) => a.post(room, `page filler ${i}-${j}`)))
  const last = base + 30
  await a.waitForSeq(room, last)
  await a.ping()
  assert.equal(a.last(room), last)

  const seqs = []
  let after = 0
  let pages = 0
  for (;;) {
    const page = await a.must({ type: 'sync', room, after, limit: 10 })
    assert.equal(page.type, 'sync')
    assert.equal(page.room, room)
    pages += 1
    assert.ok(page.events.length <= 10)
    seqs.push(...page.events.map((e) => e.seq))
    assert.ok(
      page.events.every((e) => e.type === undefined && e.room === undefined),
      'sync events carry no type or room',
    )
    if (!page.more) {
      assert.equal(page.last_seq, last)
      break
    }
    assert.equal(page.events.length, 10, 'a page with more is full')
    after = page.events.at(-1).seq
    assert.ok(pages < 10, 'more never ends')
  }
  assert.deepEqual(seqs, range(1, last))
  assert.equal(pages, Math.ceil(last / 10))
  const empty = await a.must({ type: 'sync', room, after: last })
  assert.deepEqual(empty.events, [])
  assert.equal(empty.more, false)

  // A client with a small page size catches up from 0 by asking again while more is true.
  const b = await tabs.connect(alice, { syncLimit: 7 })
  assert.equal(b.last(room), last)
  const afters = range(0, Math.ceil(last / 7) - 1).map((k) => k * 7)
  assert.deepEqual(
    b.syncRequests.filter((r) => r.room === room).map((r) => r.after),
    afters,
  )
  assert.deepEqual(b.events(room).map(signature), a.events(room).map(signature))

  expectError(await a.command({ type: 'sync', room, after: 0, limit: 1001 }), 'invalid', 'sync limit 1001')
  expectError(await a.command({ type: 'sync', room, after: 0, limit: 0 }), 'invalid', 'sync limit 0')
  const max = await a.must({ type: 'sync', room, after: 0, limit: 1000 })
  assert.equal(max.events.length, last)
})

test('history pages newest first with before and limit: 50, 50, the rest; no overlap', async () => {
  const a = await tabs.connect(alice)
  const room = await channel(a)
  const base = a.last(room)
  const textOf = new Map()
  for (let i = 0; i < 4; i++) {
    const acks = await Promise.all(range(1, 30).map((j) => a.post(room, `history ${i * 30 + j}`)))
    for (const [j, ack] of acks.entries()) textOf.set(ack.seq, `history ${i * 30 + j + 1}`)
  }
  await a.waitForSeq(room, base + 120)
  // The timeline as sync tells it: everything but edits, deletions and reactions.
  const all = await a.must({ type: 'sync', room, after: 0, limit: 1000 })
  const timeline = all.events
    .filter((e) => !['edited', 'deleted', 'reaction'].includes(e.kind))
    .map((e) => e.seq)
    .reverse()
  assert.ok(timeline.length >= 121)

  const pages = []
  let before
  for (;;) {
    const frame = { type: 'history', room, limit: 50 }
    if (before !== undefined) frame.before = before
    const page = await a.must(frame)
    assert.equal(page.type, 'history')
    assert.equal(page.room, room)
    pages.push(page)
    if (!page.more) break
    before = page.items.at(-1).seq
    assert.ok(pages.length < 10)
  }
  assert.deepEqual(
    pages.map((p) => p.items.length),
    [50, 50, timeline.length - 100],
  )
  assert.deepEqual(
    pages.map((p) => p.more),
    [true, true, false],
  )
  const seqs = pages.flatMap((p) => p.items.map((i) => i.seq))
  assert.deepEqual(seqs, timeline, 'pages are newest first, contiguous, without overlap')
  for (const item of pages.flatMap((p) => p.items)) {
    if (textOf.has(item.seq)) {
      assert.equal(item.kind, 'message')
      assert.equal(item.text, textOf.get(item.seq))
    }
  }
  assert.equal(pages[2].items.at(-1).kind, 'created')
  assert.equal(pages[2].items.at(-1).seq, 1)

  const byDefault = await a.must({ type: 'history', room })
  assert.equal(byDefault.items.length, 50, 'the default page is 50')
  const hundred = await a.must({ type: 'history', room, limit: 100 })
  assert.equal(hundred.items.length, 100)
  assert.equal(hundred.more, true)
  const start = await a.must({ type: 'history', room, before: 1 })
  assert.deepEqual(start.items, [])
  assert.equal(start.more, false)
  expectError(await a.command({ type: 'history', room, limit: 101 }), 'invalid', 'history limit 101')
  expectError(await a.command({ type: 'history', room, limit: 0 }), 'invalid', 'history limit 0')
  const err = await a.command({ type: 'history', room, limit: 101 })
  assert.equal(err.field, 'limit')
})
