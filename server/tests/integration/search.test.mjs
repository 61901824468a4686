// Message search over the WebSocket (docs/protocol.md "search"): words and CJK substrings, only in
// rooms the caller may read, following edits and deletions, paging, filters, bad queries, and an
// acknowledged message found after a SIGKILL (the index is written in the post's transaction).
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH, sql, STORE } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, connect, CHAT_ARGS } from './chat-client.mjs'

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

const ids = (answer) => answer.items.map((i) => i.id)
let counter = 0
const name = () => `search-${++counter}`

test('words and CJK substrings are found, newest first, as history items with their room', async () => {
  const a = await tabs.connect(alice)
  const room = (await a.must({ type: 'create_room', kind: 'private', name: name() })).room
  const first = await a.post(room, 'Deploy on Friday night, ok?')
  const second = await a.post(room, '明日は東京タワーへ行きます')
  const third = await a.post(room, 'the deployment went fine')

  const deploy = await a.must({ type: 'search', query: 'DEPLOY' })
  assert.deepEqual(ids(deploy), [third.id, first.id])
  assert.deepEqual(deploy.terms, ['DEPLOY'])
  const item = deploy.items[1]
  assert.equal(item.room, room)
  assert.equal(item.kind, 'message')
  assert.equal(item.seq, first.seq)
  assert.equal(item.text, 'Deploy on Friday night, ok?')
  assert.equal(item.username, 'alice')
  assert.equal(item.deleted, false)
  assert.equal(deploy.more, false)
  assert.equal(deploy.next, null)
  assert.equal(deploy.partial, false)

  assert.deepEqual(ids(await a.must({ type: 'search', query: '京タワ' })), [second.id])
  assert.deepEqual(ids(await a.must({ type: 'search', query: '東京' })), [second.id])
  const phrase = await a.must({ type: 'search', query: '"friday night" ok' })
  assert.deepEqual(phrase.terms, ['friday night', 'ok'])
  assert.deepEqual(ids(phrase), [first.id])
  assert.deepEqual(ids(await a.must({ type: 'search', query: 'deploy fine' })), [third.id])
  assert.deepEqual(ids(await a.must({ type: 'search', query: 'nowhere' })), [])
})

test('only rooms the caller may read: not others’ private rooms, not after removal', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const word = `zebra${Date.now()}`
  const secret = (await a.must({ type: 'create_room', kind: 'private', name: name(), members: [bob.id] })).room
  const open = (await a.must({ type: 'create_room', kind: 'channel', name: name() })).room
  const inSecret = await a.post(secret, `${word} in the private room`)
  const inOpen = await a.post(open, `${word} in the channel`)

  assert.deepEqual(ids(await b.must({ type: 'search', query: word })), [inSecret.id])
  assert.deepEqual(ids(await c.must({ type: 'search', query: word })), [], 'carol is in neither room')
  // A channel carol has not joined: searched only when she names it.
  assert.deepEqual(ids(await c.must({ type: 'search', query: word, room: open })), [inOpen.id])
  const refused = await c.command({ type: 'search', query: word, room: secret })
  assert.equal(refused.type, 'error')
  assert.equal(refused.code, 'not_found')
  const nowhere = await c.command({ type: 'search', query: word, room: 999999 })
  assert.deepEqual({ ...nowhere, message: '' }, { ...refused, cid: nowhere.cid, message: '' }, 'same answer as no room')

  await a.must({ type: 'remove', room: secret, user: bob.id })
  assert.deepEqual(ids(await b.must({ type: 'search', query: word })), [], 'removed from the room')
})

test('edits and deletions change what is found at once', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = (await a.must({ type: 'create_room', kind: 'private', name: name(), members: [bob.id] })).room
  const p = await a.post(room, 'lunch at the harbour')
  await a.must({ type: 'edit', id: p.id, text: 'dinner at the harbour' })
  assert.deepEqual(ids(await b.must({ type: 'search', query: 'lunch' })), [])
  const dinner = await b.must({ type: 'search', query: 'dinner', room })
  assert.deepEqual(ids(dinner), [p.id])
  assert.equal(dinner.items[0].text, 'dinner at the harbour')
  assert.notEqual(dinner.items[0].edited_at, null)
  await a.must({ type: 'delete', id: p.id })
  assert.deepEqual(ids(await b.must({ type: 'search', query: 'harbour' })), [])
  assert.deepEqual(ids(await b.must({ type: 'search', query: 'dinner' })), [])
})

test('pages with a cursor, filters by sender and date; bad queries get an error', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = (await a.must({ type: 'create_room', kind: 'private', name: name(), members: [bob.id] })).room
  const word = `walrus${Date.now()}`
  const posted = []
  for (let i = 0; i < 23; i++) posted.unshift((await (i % 3 ? a : b).post(room, `${word} ${i}`)).id)
  const seen = []
  let cursor
  for (;;) {
    const page = await b.must({ type: 'search', query: word, limit: 10, ...(cursor ? { cursor } : {}) })
    seen.push(...ids(page))
    if (!page.more) break
    cursor = page.next
  }
  assert.deepEqual(seen, posted)
  assert.equal((await a.must({ type: 'search', query: word, from: bob.id })).items.length, 8)
  const newest = (await a.must({ type: 'search', query: word, limit: 1 })).items[0]
  const recent = await a.must({ type: 'search', query: word, after: newest.at })
  assert.equal(recent.items[0].id, posted[0])
  assert.ok(recent.items.every((i) => i.at >= newest.at))
  assert.deepEqual(ids(await a.must({ type: 'search', query: word, before: 1000 })), [])

  for (const [frame, field] of [
    [{ type: 'search', query: '   ' }, 'query'],
    [{ type: 'search', query: 'x'.repeat(201) }, 'query'],
    [{ type: 'search', query: 'a b c d e f g h i' }, 'query'],
    [{ type: 'search', query: 'x', after: 10, before: 5 }, 'after'],
    [{ type: 'search', query: 'x', limit: 0 }, 'limit'],
    [{ type: 'search', query: 7 }, 'query'],
    [{ type: 'search', query: 'x', cursor: -1 }, 'cursor'],
  ]) {
    const ans = await a.command(frame)
    assert.equal(ans.type, 'error', JSON.stringify(frame))
    assert.equal(ans.code, 'invalid', JSON.stringify(ans))
    assert.equal(ans.field, field, JSON.stringify(ans))
  }
  await a.ping() // the socket stayed open
})

test('an acknowledged message is found after the server is killed (index in the same transaction)', async () => {
  const first = await startServer([...FAST_AUTH, ...CHAT_ARGS])
  let second = null
  try {
    await signUpAdminFirst(first)
    const dora = await signUp(first, 'dora')
    const d = await connect(first, dora)
    const room = (await d.must({ type: 'create_room', kind: 'private', name: 'kept' })).room
    const word = `quokka${Date.now()}`
    const acked = await d.post(room, `${word} survives`)
    first.expectExit()
    first.proc.kill('SIGKILL')
    await first.exited
    second = await startServer([...FAST_AUTH, ...CHAT_ARGS], { dataDir: first.dataDir })
    const d2 = await connect(second, dora)
    assert.deepEqual(ids(await d2.must({ type: 'search', query: word })), [acked.id])
    // SQLite: the FTS5 table; PostgreSQL: the trigram index is part of the table, so the same query.
    const grams =
      STORE === 'postgres'
        ? "SELECT count(*) AS n FROM messages WHERE text ILIKE '%quokka%'"
        : "SELECT count(*) AS n FROM message_grams WHERE message_grams MATCH 'quokka'"
    const [{ n }] = JSON.parse(sql(second, grams))
    assert.equal(n, 1)
    await d2.close()
  } finally {
    if (second) await second.stop()
  }
})
