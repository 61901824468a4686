// A push service on loopback for tests of Web Push (docs/api.md, "Web Push"): it plays the push
// service and the browser, checking the VAPID Authorization the way a push service does and
// decrypting each message with the subscription's private key (RFC 8291), so what the server sent
// is what a browser would read. Shared by push.test.mjs and the end-to-end push spec.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { createECDH, createHmac, createDecipheriv, createPublicKey, randomBytes, verify } from 'node:crypto'

const hmac = (key, data) => createHmac('sha256', key).update(data).digest()

// Each device has its own path, keys and answer (201, or 410 when gone).
export async function startPushService() {
  const devices = new Map() // path -> { ecdh, auth, status, received: [], waiters: [] }
  const http = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const d = devices.get(req.url)
      if (!d) return res.writeHead(404).end()
      d.received.push({ headers: req.headers, body: Buffer.concat(chunks) })
      for (const w of d.waiters.splice(0)) w()
      res.writeHead(d.status).end()
    })
  })
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${http.address().port}`
  return {
    origin,
    close: () => http.close(),
    device(name, status = 201) {
      const ecdh = createECDH('prime256v1')
      ecdh.generateKeys()
      const d = { ecdh, auth: randomBytes(16), status, received: [], waiters: [] }
      devices.set(`/push/${name}`, d)
      return {
        endpoint: `${origin}/push/${name}`,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: d.auth.toString('base64url') },
        received: d.received,
        // The next message not yet taken, once it arrives.
        async next() {
          while (d.taken === d.received.length || d.taken === undefined && d.received.length === 0) {
            await new Promise((resolve) => d.waiters.push(resolve))
          }
          d.taken = (d.taken ?? 0) + 1
          return d.received[d.taken - 1]
        },
        // The plaintext the browser's push service would hand its service worker.
        open: (body) => decryptBytes(body, ecdh, d.auth),
        decrypt: (body) => JSON.parse(decryptBytes(body, ecdh, d.auth).toString('utf8')),
      }
    },
  }
}

// RFC 8291 §3.4 and RFC 8188, the receiving side.
function decryptBytes(body, ecdh, auth) {
  const salt = body.subarray(0, 16)
  const rs = body.readUInt32BE(16)
  const idlen = body[20]
  const asPublic = body.subarray(21, 21 + idlen)
  const ciphertext = body.subarray(21 + idlen)
  assert.equal(rs, 4096)
  assert.equal(idlen, 65)
  const uaPublic = ecdh.getPublicKey()
  const shared = ecdh.computeSecret(asPublic)
  const ikm = hmac(hmac(auth, shared), Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic, Buffer.from([1])]))
  const prk = hmac(salt, ikm)
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16)
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12)
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
  decipher.setAuthTag(ciphertext.subarray(-16))
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, -16)), decipher.final()])
  let end = padded.length - 1
  while (padded[end] === 0) end--
  assert.equal(padded[end], 2, 'the last record ends with the delimiter 2')
  return padded.subarray(0, end)
}

// Checks the Authorization header: an ES256 JWT for `origin`, signed by the server's key.
export function checkVapid(headers, serverKey, origin) {
  const m = headers.authorization.match(/^vapid t=([^,]+), k=(.+)$/)
  assert.ok(m, headers.authorization)
  assert.equal(m[2], serverKey)
  const [h, c, s] = m[1].split('.')
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { typ: 'JWT', alg: 'ES256' })
  const claims = JSON.parse(Buffer.from(c, 'base64url'))
  assert.equal(claims.aud, origin)
  assert.match(claims.sub, /^mailto:/)
  const now = Date.now() / 1000
  assert.ok(claims.exp > now && claims.exp <= now + 24 * 3600, `exp ${claims.exp}`)
  const raw = Buffer.from(serverKey, 'base64url')
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
    format: 'jwk',
  })
  assert.ok(verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')), 'signature')
}
