// Who may see and do what (docs/protocol.md): rooms one is not a member of are indistinguishable
// from rooms that do not exist, except public channels; a removed member hears nothing more.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH, dump } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, findRoom, chatDump, CHAT_ARGS, shape } from './chat-client.mjs'

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

const NO_ROOM = 987654
const NO_MESSAGE = 987654321

// The answer to a command with a cid. `typing` is answered by nothing when it works, so for it the
// answer is whatever came with its cid before the pong of a ping sent right after it.
async function outcome(client, frame) {
  if (frame.type !== 'typing') return client.command(frame)
  const cid = `typing-${Math.random().toString(36).slice(2)}`
  const mark = client.mark()
  client.send({ ...frame, cid })
  await client.ping()
  const answers = client.framesSince(mark).filter((f) => f.type !== 'pong')
  if (answers.length !== 1) return { type: 'none', frames: answers }
  if (answers[0].cid !== cid) return { ...answers[0], problem: `no cid ${cid} in the error` }
  return answers[0]
}

test('a non-member gets not_found for a private or direct room, exactly as for a room that does not exist', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const priv = (
    await a.must({ type: 'create_room', kind: 'private', name: 'secret-plans', members: [bob.id] })
  ).room
  const direct = (await a.must({ type: 'direct', user: bob.id })).room
  const inPriv = await a.post(priv, 'the private plan')
  const inDirect = await b.post(direct, 'between us')
  await b.requestSync(priv)
  await b.waitForSeq(priv, inPriv.seq)
  await a.waitForSeq(direct, inDirect.seq)
  const before = dump(server)
  const mark = a.mark()

  const roomCommands = (room) => [
    { type: 'post', room, text: 'let me in' },
    { type: 'history', room },
    { type: 'sync', room, after: 0 },
    { type: 'members', room },
    { type: 'typing', room },
    { type: 'read', room, seq: 1 },
    { type: 'received', room, seq: 1 },
    { type: 'invite', room, user: dave.id },
    { type: 'leave', room },
    { type: 'update_room', room, name: 'mine now' },
    { type: 'remove', room, user: bob.id },
    { type: 'room_settings', room, muted: true },
    { type: 'join', room },
  ]
  const messageCommands = (id) => [
    { type: 'edit', id, text: 'changed by carol' },
    { type: 'delete', id },
    { type: 'react', id, emoji: '👎' },
    { type: 'thread', id },
    { type: 'edits', id },
  ]
  const failures = []
  for (const [room, id] of [
    [priv, inPriv.id],
    [direct, inDirect.id],
  ]) {
    const real = [...roomCommands(room), ...messageCommands(id)]
    const none = [...roomCommands(NO_ROOM), ...messageCommands(NO_MESSAGE)]
    for (const [i, frame] of real.entries()) {
      const got = await outcome(c, frame)
      const missing = await outcome(c, none[i])
      let problem = null
      if (got?.type !== 'error' || got.code !== 'not_found') problem = 'expected a not_found error'
      else if (got.problem) problem = got.problem
      else if (JSON.stringify(shape(got)) !== JSON.stringify(shape(missing)))
        problem = 'differs from the answer for a missing one'
      if (problem)
        failures.push(
          `${JSON.stringify(frame)}: ${problem}\n    got ${JSON.stringify(got)}\n    missing ${JSON.stringify(missing)}`,
        )
    }
  }
  // Nothing was stored, and the members heard nothing: bob's typing is the first typing alice gets.
  await c.ping()
  assert.equal(dump(server), before, 'a refused command changed the database')
  b.send({ type: 'typing', room: priv })
  const typing = await a.waitFor((f) => f.type === 'typing', mark)
  assert.equal(typing.user, bob.id)
  assert.deepEqual(
    a.framesSince(mark).filter((f) => f.type === 'event'),
    [],
  )
  assert.equal(findRoom(await c.must({ type: 'rooms' }), priv), undefined)
  assert.equal(findRoom(await c.must({ type: 'rooms' }), direct), undefined)
  assert.equal((await c.must({ type: 'users', query: 'bob' })).users.length, 1, 'people stay findable')
  assert.deepEqual(failures, [], `\n${failures.join('\n')}`)
})

test('anyone may read a public channel, only members may write in it', async () => {
  const a = await tabs.connect(alice)
  const c = await tabs.connect(carol)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'town-square' })).room
  const m = await a.post(room, 'open to all')
  const h = await c.must({ type: 'history', room })
  assert.ok(h.items.some((i) => i.id === m.id && i.text === 'open to all'))
  const s = await c.must({ type: 'sync', room, after: 0 })
  assert.ok(s.events.some((e) => e.id === m.id))
  const before = chatDump(server)
  for (const frame of [
    { type: 'post', room, text: 'not a member yet' },
    { type: 'edit', id: m.id, text: 'hijacked' },
    { type: 'delete', id: m.id },
    { type: 'react', id: m.id, emoji: '👍' },
    { type: 'update_room', room, name: 'carols' },
    { type: 'invite', room, user: dave.id },
  ]) {
    const ans = await c.command(frame)
    assert.equal(ans.type, 'error', `${JSON.stringify(frame)} -> ${JSON.stringify(ans)}`)
    assert.ok(['forbidden', 'not_found'].includes(ans.code), JSON.stringify(ans))
  }
  assert.equal(chatDump(server), before)
  await c.must({ type: 'join', room })
  const p = await c.post(room, 'now I am in')
  await a.waitFor((f) => f.type === 'event' && f.seq === p.seq && f.room === room)
})

test('a removed member gets removed, then nothing more from the room, and cannot post', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const c = await tabs.connect(carol)
  const priv = (
    await a.must({ type: 'create_room', kind: 'private', name: 'inner-circle', members: [bob.id, carol.id] })
  ).room
  const shared = (await a.must({ type: 'create_room', kind: 'channel', name: 'outer-circle' })).room
  for (const x of [b, c]) await x.requestSync(priv)
  const j = await b.must({ type: 'join', room: shared })
  await b.requestSync(shared)
  await b.waitForSeq(shared, j.seq)
  const hello = await a.post(priv, 'hello circle')
  await b.waitForSeq(priv, hello.seq)

  const rm = await a.must({ type: 'remove', room: priv, user: bob.id })
  const removed = await b.waitFor((f) => f.type === 'event' && f.room === priv && f.kind === 'removed')
  assert.equal(removed.seq, rm.seq)
  assert.equal(removed.target, bob.id)
  const mark = b.mark()

  // Life goes on in the room: typing, a message, an edit, a reaction, an invite.
  a.send({ type: 'typing', room: priv })
  await c.waitFor((f) => f.type === 'typing' && f.room === priv && f.user === alice.id)
  const after = await a.post(priv, 'now that bob is gone')
  await a.must({ type: 'edit', id: hello.id, text: 'hello inner circle' })
  await a.must({ type: 'react', id: after.id, emoji: '🤫' })
  const inv = await a.must({ type: 'invite', room: priv, user: dave.id })
  await c.waitForSeq(priv, inv.seq)
  // Then something bob does get, later than all of that, and a round trip on bob's own socket.
  const later = await a.post(shared, 'bob, over here')
  await b.waitFor((f) => f.type === 'event' && f.room === shared && f.seq === later.seq)
  await b.ping()
  const leaked = b.framesSince(mark).filter((f) => f.room === priv)
  assert.deepEqual(leaked, [], 'a removed member still hears the room')

  const refused = await b.command({ type: 'post', room: priv, text: 'let me back in' })
  assert.equal(refused.type, 'error')
  assert.equal(refused.code, 'not_found')
  assert.equal((await b.command({ type: 'history', room: priv })).code, 'not_found')
  assert.equal((await b.command({ type: 'sync', room: priv, after: 0 })).code, 'not_found')
  assert.equal(findRoom(await b.must({ type: 'rooms' }), priv), undefined)
  assert.ok(!dump(server).includes('let me back in'))

  // A reconnect does not bring the room back either.
  await b.close()
  const b2 = await tabs.connect(bob)
  assert.equal(
    b2.hello.rooms.find((r) => r.id === priv),
    undefined,
  )
  assert.ok(b2.hello.rooms.find((r) => r.id === shared))
})
