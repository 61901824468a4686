// Signing out closes the sockets opened with that sign-in (close code 4001), and nobody else's;
// a new display name shows up as a `user_renamed` event in the user's rooms.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH, Client } from './harness.mjs'
import { signUp, signUpAdminFirst, connect, Tabs, CHAT_ARGS } from './chat-client.mjs'

let server
let tabs
before(async () => {
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS])
  await signUpAdminFirst(server)
  tabs = new Tabs(server)
})
afterEach(async () => {
  await tabs.closeAll()
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

// A second sign-in of the same account, as another device would make.
async function secondDevice(who) {
  const http = new Client(server)
  const r = await http.call('POST', '/api/auth/login', {
    login: who.username,
    password: 'a long enough secret',
  })
  assert.equal(r.status, 200, r.text)
  return { ...who, cookie: http.cookieHeader(), http }
}

test('signing out closes that device’s sockets with 4001 and leaves the other device’s open', async () => {
  const ann = await signUp(server, 'ann')
  const laptop = await tabs.connect(ann)
  const phoneSignIn = await secondDevice(ann)
  const phone = await tabs.connect(phoneSignIn)
  const r = await ann.http.call('POST', '/api/auth/logout')
  assert.equal(r.status, 204)
  assert.equal((await laptop.closed).code, 4001)
  await phone.ping() // still served
  assert.equal(phone.closeInfo, null)
})

test('signing out everywhere closes every socket of the account, and only of that account', async () => {
  const ben = await signUp(server, 'ben')
  const cat = await signUp(server, 'cat')
  const a = await tabs.connect(ben)
  const b = await tabs.connect(await secondDevice(ben))
  const other = await tabs.connect(cat)
  const r = await ben.http.call('POST', '/api/auth/logout-all')
  assert.equal(r.status, 204)
  assert.equal((await a.closed).code, 4001)
  assert.equal((await b.closed).code, 4001)
  await other.ping()
  assert.equal(other.closeInfo, null)
  // The old cookie no longer opens a socket.
  await assert.rejects(connect(server, ben), /HTTP 401/)
})

test('revoking one session from the sessions page closes its sockets', async () => {
  const dan = await signUp(server, 'dan')
  const here = await tabs.connect(dan)
  const thereSignIn = await secondDevice(dan)
  const there = await tabs.connect(thereSignIn)
  const list = await dan.http.call('GET', '/api/me/sessions')
  const other = list.json.sessions.find((s) => !s.current)
  const r = await dan.http.call('DELETE', `/api/me/sessions/${other.id}`)
  assert.equal(r.status, 204)
  assert.equal((await there.closed).code, 4001)
  await here.ping()
  assert.equal(here.closeInfo, null)
})

test('a new display name is a user_renamed event in each of the user’s rooms, in the timeline', async () => {
  const eva = await signUp(server, 'eva')
  const fay = await signUp(server, 'fay')
  const e = await tabs.connect(eva)
  const f = await tabs.connect(fay)
  const room = (await e.must({ type: 'create_room', kind: 'private', name: 'pair', members: [fay.id] }))
    .room
  const since = f.mark()
  const r = await eva.http.call('PATCH', '/api/me', { display_name: 'Eva Green' })
  assert.equal(r.status, 200, r.text)
  const ev = await f.waitFor(
    (x) => x.type === 'event' && x.room === room && x.kind === 'user_renamed',
    since,
  )
  assert.equal(ev.user, eva.id)
  assert.equal(ev.display_name, 'Eva Green')
  const h = await f.must({ type: 'history', room, limit: 1 })
  assert.equal(h.items[0].kind, 'user_renamed')
  assert.equal(h.items[0].display_name, 'Eva Green')
  // The same name again is no event.
  const again = await eva.http.call('PATCH', '/api/me', { display_name: 'Eva Green' })
  assert.equal(again.status, 200)
  const last = (await f.must({ type: 'sync', room, after: 0 })).last_seq
  assert.equal(last, ev.seq)
})
