// Registration modes, invitations, the default channel, reports and the admin area
// (docs/api.md "Registration, invitations, reports and administration"), against the real binary:
// modes hold at the API, non-admins reach none of the admin routes, deactivation signs out.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH, Client } from './harness.mjs'
import { signUp, Tabs, CHAT_ARGS } from './chat-client.mjs'

let server
let tabs
let root, alice, bob
before(async () => {
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS])
  root = await signUp(server, 'root') // the first account: admin
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
  tabs = new Tabs(server)
})
afterEach(async () => {
  await tabs.closeAll()
  await root.http.call('PATCH', '/api/admin/settings', { registration: 'open' })
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

let counter = 0
const fresh = () => `user${++counter}x`

test('every new account joins #general, which the first account created', async () => {
  const r = await tabs.connect(root)
  const a = await tabs.connect(alice)
  const general = r.hello.rooms.find((x) => x.name === 'general')
  assert.ok(general, JSON.stringify(r.hello.rooms))
  assert.equal(general.kind, 'channel')
  assert.equal(general.role, 'admin')
  assert.ok(a.hello.rooms.some((x) => x.id === general.id && x.role === 'member'))
})

test('invite-only and closed registration hold at the API; invitations join their rooms', async () => {
  const a = await tabs.connect(alice)
  const room = (await a.must({ type: 'create_room', kind: 'private', name: 'design' })).room

  const set = await root.http.call('PATCH', '/api/admin/settings', { registration: 'invite' })
  assert.equal(set.status, 200)
  assert.equal(set.json.settings.registration, 'invite')
  const visitor = new Client(server)
  assert.equal((await visitor.session()).registration, 'invite')
  const refused = await visitor.call('POST', '/api/auth/register', { username: fresh(), password: 'a long enough secret' })
  assert.equal(refused.status, 403)
  assert.equal(refused.json.field, 'invite')

  // An invitation naming a room alice is not in is refused; one of hers works, twice.
  const notHers = await alice.http.call('POST', '/api/invites', { rooms: [room + 1000] })
  assert.equal(notHers.status, 404)
  const made = await alice.http.call('POST', '/api/invites', { rooms: [room], max_uses: 2, expires_hours: 2 })
  assert.equal(made.status, 201, made.text)
  const { code, url, uses, max_uses, rooms } = made.json.invite
  assert.equal(url, `/register?invite=${code}`)
  assert.deepEqual([uses, max_uses, rooms], [0, 2, [{ id: room, name: 'design' }]])
  const preview = await new Client(server).raw('GET', `/api/invites/${code}`)
  assert.equal(preview.status, 200)
  assert.equal(preview.json.invite.inviter.username, 'alice')

  const newcomer = new Client(server)
  const name = fresh()
  const joined = await newcomer.call('POST', '/api/auth/register', { username: name, password: 'a long enough secret', invite: code })
  assert.equal(joined.status, 201, joined.text)
  const n = await tabs.connect({ cookie: newcomer.cookieHeader() })
  assert.ok(n.hello.rooms.some((x) => x.id === room), 'the invitation’s room')
  assert.ok(n.hello.rooms.some((x) => x.name === 'general'), 'the default channel')

  // A taken username does not burn a use; the second use works; a third is refused.
  const clash = await new Client(server).call('POST', '/api/auth/register', { username: name, password: 'a long enough secret', invite: code })
  assert.equal(clash.status, 409)
  await new Client(server).register(fresh(), 'a long enough secret', { invite: code })
  const usedUp = await new Client(server).call('POST', '/api/auth/register', { username: fresh(), password: 'a long enough secret', invite: code })
  assert.equal(usedUp.status, 403)
  assert.equal((await new Client(server).raw('GET', `/api/invites/${code}`)).status, 404)

  // Closed: nobody, invitation or not; non-admins cannot make invitations.
  const another = (await root.http.call('POST', '/api/invites', {})).json.invite.code
  await root.http.call('PATCH', '/api/admin/settings', { registration: 'closed' })
  const closed = await new Client(server).call('POST', '/api/auth/register', { username: fresh(), password: 'a long enough secret', invite: another })
  assert.equal(closed.status, 403)
  assert.equal((await bob.http.call('POST', '/api/invites', {})).status, 403)

  // Revoked invitations stop working.
  await root.http.call('PATCH', '/api/admin/settings', { registration: 'invite' })
  assert.equal((await bob.http.call('DELETE', `/api/invites/${another}`)).status, 404, 'not bob’s')
  assert.equal((await root.http.call('DELETE', `/api/invites/${another}`)).status, 204)
  const revoked = await new Client(server).call('POST', '/api/auth/register', { username: fresh(), password: 'a long enough secret', invite: another })
  assert.equal(revoked.status, 403)
})

test('the first account may always register, even when registration starts closed', async () => {
  const own = await startServer([...FAST_AUTH, '--registration', 'closed'])
  try {
    const first = await new Client(own).call('POST', '/api/auth/register', { username: 'owner', password: 'a long enough secret' })
    assert.equal(first.status, 201)
    assert.equal(first.json.user.is_admin, true)
    const second = await new Client(own).call('POST', '/api/auth/register', { username: 'later', password: 'a long enough secret' })
    assert.equal(second.status, 403)
  } finally {
    await own.stop()
  }
})

test('non-admins and signed-out visitors reach none of the admin routes', async () => {
  const routes = [
    ['GET', '/api/admin/users'],
    ['PATCH', `/api/admin/users/${bob.id}`, { is_admin: true }],
    ['POST', `/api/admin/users/${root.id}/logout`],
    ['GET', '/api/admin/rooms'],
    ['POST', '/api/admin/rooms/1/owner', { user: alice.id }],
    ['GET', '/api/admin/settings'],
    ['PATCH', '/api/admin/settings', { registration: 'closed' }],
    ['POST', '/api/admin/notice', { text: 'pwned' }],
    ['DELETE', '/api/admin/notice'],
    ['GET', '/api/admin/reports'],
    ['PATCH', '/api/admin/reports/1', { resolved: true }],
    ['GET', '/api/admin/health'],
    ['DELETE', '/api/admin/rooms/1'],
    ['GET', '/api/admin/groups'],
    ['DELETE', '/api/admin/groups/1'],
  ]
  const anonymous = new Client(server)
  for (const [method, path, body] of routes) {
    const r = await alice.http.call(method, path, body)
    assert.equal(r.status, 403, `${method} ${path} as a non-admin: ${r.text}`)
    assert.equal(r.json.error, 'forbidden')
    assert.equal((await anonymous.call(method, path, body)).status, 401, `${method} ${path} signed out`)
  }
  const me = await bob.http.call('GET', '/api/me')
  assert.equal(me.json.user.is_admin, false, 'nothing changed')
  assert.equal((await root.http.call('GET', '/api/admin/settings')).json.settings.registration, 'open')
})

test('admins list, promote and deactivate accounts; a deactivated one is signed out everywhere', async () => {
  const found = await root.http.call('GET', '/api/admin/users?query=ALI&limit=5')
  assert.equal(found.status, 200)
  assert.deepEqual(found.json.users.map((u) => u.username), ['alice'])
  assert.equal(found.json.total, 1)
  assert.equal(found.json.users[0].deactivated, false)

  const self = await root.http.call('PATCH', `/api/admin/users/${root.id}`, { deactivated: true })
  assert.equal(self.status, 409)
  const last = await root.http.call('PATCH', `/api/admin/users/${root.id}`, { is_admin: false })
  assert.equal(last.status, 409, 'one active admin remains')

  const victim = await signUp(server, fresh())
  const socket = await tabs.connect(victim)
  const off = await root.http.call('PATCH', `/api/admin/users/${victim.id}`, { deactivated: true })
  assert.equal(off.status, 200)
  assert.equal(off.json.user.deactivated, true)
  const closed = await socket.closed
  assert.equal(closed.code, 4001)
  assert.equal((await victim.http.call('GET', '/api/me')).status, 401)
  const login = await new Client(server).call('POST', '/api/auth/login', { login: victim.username, password: 'a long enough secret' })
  assert.equal(login.status, 403)
  await root.http.call('PATCH', `/api/admin/users/${victim.id}`, { deactivated: false })
  const again = new Client(server)
  const back = await again.call('POST', '/api/auth/login', { login: victim.username, password: 'a long enough secret' })
  assert.equal(back.status, 200)

  const s2 = await tabs.connect({ cookie: again.cookieHeader() })
  assert.equal((await root.http.call('POST', `/api/admin/users/${victim.id}/logout`)).status, 204)
  assert.equal((await s2.closed).code, 4001)
})

test('reports reach the admins; rooms list and ownership; health', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = (await a.must({ type: 'create_room', kind: 'private', name: 'quiet', members: [bob.id] })).room
  const secret = (await a.must({ type: 'create_room', kind: 'private', name: 'alone' })).room
  const posted = await a.post(room, 'something rude')
  const hidden = await a.post(secret, 'not for bob')

  const report = await bob.http.call('POST', '/api/reports', { message: posted.id, reason: 'rude' })
  assert.equal(report.status, 201, report.text)
  assert.equal(report.json.report.message.text, 'something rude')
  assert.equal((await bob.http.call('POST', '/api/reports', { message: posted.id, reason: 'again' })).status, 409)
  assert.equal((await bob.http.call('POST', '/api/reports', { message: hidden.id, reason: 'x' })).status, 404)
  assert.equal((await bob.http.call('POST', '/api/reports', { message: posted.id, reason: '' })).status, 400)

  const open = await root.http.call('GET', '/api/admin/reports')
  const mine = open.json.reports.find((r) => r.id === report.json.report.id)
  assert.equal(mine.reporter.username, 'bob')
  assert.equal(mine.message.room_name, 'quiet')
  const resolved = await root.http.call('PATCH', `/api/admin/reports/${mine.id}`, { resolved: true })
  assert.notEqual(resolved.json.report.resolved_at, null)
  assert.ok(!(await root.http.call('GET', '/api/admin/reports')).json.reports.some((r) => r.id === mine.id))
  assert.ok((await root.http.call('GET', '/api/admin/reports?resolved=true')).json.reports.some((r) => r.id === mine.id))

  await a.must({ type: 'direct', user: bob.id })
  const rooms = (await root.http.call('GET', '/api/admin/rooms')).json.rooms
  assert.ok(rooms.every((r) => r.kind !== 'direct'))
  const quiet = rooms.find((r) => r.id === room)
  assert.deepEqual([quiet.members, quiet.messages, quiet.admins.map((u) => u.username)], [2, 1, ['alice']])
  assert.equal((await root.http.call('POST', `/api/admin/rooms/${room}/owner`, { user: bob.id })).status, 204)
  const members = await b.must({ type: 'members', room })
  assert.equal(members.members.find((m) => m.id === bob.id).role, 'admin')

  const health = (await root.http.call('GET', '/api/admin/health')).json
  assert.ok(health.connections >= 2 && health.users_online >= 2, JSON.stringify(health))
  assert.ok(health.messages_last_hour >= 2 && health.users >= 3 && health.database_bytes > 0)
})

test('a notice reaches every open socket and every later one, until it is cleared', async () => {
  const a = await tabs.connect(alice)
  const posted = await root.http.call('POST', '/api/admin/notice', { text: 'Maintenance at 18:00' })
  assert.equal(posted.status, 204)
  const live = await a.waitFor((f) => f.type === 'notice')
  assert.equal(live.text, 'Maintenance at 18:00')
  const later = await tabs.connect(bob)
  const kept = await later.waitFor((f) => f.type === 'notice')
  assert.equal(kept.text, 'Maintenance at 18:00')
  assert.equal((await root.http.call('POST', '/api/admin/notice', { text: '' })).status, 400)
  await root.http.call('DELETE', '/api/admin/notice')
  const cleared = await a.waitFor((f) => f.type === 'notice' && f.text === null)
  assert.equal(cleared.at, null)
})

test('an admin deletes a room (its members are told, it is gone everywhere) and a group', async () => {
  const a = await tabs.connect(alice)
  const b = await tabs.connect(bob)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'doomed-room' })).room
  await b.must({ type: 'join', room })
  await a.post(room, 'soon gone')
  assert.equal((await root.http.call('DELETE', `/api/admin/rooms/${room}`)).status, 204)
  const removed = await b.waitFor((f) => f.type === 'event' && f.room === room && f.kind === 'removed' && f.target === bob.id)
  assert.equal(removed.user, root.id)
  assert.ok(!(await b.must({ type: 'rooms' })).rooms.some((x) => x.id === room))
  const dir = await b.must({ type: 'directory', query: 'doomed' })
  assert.deepEqual(dir.rooms, [])
  const join = await b.command({ type: 'join', room })
  assert.equal(join.code, 'not_found')
  assert.equal((await b.command({ type: 'search', query: 'gone', room })).code, 'not_found')
  assert.equal((await b.command({ type: 'history', room })).code, 'not_found')
  assert.ok(!(await root.http.call('GET', '/api/admin/rooms?query=doomed')).json.rooms.length)
  assert.equal((await root.http.call('DELETE', `/api/admin/rooms/${room}`)).status, 404)

  const group = (await a.must({ type: 'create_group', name: 'Doomed team' })).group
  const inGroup = (await a.must({ type: 'create_room', kind: 'channel', name: 'team-room', group })).room
  const listed = (await root.http.call('GET', '/api/admin/groups?query=doomed')).json.groups
  assert.deepEqual(listed.map((g) => [g.id, g.name, g.members, g.rooms, g.admins.map((u) => u.username)]), [
    [group, 'Doomed team', 1, 1, ['alice']],
  ])
  assert.equal((await root.http.call('DELETE', `/api/admin/groups/${group}`)).status, 204)
  assert.deepEqual((await root.http.call('GET', '/api/admin/groups?query=doomed')).json.groups, [])
  const kept = (await a.must({ type: 'rooms' })).rooms.find((x) => x.id === inGroup)
  assert.equal(kept.kind, 'private', 'its channels became private rooms of their members')
})
