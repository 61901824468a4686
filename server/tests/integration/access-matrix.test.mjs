// The access matrix (issue 14): a non-member, a removed member and a guest, against every client
// command of docs/protocol-examples/client-commands.json that names a room, a message or a group,
// for a private room, a direct room and a group's channel (and a message in each): nothing is
// allowed, nothing is learned (the answer is the one for an object that does not exist), nothing
// changes in the database. A signed-out client gets no socket and 401 from every account route;
// another user's file is a 404 like a file that does not exist.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import WebSocket from 'ws'
import { startServer, FAST_AUTH, Client } from './harness.mjs'
import { signUp, signUpAdminFirst, connect, chatDump, newCid, CHAT_ARGS, ChatClient, shape } from './chat-client.mjs'

const EXAMPLES = JSON.parse(
  readFileSync(new URL('../../../docs/protocol-examples/client-commands.json', import.meta.url), 'utf8'),
)
const NONE = { room: 987654, id: 987654321, group: 98765 }

let server
let alice, bob, carol, eve
const targets = {} // name -> {room, id, group}
let fileId
before(async () => {
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS, '--guest-signin'])
  await signUpAdminFirst(server)
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
  carol = await signUp(server, 'carol')
  eve = await signUp(server, 'eve')
  const a = await connect(server, alice)
  const priv = (await a.must({ type: 'create_room', kind: 'private', name: 'inner', members: [bob.id] })).room
  const direct = (await a.must({ type: 'direct', user: carol.id })).room
  const group = (await a.must({ type: 'create_group', name: 'Secret society' })).group
  const gchan = (await a.must({ type: 'create_room', kind: 'channel', name: 'society-hall', group })).room
  // A file in the private room, posted there.
  const up = await alice.http.call('POST', '/api/uploads', { room: priv, name: 'plans.txt', size: 5 })
  assert.equal(up.status, 201, up.text)
  const put = await alice.http.call('PUT', `/api/uploads/${up.json.upload.id}`, new Uint8Array(Buffer.from('plans')), {
    headers: { 'upload-offset': '0', 'content-type': 'application/octet-stream' },
  })
  assert.equal(put.status, 201, put.text)
  fileId = put.json.file.id
  const mPriv = await a.post(priv, 'inner talk', { files: [fileId] })
  const mDirect = await a.post(direct, 'just us')
  const mGroup = await a.post(gchan, 'society business')
  targets.private = { room: priv, id: mPriv.id, group }
  targets.direct = { room: direct, id: mDirect.id, group }
  targets['group channel'] = { room: gchan, id: mGroup.id, group }
  await a.must({ type: 'remove', room: priv, user: bob.id }) // bob: a removed member
  await a.close()
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

// The example frame aimed at `t` (its room, message, group); nothing else that could fail first.
function aimed(example, t, self) {
  const f = { ...example, cid: newCid('m') }
  delete f.files
  delete f.reply_to
  if ('room' in f) f.room = t.room
  if ('id' in f) f.id = t.id
  if ('group' in f) f.group = t.group
  if ('user' in f) f.user = self // the caller themself: never the reason for a refusal
  if (f.type === 'create_room') f.kind = 'channel' // in the group: a group channel
  return f
}

const naming = EXAMPLES.filter((f) => ['room', 'id', 'group'].some((k) => k in f))

async function guest() {
  const http = new Client(server)
  const r = await http.call('POST', '/api/auth/guest')
  assert.equal(r.status, 201, r.text)
  return { id: r.json.user.id, cookie: http.cookieHeader(), http }
}

for (const who of ['a non-member', 'a removed member', 'a guest']) {
  test(`${who} can do nothing and learn nothing in rooms, messages and groups not theirs`, async () => {
    const actor = who === 'a non-member' ? eve : who === 'a removed member' ? bob : await guest()
    const c = await ChatClient.connect(server, actor.cookie)
    const before = chatDump(server)
    assert.ok(naming.length >= 20, 'the examples name every command')
    for (const example of naming) {
      const missing = await c.command(aimed(example, NONE, actor.id))
      assert.equal(missing.type, 'error', `${example.type} on nothing: ${JSON.stringify(missing)}`)
      for (const [name, t] of Object.entries(targets)) {
        const f = aimed(example, t, actor.id)
        const ans = await c.command(f)
        assert.deepEqual(
          shape(ans),
          shape(missing),
          `${who}: ${example.type} on the ${name}: ${JSON.stringify(ans)} (for nothing: ${JSON.stringify(missing)})`,
        )
      }
    }
    // Nothing of those rooms reached the socket either.
    const rooms = new Set(Object.values(targets).map((t) => t.room))
    const leaked = c.frames.filter((f) => rooms.has(f.room) && f.type !== 'error')
    assert.deepEqual(leaked, [])
    assert.equal(chatDump(server), before, 'nothing changed')
    // Their file is a 404 like a file that does not exist.
    const http = actor.http
    const file = await http.raw('GET', `/api/files/${fileId}`)
    const nofile = await http.raw('GET', `/api/files/${fileId + 1000}`)
    assert.equal(file.status, 404)
    assert.deepEqual(file.json, nofile.json)
    await c.close()
  })
}

test('a signed-out client gets no socket, and 401 from every route that needs a session', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { origin: server.origin } })
  const status = await new Promise((resolve) => {
    ws.on('unexpected-response', (req, res) => resolve(res.statusCode))
    ws.on('open', () => resolve('open'))
  })
  assert.equal(status, 401)
  const anon = new Client(server)
  await anon.session() // a CSRF token, so that 401 is about the session and not the token
  const routes = [
    ['GET', '/api/me'],
    ['PATCH', '/api/me', { display_name: 'x' }],
    ['PATCH', '/api/me/settings', { theme: 'dark' }],
    ['PUT', '/api/me/email', { email: 'x@example.org', password: 'whatever it is' }],
    ['PUT', '/api/me/password', { password: 'whatever it is', new_password: 'another long one' }],
    ['GET', '/api/me/sessions'],
    ['DELETE', '/api/me/sessions/1'],
    ['POST', '/api/auth/logout-all'],
    ['POST', '/api/me/avatar', 'x'],
    ['POST', '/api/uploads', { room: targets.private.room, name: 'x', size: 1 }],
    ['GET', `/api/files/${fileId}`],
  ]
  for (const [method, path, body] of routes) {
    const r = await anon.call(method, path, body)
    assert.equal(r.status, 401, `${method} ${path}: ${r.status} ${r.text}`)
  }
})
