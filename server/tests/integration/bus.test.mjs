// The server on a Redis bus (--bus redis://…, docs/deploy.md "A cluster"), against a real
// redis-server on loopback: chat works through it; Redis dying and coming back empty makes the
// server close its sockets with 1012 so clients reconnect and catch up from the store, and what
// they posted before is all there; a server that cannot reach Redis at start says so and stops.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { startServer, startRedis, FAST_AUTH } from './harness.mjs'
import { signUp, connect, CHAT_ARGS } from './chat-client.mjs'

let redis
let server
before(async () => {
  redis = await startRedis()
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS, '--bus', redis.url])
})
after(async () => {
  const { code } = await server.stop()
  await redis.kill()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

test('chat and presence go through Redis; Redis restarting makes clients reconnect and catch up', async () => {
  const ann = await signUp(server, 'ann')
  const bob = await signUp(server, 'bob')
  const a = await connect(server, ann)
  const b = await connect(server, bob)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'bus' })).room
  await b.must({ type: 'join', room })
  const first = await a.post(room, 'before Redis went away')
  await b.waitForSeq(room, first.seq)

  await redis.kill()
  await redis.start()
  const [closedA, closedB] = await Promise.all([a.closed, b.closed])
  assert.equal(closedA.code, 1012, JSON.stringify(closedA))
  assert.equal(closedB.code, 1012, JSON.stringify(closedB))

  // Back: the clients continue from their logs, nothing missing, and chat flows again.
  const a2 = await connect(server, ann, { logs: a.logs })
  const b2 = await connect(server, bob, { logs: b.logs })
  const second = await a2.post(room, 'after Redis came back')
  await b2.waitForSeq(room, second.seq)
  const texts = b2.logs.get(room).events.filter((e) => e.kind === 'message').map((e) => e.text)
  assert.deepEqual(texts, ['before Redis went away', 'after Redis came back'])
  assert.deepEqual(b2.anomalies, [])
  await a2.close()
  await b2.close()
})

test('a server that cannot reach its Redis says so and stops', async () => {
  // A port nothing listens on: taken from the system, then let go.
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
  const dead = `redis://127.0.0.1:${port}`
  await assert.rejects(
    startServer([...FAST_AUTH, '--bus', dead]),
    (e) => /cannot reach Redis/.test(e.message) && /exited with 1/.test(e.message),
  )
  await assert.rejects(startServer(['--bus', 'http://x']), /exited with 2/)
})
