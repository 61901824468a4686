// Sign-in with an OpenID Connect provider (docs/api.md "Sign-in with an OpenID provider"), against
// a provider written here (discovery, authorization with PKCE, token endpoint, JWKS; RS256 tokens
// signed with node's crypto), which stands in for Google or any other provider that cannot run
// here: the flow signs a new person in with an account of their own and the same person back in;
// a user links a provider; and each forgery is refused with a clear error: a tampered signature,
// the wrong audience or issuer, an expired token, a reused state, a wrong nonce, a state from
// another browser. A verified e-mail address of an existing account links to it only with that
// account's password. Facebook (OAuth 2.0 and the Graph API, no ID token) is played by a stand-in
// of its login dialog, token endpoint and Graph `me` (the real one cannot be reached from here),
// which checks what Facebook checks: the app id and secret, the redirect URI and the
// `appsecret_proof`.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { startServer, startSmtp, FAST_AUTH, Client } from './harness.mjs'
import { signUp } from './chat-client.mjs'

let server
let op
let smtp
const fbCodes = new Map() // code -> redirect_uri
const fbTokens = new Map() // access token -> Facebook user
let fbPerson = { id: '1029384756', name: 'Fay Book', email: 'fay@fb.example' }
const issued = new Map() // code -> { nonce, challenge, redirect, sub, email }
let person = { sub: 'sub-ann', email: 'ann@id.example', name: 'Ann Example', preferred_username: 'ann' }
let forge = null // how the next token is spoiled

before(async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  op = createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    const issuer = `http://127.0.0.1:${op.address().port}`
    const json = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` })
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] })
    // Facebook Login's dialog, its code exchange and the Graph API's `me`.
    if (url.pathname === '/fb/dialog/oauth') {
      const q = url.searchParams
      if (q.get('client_id') !== 'fb-app' || q.get('response_type') !== 'code' || !/email/.test(q.get('scope'))) {
        return json(400, { error: { message: 'bad dialog request' } })
      }
      const code = randomBytes(12).toString('hex')
      fbCodes.set(code, q.get('redirect_uri'))
      const back = new URL(q.get('redirect_uri'))
      back.searchParams.set('code', code)
      back.searchParams.set('state', q.get('state'))
      return res.writeHead(302, { location: back.toString() }).end()
    }
    if (url.pathname === '/fb/oauth/access_token') {
      const q = url.searchParams
      const redirect = fbCodes.get(q.get('code'))
      fbCodes.delete(q.get('code'))
      if (q.get('client_id') !== 'fb-app' || q.get('client_secret') !== 'fb-secret' || !redirect || redirect !== q.get('redirect_uri')) {
        return json(400, { error: { message: 'Invalid verification code format.', type: 'OAuthException' } })
      }
      const token = randomBytes(16).toString('hex')
      fbTokens.set(token, { ...fbPerson })
      return json(200, { access_token: token, token_type: 'bearer', expires_in: 5183944 })
    }
    if (url.pathname === '/fb/me') {
      const q = url.searchParams
      const who = fbTokens.get(q.get('access_token'))
      const proof = createHmac('sha256', 'fb-secret').update(q.get('access_token') ?? '').digest('hex')
      if (!who || q.get('appsecret_proof') !== proof) return json(400, { error: { message: 'Invalid appsecret_proof', type: 'GraphMethodException' } })
      const fields = (q.get('fields') ?? 'id,name').split(',')
      return json(200, Object.fromEntries(fields.filter((f) => who[f] !== undefined).map((f) => [f, who[f]])))
    }
    if (url.pathname === '/authorize') {
      const q = url.searchParams
      assert.equal(q.get('response_type'), 'code')
      assert.equal(q.get('client_id'), 'parley-client')
      assert.equal(q.get('code_challenge_method'), 'S256')
      assert.match(q.get('scope'), /openid/)
      const code = randomBytes(12).toString('hex')
      issued.set(code, { nonce: q.get('nonce'), challenge: q.get('code_challenge'), redirect: q.get('redirect_uri'), ...person })
      const back = new URL(q.get('redirect_uri'))
      back.searchParams.set('code', code)
      back.searchParams.set('state', q.get('state'))
      return res.writeHead(302, { location: back.toString() }).end()
    }
    if (url.pathname === '/token') {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        const f = new URLSearchParams(body)
        const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString()
        if (auth !== 'parley-client:parley-secret') return json(401, { error: 'invalid_client' })
        const grant = issued.get(f.get('code'))
        issued.delete(f.get('code'))
        if (!grant) return json(400, { error: 'invalid_grant' })
        const challenge = createHash('sha256').update(f.get('code_verifier') ?? '').digest('base64url')
        if (challenge !== grant.challenge || f.get('redirect_uri') !== grant.redirect) return json(400, { error: 'invalid_grant' })
        const now = Math.floor(Date.now() / 1000)
        const claims = {
          iss: forge === 'issuer' ? 'http://evil.example' : issuer,
          aud: forge === 'audience' ? 'someone-else' : 'parley-client',
          sub: grant.sub, email: grant.email, email_verified: true, name: grant.name,
          preferred_username: grant.preferred_username,
          iat: now, exp: forge === 'expired' ? now - 3600 : now + 300,
          nonce: forge === 'nonce' ? 'not-the-nonce' : grant.nonce,
        }
        const head = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' })).toString('base64url')
        const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
        const signer = forge === 'signature' ? other : privateKey
        const sig = sign('sha256', Buffer.from(`${head}.${payload}`), signer).toString('base64url')
        json(200, { access_token: 'x', token_type: 'Bearer', id_token: `${head}.${payload}.${sig}` })
      })
      return
    }
    res.writeHead(404).end()
  })
  await new Promise((resolve) => op.listen(0, '127.0.0.1', resolve))
  smtp = await startSmtp()
  const fb = `http://127.0.0.1:${op.address().port}/fb`
  server = await startServer([
    ...FAST_AUTH,
    '--smtp-url', smtp.url,
    '--oidc-provider', `id=local,name=Local ID,issuer=http://127.0.0.1:${op.address().port},client-id=parley-client,client-secret=parley-secret`,
    '--oidc-provider', `preset=facebook,client-id=fb-app,client-secret=fb-secret,authorize-url=${fb}/dialog/oauth,token-url=${fb}/oauth/access_token,userinfo-url=${fb}/me`,
    '--oidc-allow-http',
    '--public-url', 'http://parley.test',
  ])
  await signUp(server, 'root')
})
after(async () => {
  op.close()
  await smtp.close()
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

// Follows the sign-in as a browser would: Parley → provider → Parley's callback. Returns the
// callback's answer (its Location says where the browser lands).
async function signInWith(browser, { link = false, replay = false, provider = 'local' } = {}) {
  const start = await browser.raw('GET', `/api/auth/oidc/${provider}/start${link ? '?link=1' : ''}`, { redirect: 'manual' })
  assert.equal(start.status, 302, start.text)
  const atProvider = await fetch(start.headers.get('location'), { redirect: 'manual' })
  assert.equal(atProvider.status, 302)
  const callback = new URL(atProvider.headers.get('location'))
  assert.equal(callback.origin, 'http://parley.test', 'the provider sends the browser back to the public URL')
  const answer = await browser.raw('GET', callback.pathname + callback.search, { redirect: 'manual' })
  if (replay) {
    return { answer, again: await browser.raw('GET', callback.pathname + callback.search, { redirect: 'manual' }) }
  }
  return answer
}

const landing = (answer) => answer.headers.get('location')

test('a new person gets an account of their own; the same person signs in to it again', async () => {
  const browser = new Client(server)
  const providers = await browser.raw('GET', '/api/auth/oidc/providers')
  assert.deepEqual(providers.json.providers, [
    { id: 'local', name: 'Local ID' },
    { id: 'facebook', name: 'Facebook' },
  ])
  const first = await signInWith(browser)
  assert.equal(landing(first), '/', first.text)
  const me = await browser.raw('GET', '/api/me')
  assert.equal(me.status, 200)
  assert.equal(me.json.user.username, 'ann')
  assert.equal(me.json.user.display_name, 'Ann Example')
  assert.equal(me.json.user.email, 'ann@id.example')
  assert.equal(me.json.user.email_confirmed, true)
  const ids = await browser.raw('GET', '/api/me/identities')
  assert.deepEqual(ids.json.identities.map((i) => i.provider), ['local'])
  // No password: signing in with one fails; unlinking the only way in is refused.
  const pw = await new Client(server).call('POST', '/api/auth/login', { login: 'ann', password: '' })
  assert.equal(pw.status, 400)
  assert.equal((await browser.call('DELETE', '/api/me/identities/local')).status, 409)

  const later = new Client(server)
  assert.equal(landing(await signInWith(later)), '/')
  assert.equal((await later.raw('GET', '/api/me')).json.user.id, me.json.user.id)
})

test('a signed-in user links a provider, then signs in with it', async () => {
  const bea = await signUp(server, 'bea')
  person = { sub: 'sub-bea', email: 'bea-other@id.example', name: 'Bea', preferred_username: 'bea2' }
  try {
    const linked = await signInWith(bea.http, { link: true })
    assert.equal(landing(linked), '/profile?linked=local')
    const fresh = new Client(server)
    assert.equal(landing(await signInWith(fresh)), '/')
    assert.equal((await fresh.raw('GET', '/api/me')).json.user.id, bea.id)
    assert.equal((await bea.http.call('DELETE', '/api/me/identities/local')).status, 204, 'she has a password')
  } finally {
    person = { sub: 'sub-ann', email: 'ann@id.example', name: 'Ann Example', preferred_username: 'ann' }
  }
})

test('forged or mistaken tokens, a reused state and another browser’s state are refused', async () => {
  for (const [kind, words] of [
    ['signature', /refused: bad signature/],
    ['audience', /another application/],
    ['issuer', /wrong issuer/],
    ['expired', /expired/],
    ['nonce', /wrong nonce/],
  ]) {
    forge = kind
    try {
      const browser = new Client(server)
      const answer = await signInWith(browser)
      const where = new URL(landing(answer), 'http://x')
      assert.equal(where.pathname, '/login', kind)
      assert.match(where.searchParams.get('oidc_error'), words, kind)
      assert.equal((await browser.raw('GET', '/api/me')).status, 401, `${kind}: not signed in`)
    } finally {
      forge = null
    }
  }
  const browser = new Client(server)
  const { answer, again } = await signInWith(browser, { replay: true })
  assert.equal(landing(answer), '/')
  assert.match(new URL(landing(again), 'http://x').searchParams.get('oidc_error'), /did not start in this browser|used or has expired/)

  // A state started in one browser and finished in another (login CSRF) is refused.
  const victim = new Client(server)
  const attacker = new Client(server)
  const start = await attacker.raw('GET', '/api/auth/oidc/local/start', { redirect: 'manual' })
  const atProvider = await fetch(start.headers.get('location'), { redirect: 'manual' })
  const callback = new URL(atProvider.headers.get('location'))
  const crossed = await victim.raw('GET', callback.pathname + callback.search, { redirect: 'manual' })
  assert.match(new URL(landing(crossed), 'http://x').searchParams.get('oidc_error'), /did not start in this browser/)
  assert.equal((await victim.raw('GET', '/api/me')).status, 401)
})

test('a verified e-mail address of an existing account links to it once its password is given', async () => {
  const dora = new Client(server)
  await dora.register('dora', 'doras secret words', { email: 'dora@id.example' })
  const mail = await smtp.next('dora@id.example', /confirm-email\?token=/)
  const token = mail.data.match(/confirm-email\?token=([A-Za-z0-9_-]+)/)[1]
  assert.equal((await dora.call('POST', '/api/auth/confirm-email', { token })).status, 200)

  person = { sub: 'sub-dora', email: 'dora@id.example', name: 'Dora', preferred_username: 'dora-id' }
  try {
    const browser = new Client(server)
    const answer = await signInWith(browser)
    assert.equal(landing(answer), '/login?link=local', 'asked for the password, not signed in')
    assert.equal((await browser.raw('GET', '/api/me')).status, 401)
    const pending = await browser.raw('GET', '/api/auth/oidc-link')
    assert.equal(pending.status, 200, pending.text)
    assert.deepEqual(pending.json, { provider: 'Local ID', username: 'dora', email: 'dora@id.example' })
    // Another browser, without the cookie this one was given, has nothing to confirm.
    assert.equal((await new Client(server).raw('GET', '/api/auth/oidc-link')).status, 404)

    const wrong = await browser.call('POST', '/api/auth/oidc-link', { password: 'not her password' })
    assert.equal(wrong.status, 400)
    assert.equal(wrong.json.message, 'Wrong username or password')
    assert.equal((await browser.raw('GET', '/api/me')).status, 401)
    const right = await browser.call('POST', '/api/auth/oidc-link', { password: 'doras secret words' })
    assert.equal(right.status, 200, right.text)
    assert.equal(right.json.user.username, 'dora')
    assert.equal((await browser.raw('GET', '/api/me')).json.user.username, 'dora')
    assert.equal((await browser.raw('GET', '/api/auth/oidc-link')).status, 404, 'used once')
    const ids = (await browser.raw('GET', '/api/me/identities')).json.identities
    assert.deepEqual(ids.map((i) => [i.provider, i.email]), [['local', 'dora@id.example']])

    // From now on the provider signs her straight in.
    const later = new Client(server)
    assert.equal(landing(await signInWith(later)), '/')
    assert.equal((await later.raw('GET', '/api/me')).json.user.username, 'dora')
  } finally {
    person = { sub: 'sub-ann', email: 'ann@id.example', name: 'Ann Example', preferred_username: 'ann' }
  }
})

test('Facebook signs a new person in through its dialog, token endpoint and Graph API', async () => {
  const browser = new Client(server)
  const first = await signInWith(browser, { provider: 'facebook' })
  assert.equal(landing(first), '/', first.text)
  const me = (await browser.raw('GET', '/api/me')).json.user
  assert.equal(me.username, 'fay')
  assert.equal(me.display_name, 'Fay Book')
  assert.equal(me.email, 'fay@fb.example')
  const again = new Client(server)
  assert.equal(landing(await signInWith(again, { provider: 'facebook' })), '/')
  assert.equal((await again.raw('GET', '/api/me')).json.user.id, me.id)

  // A refused code exchange is a clear error, not a sign-in.
  fbPerson = { id: '' }
  try {
    const nobody = new Client(server)
    const where = new URL(landing(await signInWith(nobody, { provider: 'facebook' })), 'http://x')
    assert.equal(where.pathname, '/login')
    assert.match(where.searchParams.get('oidc_error'), /did not say who signed in/)
    assert.equal((await nobody.raw('GET', '/api/me')).status, 401)
  } finally {
    fbPerson = { id: '1029384756', name: 'Fay Book', email: 'fay@fb.example' }
  }
})
