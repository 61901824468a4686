// Connection slots under a flood of idle connections (issue 14): one address cannot take them all,
// a new connection that says nothing is closed after --first-byte-timeout, and when every slot is
// taken the oldest connection that has said nothing gives its slot to a new one.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, rawConnect, readUntilClose, poll, metric } from './harness.mjs'

async function healthz(port) {
  const conn = await rawConnect(port)
  conn.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  return readUntilClose(conn)
}

test('one address holds at most --max-connections-per-address connections', async () => {
  const server = await startServer(['--max-connections-per-address', '5', '--first-byte-timeout', '60'])
  try {
    const idle = []
    for (let i = 0; i < 5; i++) idle.push(await rawConnect(server.port))
    // The sixth is closed at once, without an answer.
    assert.equal(await healthz(server.port), '')
    // One of the five goes: there is room again.
    idle[0].socket.destroy()
    await idle[0].closed
    // The server learns of the close when it reads the FIN: ask until it has.
    const reply = await poll(() => healthz(server.port), { what: 'a slot freed' })
    assert.match(reply, /^HTTP\/1\.1 200 /)
    for (const c of idle) c.socket.destroy()
    assert.ok((await metric(server, 'parley_connections_refused_total')) >= 1)
  } finally {
    const { code } = await server.stop()
    assert.equal(code, 0, server.stderr)
  }
})

test('a new connection that sends nothing is closed after --first-byte-timeout', async () => {
  const server = await startServer(['--first-byte-timeout', '0.3', '--idle-timeout', '60'])
  try {
    const conn = await rawConnect(server.port)
    assert.equal(await readUntilClose(conn), '') // resolves only because the server closes it
    // A connection that did talk keeps the longer idle timeout between requests.
    const talker = await rawConnect(server.port)
    talker.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
    let closedEarly = false
    talker.closed.then(() => (closedEarly = true))
    const second = await rawConnect(server.port)
    await readUntilClose(second) // a full first-byte timeout later
    assert.equal(closedEarly, false, 'an idle keep-alive connection is not held to the first-byte timeout')
    talker.socket.destroy()
  } finally {
    await server.stop()
  }
})

test('at the connection cap, the oldest silent connection makes room for a new one', async () => {
  const server = await startServer([
    '--max-connections', '5',
    '--max-connections-per-address', '0',
    '--first-byte-timeout', '60',
  ])
  try {
    const idle = []
    for (let i = 0; i < 5; i++) idle.push(await rawConnect(server.port))
    // Every slot is held by a connection that says nothing; a request still gets through, and
    // the oldest silent connection is the one that made room.
    assert.match(await healthz(server.port), /^HTTP\/1\.1 200 /)
    await idle[0].closed
    const evicted = await metric(server, 'parley_connections_evicted_total')
    assert.ok(evicted >= 1, `evicted ${evicted}`)
    for (const c of idle) c.socket.destroy()
  } finally {
    const { code } = await server.stop()
    assert.equal(code, 0, server.stderr)
  }
})
