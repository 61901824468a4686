// A client that stops reading (docs/protocol.md, transport rules: "outbound queue over
// --ws-queue-frames: close 1013, reconnect and resync"): its socket is dropped, the others keep
// receiving everything, and the dropped client catches up by sync when it comes back.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { BIN, startServer, FAST_AUTH } from './harness.mjs'
import { signUp, signUpAdminFirst, connect, signature, CHAT_ARGS } from './chat-client.mjs'

const HAS_MAX_TEXT = (spawnSync(BIN, ['--help'], { encoding: 'utf8' }).stdout ?? '').includes(
  '--message-max-bytes',
)
// Big messages fill the kernel's socket buffers (a few MB on loopback) quickly.
const TEXT_BYTES = HAS_MAX_TEXT ? 60_000 : 16_000
const QUEUE_FRAMES = 8

let server
let alice, bob, carol
before(async () => {
  server = await startServer([
    ...FAST_AUTH,
    ...CHAT_ARGS,
    '--ws-queue-frames',
    String(QUEUE_FRAMES),
    '--ws-max-message-bytes',
    '1048576',
    ...(HAS_MAX_TEXT ? ['--message-max-bytes', '65536'] : []),
  ])
  await signUpAdminFirst(server)
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
  carol = await signUp(server, 'carol')
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

test('a socket that stops reading is dropped; the others get every event; it resyncs after reconnecting', async () => {
  const a = await connect(server, alice)
  const b = await connect(server, bob)
  const c = await connect(server, carol)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'firehose' })).room
  for (const x of [b, c]) {
    const j = await x.must({ type: 'join', room })
    await x.requestSync(room)
    await x.waitForSeq(room, j.seq)
  }
  await a.waitForSeq(room, c.last(room))
  const base = a.last(room)

  c.ws.pause() // carol's client stops reading; the kernel buffers fill, then the server's queue
  // Alice posts (two posts in flight at a time: her and bob's queues, an ack and an event per post,
  // stay well under the limit) until the server reports a dropped socket, then 20 more: the room
  // goes on after the drop. The cap is far beyond what loopback buffers hold.
  const dropped = async () =>
    Number(
      (await (await fetch(`${server.url}/metrics`)).text()).match(
        /parley_ws_dropped_slow_total (\d+)/,
      )?.[1] ?? 0,
    )
  const acks = []
  const cap = Math.ceil((32 * 1024 * 1024) / TEXT_BYTES)
  let after = null
  while (acks.length < cap && (after === null || acks.length < after + 20)) {
    const i = acks.length
    acks.push(
      ...(await Promise.all([
        a.post(room, `${i}:`.padEnd(TEXT_BYTES, 'z')),
        a.post(room, `${i + 1}:`.padEnd(TEXT_BYTES, 'z')),
      ])),
    )
    if (after === null && acks.length % 10 === 0 && (await dropped()) > 0) after = acks.length
  }
  assert.ok(after !== null, `no socket was dropped after ${acks.length} posts of ${TEXT_BYTES} bytes`)
  const count = acks.length
  const last = base + count
  assert.deepEqual(
    acks.map((x) => x.seq).sort((x, y) => x - y),
    Array.from({ length: count }, (_, i) => base + 1 + i),
  )

  // Bob, who reads, got everything, in order, nothing dropped.
  await b.waitForSeq(room, last)
  await b.ping()
  assert.deepEqual(
    b.log(room).live.slice(-count),
    Array.from({ length: count }, (_, i) => base + 1 + i),
  )
  const got = b.events(room).filter((e) => e.kind === 'message' && e.seq > base)
  assert.equal(got.length, count)
  for (const e of got) assert.equal(Buffer.byteLength(e.text), TEXT_BYTES)
  assert.deepEqual(b.anomalies, [])
  await a.waitForSeq(room, last)
  assert.equal(await dropped(), 1, 'only the stalled socket was dropped')
  assert.equal(a.closeInfo, null)
  assert.equal(b.closeInfo, null)

  // Carol reads again: the server must have given up on her socket by now, so what she finds is
  // the close (1013, or the TCP connection cut), not a pong.
  c.ws.resume()
  const outcome = await Promise.race([
    c.closed.then((info) => ({ closed: info })),
    c.ping().then(
      () => ({ pong: true }),
      () => c.closed.then((info) => ({ closed: info })),
    ),
  ])
  assert.ok(
    outcome.closed,
    `the stalled socket was not dropped (it answered a ping after ${count} large events)`,
  )
  assert.ok([1013, 1006].includes(outcome.closed.code), `close ${JSON.stringify(outcome.closed)}`)
  assert.ok(c.last(room) < last, 'the stalled client received everything anyway')

  // Reconnect and resync from where it stopped: the same room as bob's.
  const c2 = await connect(server, carol, { logs: c.logs, syncLimit: 10 })
  await c2.waitForSeq(room, last)
  assert.deepEqual(c2.events(room).map(signature), b.events(room).map(signature))
  assert.deepEqual(c2.anomalies, [])
  for (const x of [a, b, c2]) await x.close()
})
