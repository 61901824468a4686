// Hostile clients against the WebSocket transport (issue 14): ping floods, pongs nobody asked for,
// readers that stall while asking for much, commands piled up before `hello`. Each one is bounded
// (closed, cut, or made to wait) and nothing legitimate is lost.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync, readdirSync } from 'node:fs'
import WebSocket from 'ws'
import { startServer, poll, metric, FAST_AUTH } from './harness.mjs'
import { signUp, signUpAdminFirst, connect, newCid } from './chat-client.mjs'

function rssBytes(server) {
  const status = readFileSync(`/proc/${server.proc.pid}/status`, 'utf8')
  return Number(status.match(/VmRSS:\s+(\d+) kB/)[1]) * 1024
}

function open(server, cookie, options = {}) {
  return new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
    headers: { origin: server.origin, cookie },
    ...options,
  })
}

test('pings count against the rate limit: a flood of them is closed with 1008', async () => {
  const server = await startServer([...FAST_AUTH, '--requests-per-second', '0.01', '--request-burst', '20'])
  try {
    const me = await signUp(server, 'pinger')
    const ws = open(server, me.cookie)
    await once(ws, 'message') // hello
    for (let i = 0; i < 100; i++) ws.ping('x'.repeat(125))
    const [code] = await once(ws, 'close')
    assert.equal(code, 1008)
  } finally {
    const { code } = await server.stop()
    assert.equal(code, 0, server.stderr)
  }
})

test('an unsolicited pong does not keep alive a socket that never answers the ping', async () => {
  const server = await startServer([...FAST_AUTH, '--ws-ping-interval', '0.3', '--ws-pong-timeout', '1'])
  try {
    const me = await signUp(server, 'ponger')
    const ws = open(server, me.cookie, { autoPong: false })
    await once(ws, 'message') // hello
    // Pongs with a payload of its own, as a client that never reads could send blindly.
    const timer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.pong('alive'), 50)
    const [code] = await once(ws, 'close')
    clearInterval(timer)
    assert.equal(code, 1006, 'cut without a handshake: the peer is presumed gone')
    assert.ok((await metric(server, 'parley_ws_dropped_silent_total')) >= 1)
  } finally {
    await server.stop()
  }
})

test('more commands before `hello` than ever fitted are all answered, none closes the socket', async () => {
  const server = await startServer([...FAST_AUTH, '--requests-per-second', '1000', '--request-burst', '1000'])
  try {
    const me = await signUp(server, 'flusher')
    const ws = open(server, me.cookie)
    await once(ws, 'open')
    // Sent at once on open, as an offline client flushes its outbox: the server has not sent
    // `hello` yet (it reads the rooms first), so these wait for it.
    const cids = Array.from({ length: 300 }, (_, i) => `early-${i}`)
    for (const cid of cids) ws.send(JSON.stringify({ type: 'ping', cid }))
    const answered = new Set()
    let closed = null
    ws.on('close', (code) => (closed = code))
    await new Promise((resolve, reject) => {
      ws.on('message', (m) => {
        const f = JSON.parse(m.toString())
        if (f.type === 'pong') answered.add(f.cid)
        if (answered.size === cids.length) resolve()
      })
      ws.on('close', (code) => reject(new Error(`closed with ${code} after ${answered.size} pongs`)))
    })
    assert.equal(closed, null)
    ws.close()
  } finally {
    await server.stop()
  }
})

// 40 messages of 60 KB: a `history` page of them is hundreds of kilobytes.
async function bigRoom(server, owner) {
  const a = await connect(server, owner)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'big' })).room
  for (let i = 0; i < 40; i++) await a.post(room, `${i} ${'x'.repeat(60_000)}`)
  return { a, room }
}

const BIG = ['--message-max-bytes', '65536', '--ws-max-message-bytes', '1048576']

test('a reader that asks much and reads nothing pins little memory, and then gets every answer', async () => {
  const server = await startServer([
    ...FAST_AUTH,
    ...BIG,
    '--requests-per-second', '100000',
    '--request-burst', '100000',
    '--write-timeout', '60',
  ], { env: { ASAN_OPTIONS: 'detect_leaks=1:quarantine_size_mb=0' } }) // freed memory is freed
  try {
    await signUpAdminFirst(server)
    const alice = await signUp(server, 'alice')
    const bob = await signUp(server, 'bob')
    const { a, room } = await bigRoom(server, alice)
    const b = await connect(server, bob)
    await b.must({ type: 'join', room })
    // What Alice's reads below cost by themselves, before the baseline is taken.
    for (let i = 0; i < 20; i++) await a.must({ type: 'history', room, limit: 100 })
    const before = rssBytes(server)

    // Bob stops reading and asks for 400 pages (a page is cut at 256 KiB: ~100 MB in all).
    b.ws.pause()
    const cids = []
    for (let i = 0; i < 400; i++) {
      const cid = newCid('h')
      cids.push(cid)
      b.send({ type: 'history', room, limit: 100, cid })
    }
    // Alice's reads go on meanwhile (they share the pool): each one is answered.
    for (let i = 0; i < 20; i++) {
      const page = await a.must({ type: 'history', room, limit: 100 })
      assert.ok(page.items.length > 0)
      assert.equal(page.more, true, 'a page of 40 x 60 KB is cut by bytes')
    }
    await poll(async () => (await metric(server, 'parley_ws_messages_received_total')) >= 400)
    const grown = rssBytes(server) - before
    assert.ok(grown < 48 << 20, `server grew by ${(grown / 1048576).toFixed(1)} MB for a reader that reads nothing`)

    // Bob reads again: every answer arrives, in the order asked.
    const got = []
    const done = new Promise((resolve, reject) => {
      b.ws.on('message', (m) => {
        const f = JSON.parse(m.toString())
        if (f.type === 'history') got.push(f.cid)
        if (got.length === cids.length) resolve()
      })
      b.ws.on('close', (code) => reject(new Error(`dropped (${code}) after ${got.length} answers`)))
    })
    b.ws.resume()
    await done
    assert.deepEqual(got, cids)
    assert.equal(b.closeInfo, null)
    await a.close()
    await b.close()
  } finally {
    const { code } = await server.stop()
    assert.equal(code, 0, server.stderr)
  }
})

test('a write the peer takes nothing of is cut after --write-timeout', async () => {
  const server = await startServer([
    ...FAST_AUTH,
    ...BIG,
    '--requests-per-second', '100000',
    '--request-burst', '100000',
    '--write-timeout', '1',
  ])
  try {
    await signUpAdminFirst(server)
    const alice = await signUp(server, 'alice')
    const { a, room } = await bigRoom(server, alice)
    const stalled = open(server, alice.cookie)
    await once(stalled, 'message') // hello
    stalled.pause()
    for (let i = 0; i < 200; i++) stalled.send(JSON.stringify({ type: 'history', room, limit: 100, cid: `s${i}` }))
    await poll(async () => (await metric(server, 'parley_ws_dropped_slow_total')) >= 1, { timeout: 30000 })
    await a.ping() // the server goes on
    await a.close()
    stalled.terminate()
  } finally {
    await server.stop()
  }
})

test('an `edits` answer is bounded: the latest versions, and `more`', async () => {
  const server = await startServer([...FAST_AUTH, '--requests-per-second', '100000', '--request-burst', '100000'])
  try {
    const alice = await signUp(server, 'alice')
    const a = await connect(server, alice)
    const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'edits' })).room
    const id = (await a.post(room, 'v0')).id
    for (let i = 1; i <= 150; i++) await a.must({ type: 'edit', id, text: `v${i}` })
    const answer = await a.must({ type: 'edits', id })
    assert.equal(answer.versions.length, 100)
    assert.equal(answer.more, true)
    assert.equal(answer.versions.at(-1).text, 'v149', 'the latest earlier version is kept')
    await a.close()
  } finally {
    await server.stop()
  }
})

// A peer that vanishes (a reset, or a FIN without a close frame, as a phone losing its network
// does) left its socket's descriptor and session behind for good: the writer waited on for ever.
// 10,000 of them would have exhausted the process's descriptors.
test('sockets that vanish without a close frame free their descriptors', async () => {
  const server = await startServer([...FAST_AUTH])
  try {
    const me = await signUp(server, 'vanisher')
    const fds = () => readdirSync(`/proc/${server.proc.pid}/fd`).length
    const before = fds()
    for (const vanish of [(ws) => ws.terminate(), (ws) => ws._socket.end()]) {
      const sockets = []
      for (let i = 0; i < 50; i++) {
        const ws = open(server, me.cookie)
        ws.on('error', () => {})
        await once(ws, 'message') // hello
        sockets.push(ws)
      }
      for (const ws of sockets) vanish(ws)
      await poll(() => fds() <= before + 4, { what: `descriptors back to ${before} (now ${fds()})` })
    }
  } finally {
    const { code } = await server.stop()
    assert.equal(code, 0, server.stderr)
  }
})
