// The WebSocket endpoint: upgrade with an Origin check, greeting, ping/pong, and the defined
// answers to frames the server refuses.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import WebSocket from 'ws'
import { startServer, Client, FAST_AUTH } from './harness.mjs'

let server
let cookie
before(async () => {
  server = await startServer(['--ws-max-message-bytes', '4096', ...FAST_AUTH])
  const alice = new Client(server)
  await alice.register('alice')
  cookie = alice.cookieHeader()
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

function wsUrl() {
  return `ws://127.0.0.1:${server.port}/ws`
}

// Opens a socket and resolves with it and its first message.
async function open(headers = { origin: server.origin, cookie }) {
  const ws = new WebSocket(wsUrl(), { headers })
  const [first] = await once(ws, 'message')
  return { ws, first: JSON.parse(first.toString()) }
}

async function refusedStatus(headers) {
  const ws = new WebSocket(wsUrl(), { headers })
  ws.on('error', () => {}) // terminating an unfinished handshake reports one
  const [, res] = await once(ws, 'unexpected-response')
  ws.terminate()
  return res.statusCode
}

test('an upgrade from the page origin is accepted and greeted', async () => {
  const { ws, first } = await open()
  assert.equal(first.type, 'hello')
  assert.equal(first.server, 'parley')
  ws.close()
  await once(ws, 'close')
})

test('a ping frame is answered with a pong carrying the same payload', async () => {
  const { ws } = await open()
  ws.ping(Buffer.from('are-you-there'))
  const [payload] = await once(ws, 'pong')
  assert.equal(payload.toString(), 'are-you-there')
  ws.close()
  await once(ws, 'close')
})

test('a foreign or missing Origin is refused with 403, even with a valid session', async () => {
  assert.equal(await refusedStatus({ origin: 'http://evil.example', cookie }), 403)
  assert.equal(await refusedStatus({ cookie }), 403)
})

test('an upgrade without a valid session is refused with 401', async () => {
  assert.equal(await refusedStatus({ origin: server.origin }), 401)
  assert.equal(await refusedStatus({ origin: server.origin, cookie: 'parley_session=forged-token' }), 401)
})

test('an upgrade on another path is 404', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws`, { headers: { origin: server.origin } })
  ws.on('error', () => {})
  const [, res] = await once(ws, 'unexpected-response')
  assert.equal(res.statusCode, 404)
  ws.terminate()
})

// Sends one frame and resolves with the parsed answer.
async function answer(ws, text) {
  ws.send(text)
  const [msg] = await once(ws, 'message')
  return JSON.parse(msg.toString())
}

test('a ping command is answered with a pong carrying its cid', async () => {
  const { ws } = await open()
  assert.deepEqual(await answer(ws, '{"type":"ping","cid":"c-1"}'), { type: 'pong', cid: 'c-1' })
  assert.deepEqual(await answer(ws, '{"type":"ping"}'), { type: 'pong' })
  ws.close()
  await once(ws, 'close')
})

test('malformed, unknown and mistyped frames get a defined error frame and the socket stays open', async () => {
  const { ws } = await open()
  const cases = [
    ['{', 'malformed', undefined],
    ['[1,2]', 'malformed', undefined],
    ['{"type":"anything","cid":"k9"}', 'unknown_type', 'k9'],
    ['{"type":42}', 'invalid', undefined],
    ['{"type":"ping","cid":{"x":1}}', 'invalid', undefined],
  ]
  for (const [text, code, cid] of cases) {
    const frame = await answer(ws, text)
    assert.equal(frame.type, 'error', text)
    assert.equal(frame.code, code, text)
    assert.equal(frame.cid, cid, text)
    assert.ok(frame.message.length > 5, text)
  }
  assert.deepEqual(await answer(ws, '{"type":"ping","cid":"still-open"}'), { type: 'pong', cid: 'still-open' })
  ws.close()
  await once(ws, 'close')
})

test('a binary frame closes the socket with 1003', async () => {
  const { ws } = await open()
  ws.send(Buffer.from([1, 2, 3]), { binary: true })
  const [code] = await once(ws, 'close')
  assert.equal(code, 1003)
})

test('an oversized message closes the socket with 1009 and the server stays up', async () => {
  const { ws } = await open()
  ws.send('x'.repeat(5000))
  const [code] = await once(ws, 'close')
  assert.equal(code, 1009)
  const again = await open()
  assert.equal(again.first.type, 'hello')
  again.ws.close()
  await once(again.ws, 'close')
})

test('open sockets show in the metrics', async () => {
  const { ws } = await open()
  const text = await (await fetch(`${server.url}/metrics`)).text()
  assert.match(text, /parley_ws_connections_open [1-9]/)
  ws.close()
  await once(ws, 'close')
})
