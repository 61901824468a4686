// Keep-alive: the server pings every --ws-ping-interval and drops a socket whose peer does not
// answer within --ws-pong-timeout (short here so the test is quick; both are event-driven waits).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import WebSocket from 'ws'
import { startServer, Client, FAST_AUTH } from './harness.mjs'

let server
let cookie
before(async () => {
  // A generous pong timeout: the client answers at once, even on a loaded CI machine.
  server = await startServer(['--ws-ping-interval', '0.3', '--ws-pong-timeout', '1', ...FAST_AUTH])
  const me = new Client(server)
  await me.register('pinger')
  cookie = me.cookieHeader()
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, server.stderr)
})

async function open(options = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
    headers: { origin: server.origin, cookie },
    ...options,
  })
  await once(ws, 'message') // hello
  return ws
}

test('the server pings, and a socket that answers stays open', async () => {
  const ws = await open()
  let closed = false
  ws.on('close', () => (closed = true))
  for (let i = 0; i < 3; i++) await once(ws, 'ping') // past two pong deadlines
  assert.equal(closed, false)
  ws.send('{"type":"ping","cid":"alive"}')
  const [msg] = await once(ws, 'message')
  assert.deepEqual(JSON.parse(msg.toString()), { type: 'pong', cid: 'alive' })
  ws.close()
  await once(ws, 'close')
})

test('a socket that does not answer pings is closed and counted', async () => {
  const ws = await open({ autoPong: false })
  await once(ws, 'ping')
  const [code] = await once(ws, 'close')
  assert.equal(code, 1006, 'closed without a handshake: the peer is presumed gone')
  const metrics = await (await fetch(`${server.url}/metrics`)).text()
  assert.match(metrics, /parley_ws_dropped_silent_total [1-9]/)
})
