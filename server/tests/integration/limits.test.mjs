// Hostile input: oversized headers and bodies, unterminated bodies, slow and idle connections,
// garbage request lines and floods each get a 4xx or a closed socket, and the server stays up.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, rawConnect, readUntilClose } from './harness.mjs'

let server
before(async () => {
  server = await startServer([
    '--read-timeout', '0.5',
    '--idle-timeout', '0.5',
    '--max-body-bytes', '65536',
    '--requests-per-second', '0.01', // no refill while a test runs, however slow the machine
    '--request-burst', '5',
  ])
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

// A fresh connection each time: this server closes idle keep-alive connections after 0.5 s, and a
// pooled one (as fetch keeps) could be reused just as the server closes it.
async function assertAlive() {
  const conn = await rawConnect(server.port)
  conn.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  assert.match(await readUntilClose(conn), /^HTTP\/1\.1 200 /)
}

test('a 1 MiB header is rejected with 431 and the server stays up', async () => {
  const conn = await rawConnect(server.port)
  conn.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1 << 20)}\r\n\r\n`)
  const reply = await readUntilClose(conn)
  assert.match(reply, /^HTTP\/1\.1 431 /)
  await assertAlive()
})

test('a body over the limit is rejected with 413 before it is read', async () => {
  const conn = await rawConnect(server.port)
  conn.write(`POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 << 20}\r\n\r\n`)
  const reply = await readUntilClose(conn)
  assert.match(reply, /^HTTP\/1\.1 413 /)
  await assertAlive()
})

test('an unterminated body is cut off at the read deadline and the server stays up', async () => {
  const conn = await rawConnect(server.port)
  conn.write('POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly-a-little')
  const reply = await readUntilClose(conn) // resolves only because the server closes the socket
  assert.equal(reply, '', 'no response for a request that never arrived whole')
  await assertAlive()
})

test('a slowloris header trickle is cut off at the read deadline', async () => {
  const conn = await rawConnect(server.port)
  conn.write('GET / HTTP/1.1\r\n')
  const timer = setInterval(() => conn.write('X-A: b\r\n'), 100)
  await readUntilClose(conn)
  clearInterval(timer)
  assert.equal(conn.data, '')
  await assertAlive()
})

test('an idle keep-alive connection is closed', async () => {
  const conn = await rawConnect(server.port)
  await readUntilClose(conn)
  assert.equal(conn.data, '')
})

test('a garbage request line gets 400', async () => {
  const conn = await rawConnect(server.port)
  conn.write('HELLO THERE\r\n\r\n')
  const reply = await readUntilClose(conn)
  assert.match(reply, /^HTTP\/1\.1 400 /)
  assert.match(reply, /"error":"bad_request"/)
  await assertAlive()
})

test('binary garbage gets 400', async () => {
  const conn = await rawConnect(server.port)
  conn.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]))
  const reply = await readUntilClose(conn)
  assert.match(reply, /^HTTP\/1\.1 400 /)
  await assertAlive()
})

test('a flood of requests on one connection gets 429 with Retry-After', async () => {
  const conn = await rawConnect(server.port)
  let pipelined = ''
  for (let i = 0; i < 8; i++) pipelined += 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
  conn.write(pipelined)
  const reply = await readUntilClose(conn)
  const statuses = [...reply.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))
  assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200])
  assert.equal(statuses[5], 429)
  assert.match(reply, /Retry-After: \d+/)
  await assertAlive()
})
