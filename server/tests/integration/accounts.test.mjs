// Accounts against the real binary: register, confirm by e-mail (a real SMTP server on loopback),
// sign in and out, reset a password, sessions, profile, settings, and every way of getting it wrong.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import WebSocket from 'ws'
import { startServer, startSmtp, Client, FAST_AUTH, sql, dump } from './harness.mjs'

let server
let smtp
before(async () => {
  smtp = await startSmtp()
  server = await startServer([...FAST_AUTH, '--smtp-url', smtp.url, '--max-body-bytes', '16384'])
})
after(async () => {
  const { code } = await server.stop()
  await smtp.close()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

function linkToken(message, path) {
  // Quoted-printable is not used (8bit), so the link is on one line as sent.
  const m = message.data.match(new RegExp(`/${path}\\?token=([A-Za-z0-9_-]+)`))
  assert.ok(m, `no ${path} link in:\n${message.data}`)
  return m[1]
}

test('register, confirm the e-mail, sign out and in, forget and reset the password', async () => {
  const browser = new Client(server)
  const anon = await browser.session()
  assert.equal(anon.user, null)

  const user = await browser.register('Carol', 'first secret words', { email: 'carol@example.org' })
  assert.equal(user.username, 'Carol')
  assert.equal(user.email_confirmed, false)

  const confirmation = await smtp.next('carol@example.org', /confirm-email\?token=/)
  const confirmed = await browser.call('POST', '/api/auth/confirm-email', { token: linkToken(confirmation, 'confirm-email') })
  assert.equal(confirmed.status, 200)
  assert.equal(confirmed.json.user.email_confirmed, true)

  assert.equal((await browser.call('POST', '/api/auth/logout')).status, 204)
  assert.equal((await browser.session()).user, null)

  const byEmail = await browser.call('POST', '/api/auth/login', { login: 'CAROL@example.org', password: 'first secret words' })
  assert.equal(byEmail.status, 200)
  assert.equal((await browser.session()).user.username, 'Carol')
  await browser.call('POST', '/api/auth/logout')

  const forgot = await browser.call('POST', '/api/auth/forgot-password', { login: 'carol' })
  assert.equal(forgot.status, 202)
  const reset = await smtp.next('carol@example.org', /reset-password\?token=/)
  const token = linkToken(reset, 'reset-password')
  const done = await browser.call('POST', '/api/auth/reset-password', { token, password: 'second secret words' })
  assert.equal(done.status, 204)

  const reused = await browser.call('POST', '/api/auth/reset-password', { token, password: 'third secret words' })
  assert.equal(reused.status, 404)
  assert.equal(reused.json.field, 'token')

  const old = await browser.call('POST', '/api/auth/login', { login: 'carol', password: 'first secret words' })
  assert.equal(old.status, 400)
  const fresh = await browser.call('POST', '/api/auth/login', { login: 'carol', password: 'second secret words' })
  assert.equal(fresh.status, 200)
})

test('a password reset signs out every device', async () => {
  const phone = new Client(server)
  await phone.register('dave', 'daves secret words', { email: 'dave@example.org' })
  await smtp.next('dave@example.org', /confirm-email/)
  const laptop = new Client(server)
  await laptop.call('POST', '/api/auth/forgot-password', { login: 'dave@example.org' })
  const token = linkToken(await smtp.next('dave@example.org', /reset-password/), 'reset-password')
  await laptop.call('POST', '/api/auth/reset-password', { token, password: 'daves new secret' })
  assert.equal((await phone.session()).user, null)
})

test('the first account is the admin, later ones are not', async () => {
  await new Client(server).register('admin-check-a', 'a secret for the check')
  await new Client(server).register('admin-check-b', 'a secret for the check')
  const rows = JSON.parse(sql(server, 'SELECT username, CASE WHEN is_admin THEN 1 ELSE 0 END AS is_admin FROM users ORDER BY id'))
  assert.equal(rows[0].is_admin, 1)
  assert.ok(rows.slice(1).every((r) => r.is_admin === 0))
})

test('passwords are stored as Argon2id, tokens only as hashes, and no token reaches the log', async () => {
  const browser = new Client(server)
  await browser.register('erin', 'erins secret words', { email: 'erin@example.org' })
  const mail = await smtp.next('erin@example.org', /confirm-email/)
  const emailToken = linkToken(mail, 'confirm-email')
  const sessionToken = browser.cookies.get('parley_session')
  assert.ok(sessionToken.length >= 43)

  const [row] = JSON.parse(sql(server, "SELECT password_hash FROM users WHERE username = 'erin'"))
  assert.match(row.password_hash, /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/)
  const everything = dump(server)
  assert.ok(!everything.includes(sessionToken), 'session token in the database')
  assert.ok(!everything.includes(emailToken), 'e-mail token in the database')
  assert.ok(!everything.includes('erins secret words'), 'password in the database')
  assert.ok(!server.stderr.includes(sessionToken), 'session token in the log')
  assert.ok(!server.stderr.includes(emailToken), 'e-mail token in the log')
})

test('a wrong password and an unknown user get the same answer', async () => {
  const browser = new Client(server)
  await browser.register('frank', 'franks secret words')
  const wrong = await browser.call('POST', '/api/auth/login', { login: 'frank', password: 'not the secret' })
  const unknown = await browser.call('POST', '/api/auth/login', { login: 'nobody-here', password: 'not the secret' })
  assert.equal(wrong.status, 400)
  assert.deepEqual(wrong.json, unknown.json)
  assert.equal(wrong.json.message, 'Wrong username or password')
})

test('registration rules are enforced with a message for the field', async () => {
  const browser = new Client(server)
  await browser.register('grace', 'graces secret words', { email: 'grace@example.org' })
  // Someone else gives Grace's address before she confirms it: allowed (an unconfirmed address
  // claims nothing), and once Grace confirms it, it is hers.
  const squatter = new Client(server)
  await squatter.register('squatter', 'squatters secret words', { email: 'GRACE@example.org' })
  const squatterMail = await smtp.next('GRACE@example.org', /confirm-email\?token=/)
  const mail = await smtp.next('grace@example.org', /confirm-email\?token=/)
  const mine = await browser.call('POST', '/api/auth/confirm-email', { token: linkToken(mail, 'confirm-email') })
  assert.equal(mine.status, 200)
  const late = await squatter.call('POST', '/api/auth/confirm-email', { token: linkToken(squatterMail, 'confirm-email') })
  assert.equal(late.status, 409)
  assert.match(late.json.message, /confirmed this e-mail address first/)
  const cases = [
    [{ username: 'GRACE', password: 'another secret one' }, 409, 'username'],
    [{ username: 'grace2', password: 'another secret one', email: 'Grace@Example.org' }, 409, 'email'],
    [{ username: 'grace3', password: 'short' }, 400, 'password'],
    [{ username: 'grace3', password: 'qwertyuiop' }, 400, 'password'],
    [{ username: 'grace3', password: 'Password1' }, 400, 'password'],
    [{ username: 'x', password: 'another secret one' }, 400, 'username'],
    [{ username: 'bad name!', password: 'another secret one' }, 400, 'username'],
    [{ username: 'grace3', password: 'another secret one', email: 'not-an-address' }, 400, 'email'],
  ]
  const before = dump(server)
  for (const [body, status, field] of cases) {
    const r = await new Client(server).call('POST', '/api/auth/register', body)
    assert.equal(r.status, status, JSON.stringify(body))
    assert.equal(r.json.field, field, JSON.stringify(body))
    assert.ok(r.json.message.length > 10)
  }
  assert.equal(dump(server), before, 'a rejected registration changed the database')
})

test('state-changing calls without the right CSRF token are refused and change nothing', async () => {
  const browser = new Client(server)
  await browser.register('heidi', 'heidis secret words')
  const before = dump(server)
  const missing = await browser.call('PATCH', '/api/me', { display_name: 'Hacked' }, { csrf: false })
  assert.equal(missing.status, 403)
  assert.equal(missing.json.error, 'csrf')
  const wrong = await browser.raw('PATCH', '/api/me', { body: { display_name: 'Hacked' }, headers: { 'x-csrf-token': 'forged' }, csrf: false })
  assert.equal(wrong.status, 403)
  const crossSite = await browser.call('PATCH', '/api/me', { display_name: 'Hacked' }, { headers: { origin: 'http://evil.example' } })
  assert.equal(crossSite.status, 403)
  const noCookie = await new Client(server).raw('POST', '/api/auth/register', {
    body: { username: 'mallory', password: 'mallorys secret words' },
    headers: { 'x-csrf-token': browser.csrf },
    csrf: false,
  })
  assert.equal(noCookie.status, 403)
  assert.equal(dump(server), before)
})

test('malformed, mistyped and oversized JSON bodies get 400 or 413 with a clear message', async () => {
  const browser = new Client(server)
  await browser.session()
  const before = dump(server)
  const malformed = await browser.call('POST', '/api/auth/register', '{"username": "ivan", ')
  assert.equal(malformed.status, 400)
  assert.match(malformed.json.message, /Malformed JSON/)
  const notObject = await browser.call('POST', '/api/auth/register', '[1,2]')
  assert.equal(notObject.status, 400)
  const wrongType = await browser.call('POST', '/api/auth/register', { username: 42, password: 'ivans secret words' })
  assert.equal(wrongType.status, 400)
  assert.equal(wrongType.json.message, "'username' must be a string")
  const missing = await browser.call('POST', '/api/auth/register', { username: 'ivan' })
  assert.equal(missing.status, 400)
  assert.equal(missing.json.field, 'password')
  const deep = await browser.call('POST', '/api/auth/register', '['.repeat(5000))
  assert.equal(deep.status, 400)
  const huge = await browser.call('POST', '/api/auth/register', { username: 'ivan', password: 'x'.repeat(20000) })
  assert.equal(huge.status, 413)
  assert.equal(dump(server), before)
})

test('sessions are listed, revocable one by one, and all at once', async () => {
  const one = new Client(server)
  await one.register('judy', 'judys secret words')
  const two = new Client(server)
  await two.call('POST', '/api/auth/login', { login: 'judy', password: 'judys secret words' }, { headers: { 'user-agent': 'Phone/1.0' } })
  const three = new Client(server)
  await three.call('POST', '/api/auth/login', { login: 'judy', password: 'judys secret words' })

  const list = await one.call('GET', '/api/me/sessions')
  assert.equal(list.json.sessions.length, 3)
  assert.equal(list.json.sessions.filter((s) => s.current).length, 1)
  const phone = list.json.sessions.find((s) => s.user_agent === 'Phone/1.0')
  assert.ok(phone)
  assert.equal((await one.call('DELETE', `/api/me/sessions/${phone.id}`)).status, 204)
  assert.equal((await two.session()).user, null)
  assert.equal((await one.call('DELETE', '/api/me/sessions/999999')).status, 404)

  assert.equal((await one.call('POST', '/api/auth/logout-all')).status, 204)
  assert.equal((await three.session()).user, null)
  assert.equal((await one.session()).user, null)
})

test('another user cannot revoke my session', async () => {
  const kim = new Client(server)
  await kim.register('kim', 'kims secret words')
  const mine = (await kim.call('GET', '/api/me/sessions')).json.sessions[0]
  const leo = new Client(server)
  await leo.register('leo', 'leos secret words')
  assert.equal((await leo.call('DELETE', `/api/me/sessions/${mine.id}`)).status, 404)
  assert.equal((await kim.session()).user.username, 'kim')
})

test('profile, e-mail, password and settings changes', async () => {
  const me = new Client(server)
  await me.register('mia', 'mias secret words')
  const profile = await me.call('PATCH', '/api/me', { display_name: 'Mia M.', about: 'Hello 👋' })
  assert.equal(profile.json.user.display_name, 'Mia M.')
  assert.equal(profile.json.user.about, 'Hello 👋')
  assert.equal((await me.call('PATCH', '/api/me', { display_name: 'x'.repeat(65) })).json.field, 'display_name')

  const email = await me.call('PUT', '/api/me/email', { email: 'mia@example.org', password: 'mias secret words' })
  assert.equal(email.status, 200)
  assert.equal(email.json.user.email_confirmed, false)
  const link = linkToken(await smtp.next('mia@example.org', /confirm-email/), 'confirm-email')
  assert.equal((await me.call('POST', '/api/auth/confirm-email', { token: link })).json.user.email_confirmed, true)

  const badCurrent = await me.call('PUT', '/api/me/password', { current_password: 'wrong', new_password: 'mias new secret' })
  assert.equal(badCurrent.status, 400)
  assert.equal(badCurrent.json.field, 'current_password')
  const other = new Client(server)
  await other.call('POST', '/api/auth/login', { login: 'mia', password: 'mias secret words' })
  const oldCookie = me.cookies.get('parley_session')
  assert.equal((await me.call('PUT', '/api/me/password', { current_password: 'mias secret words', new_password: 'mias new secret' })).status, 204)
  assert.notEqual(me.cookies.get('parley_session'), oldCookie, 'the session token is replaced')
  assert.equal((await me.session()).user.username, 'mia', 'this device stays signed in')
  const stolen = new Client(server)
  stolen.cookies.set('parley_session', oldCookie)
  assert.equal((await stolen.session()).user, null, 'the old cookie no longer works')
  assert.equal((await other.session()).user, null, 'other devices are signed out')

  const settings = await me.call('PATCH', '/api/me/settings', { theme: 'dark', volume: 30, send_on: 'ctrl-enter' })
  assert.equal(settings.status, 200)
  assert.equal(settings.json.theme, 'dark')
  assert.equal(settings.json.sound, true)
  for (const bad of [{ theme: 'purple' }, { volume: 101 }, { sound: 'yes' }, { nonsense: 1 }]) {
    const r = await me.call('PATCH', '/api/me/settings', bad)
    assert.equal(r.status, 400, JSON.stringify(bad))
  }
  const elsewhere = new Client(server)
  await elsewhere.call('POST', '/api/auth/login', { login: 'mia', password: 'mias new secret' })
  assert.equal((await elsewhere.session()).settings.theme, 'dark', 'settings roam with the account')
})

test('an avatar upload is checked by its content and served back as a WebP image', async () => {
  const me = new Client(server)
  await me.register('noah', 'noahs secret words')
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360000000000200015e2a0a4a0000000049454e44ae426082', 'hex')
  const up = await me.call('POST', '/api/me/avatar', new Uint8Array(png), { headers: { 'content-type': 'image/png' } })
  assert.equal(up.status, 200)
  const url = up.json.user.avatar_url
  // Re-encoded by the server (a 256 px WebP square without metadata), never stored as sent.
  assert.match(url, /^\/api\/avatars\/[0-9a-f]{32}\.webp$/)
  const res = await fetch(`${server.url}${url}`)
  assert.equal(res.headers.get('content-type'), 'image/webp')
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
  const body = Buffer.from(await res.arrayBuffer())
  assert.equal(body.subarray(0, 4).toString('latin1'), 'RIFF')
  assert.equal(body.subarray(8, 12).toString('latin1'), 'WEBP')
  const html = await me.call('POST', '/api/me/avatar', '<svg onload="alert(1)"/>', { headers: { 'content-type': 'image/png' } })
  assert.equal(html.status, 415)
  assert.equal((await fetch(`${server.url}/api/avatars/..%2F..%2Fparley.db`)).status, 404)
})

// CRC-32 as PNG chunks carry it.
function crc32(bytes) {
  let c = ~0
  for (const b of bytes) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }
  return ~c >>> 0
}

test('an avatar declaring a huge image is refused from its header, quickly and clearly', async () => {
  const me = new Client(server)
  await me.register('bomber', 'bombers secret words')
  // The 1x1 PNG above, its header rewritten to declare 60000 x 60000 (3.6 gigapixels).
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360000000000200015e2a0a4a0000000049454e44ae426082', 'hex')
  png.writeUInt32BE(60000, 16)
  png.writeUInt32BE(60000, 20)
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29)
  const up = await me.call('POST', '/api/me/avatar', new Uint8Array(png), { headers: { 'content-type': 'image/png' } })
  assert.equal(up.status, 422, up.text)
  assert.equal(up.json.error, 'image_too_large')
  assert.equal((await me.call('GET', '/api/me')).json.user.avatar_url ?? null, null)
})

test('guest sign-in is off unless configured', async () => {
  const r = await new Client(server).call('POST', '/api/auth/guest')
  assert.equal(r.status, 403)
})

test('a signed-in user gets a WebSocket; after logout the same cookie does not', async () => {
  const me = new Client(server)
  await me.register('olga', 'olgas secret words')
  const cookie = me.cookieHeader()
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { origin: server.origin, cookie } })
  const [msg] = await once(ws, 'message')
  assert.equal(JSON.parse(msg.toString()).type, 'hello')
  ws.close()
  await once(ws, 'close')
  await me.call('POST', '/api/auth/logout')
  const again = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { origin: server.origin, cookie } })
  again.on('error', () => {})
  const [, res] = await once(again, 'unexpected-response')
  assert.equal(res.statusCode, 401)
  again.terminate()
})

test('guest sign-in, when turned on, creates a guest account that is not the admin', async () => {
  const guests = await startServer([...FAST_AUTH, '--guest-signin'])
  try {
    const visitor = new Client(guests)
    const anon = await visitor.session()
    assert.equal(anon.guest_signin, true)
    const r = await visitor.call('POST', '/api/auth/guest')
    assert.equal(r.status, 201)
    assert.match(r.json.user.username, /^guest-\d{6}$/)
    assert.equal(r.json.user.is_guest, true)
    assert.equal(r.json.user.is_admin, false)
    assert.equal((await visitor.session()).user.username, r.json.user.username)
  } finally {
    await guests.stop()
  }
})

test('without SMTP the confirmation link is written to the log, and it works', async () => {
  const lone = await startServer(FAST_AUTH) // no --smtp-url: a single-machine install
  try {
    const me = new Client(lone)
    await me.register('solo', 'solos secret words', { email: 'solo@example.org' })
    const [, token] = await lone.waitForLog(/confirm-email\?token=([A-Za-z0-9_-]+)/)
    const r = await me.call('POST', '/api/auth/confirm-email', { token })
    assert.equal(r.status, 200)
    assert.equal(r.json.user.email_confirmed, true)
  } finally {
    await lone.stop()
  }
})
