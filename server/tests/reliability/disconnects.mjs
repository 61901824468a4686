// `make reliability`: DISCONNECTS (1,000) random disconnects during traffic. Six users post into
// one room; again and again one of their sockets goes away — a clean close, a reset, a FIN with
// the socket still reading (half-open), or a reader that stalls for a while — and comes back,
// continuing its log (sync from its last seq) and resending what it has no ack for. At the end
// every client's log of the room is the same, with no gap, and holds every acknowledged message
// exactly once.
//
//   PARLEY_BIN=build/release/bin/parley DISCONNECTS=1000 node server/tests/reliability/disconnects.mjs
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH } from '../integration/harness.mjs'
import { signUp, signUpAdminFirst, ChatClient, newCid, signature, CHAT_ARGS } from '../integration/chat-client.mjs'

const DISCONNECTS = Number(process.env.DISCONNECTS ?? 1000)
const USERS = 6
// Small queues, so that stalled readers are dropped (1013) now and then too.
const server = await startServer([...FAST_AUTH, ...CHAT_ARGS, '--ws-queue-frames', '64'])
const started = Date.now()
await signUpAdminFirst(server)
const people = []
for (let i = 0; i < USERS; i++) people.push(await signUp(server, `user${i}`))
const first = await ChatClient.connect(server, people[0].cookie)
const room = (await first.must({ type: 'create_room', kind: 'channel', name: 'chaos' })).room
for (const p of people.slice(1)) {
  const c = await ChatClient.connect(server, p.cookie)
  await c.must({ type: 'join', room })
  await c.close()
}
await first.close()

const acked = new Map() // cid -> {seq, id, text}
const seats = people.map((p) => ({ person: p, logs: new Map(), unacked: new Map(), client: null, text: 0 }))

let refusedOpens = 0
async function open(seat) {
  // A socket may be dropped as too slow (1013) even before `hello`, with this small queue and
  // this much traffic: a client reconnects then, as the protocol says.
  for (;;) {
    try {
      seat.client = await ChatClient.connect(server, seat.person.cookie, { logs: seat.logs })
      break
    } catch (e) {
      if (!/1013/.test(e.message)) throw e
      refusedOpens++
    }
  }
  for (const [cid, text] of seat.unacked) post(seat, cid, text)
}

function post(seat, cid, text) {
  seat.unacked.set(cid, text)
  seat.client
    .command({ type: 'post', room, text, cid })
    .then((ans) => {
      assert.equal(ans.type, 'ack', JSON.stringify(ans))
      seat.unacked.delete(cid)
      acked.set(cid, { seq: ans.seq, id: ans.id, text })
    })
    .catch(() => {}) // the socket went away: resent on the next open
}

for (const seat of seats) await open(seat)
let stop = false
const posters = seats.map(async (seat) => {
  while (!stop) {
    if (seat.client && !seat.client.closeInfo && seat.unacked.size < 8) {
      post(seat, newCid('c'), `${seat.person.username}-${seat.text++}`)
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
})

const kinds = { close: 0, reset: 0, halfOpen: 0, stall: 0 }
for (let n = 0; n < DISCONNECTS; n++) {
  const seat = seats[Math.floor(Math.random() * seats.length)]
  const c = seat.client
  const kind = ['close', 'reset', 'halfOpen', 'stall'][Math.floor(Math.random() * 4)]
  kinds[kind]++
  if (kind === 'stall') {
    c.ws.pause()
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 200)) // the stall itself
    c.ws.resume()
    if (!c.closeInfo) continue // it kept up (or was dropped 1013: then it reconnects below)
  } else if (kind === 'close') {
    c.ws.close()
  } else if (kind === 'reset') {
    c.ws.terminate()
  } else {
    c.ws._socket.end() // FIN: no more from us; the server's answers may still come
  }
  await c.closed
  await open(seat)
  if ((n + 1) % 100 === 0) console.log(`${n + 1} disconnects, ${acked.size} acked`)
}
stop = true
await Promise.all(posters)
// Everyone comes back once more and resends; then all logs are read to the end.
for (const seat of seats) {
  seat.client.ws.close()
  await seat.client.closed
  await open(seat)
}
for (const seat of seats) {
  for (;;) {
    const pending = [...seat.unacked]
    if (pending.length === 0) break
    await Promise.all(
      pending.map(([cid, text]) =>
        seat.client.command({ type: 'post', room, text, cid }).then((ans) => {
          seat.unacked.delete(cid)
          acked.set(cid, { seq: ans.seq, id: ans.id, text })
        }),
      ),
    )
  }
}
let end = 0
for (const a of acked.values()) end = Math.max(end, a.seq)
for (const seat of seats) {
  await seat.client.waitForSeq(room, end)
  await seat.client.syncAll()
}
const reference = seats[0].client.events(room).map(signature)
assert.deepEqual(
  reference.map((e) => e.seq),
  Array.from({ length: reference.length }, (_, i) => i + 1),
  'no gap',
)
for (const seat of seats) {
  assert.deepEqual(seat.client.events(room).map(signature), reference, `${seat.person.username}'s log differs`)
  assert.deepEqual(seat.client.anomalies, [])
}
const bySeq = new Map(seats[0].client.events(room).map((e) => [e.seq, e]))
const texts = new Map()
for (const e of bySeq.values()) if (e.kind === 'message') texts.set(e.text, (texts.get(e.text) ?? 0) + 1)
for (const [cid, a] of acked) {
  const e = bySeq.get(a.seq)
  assert.ok(e && e.id === a.id && e.text === a.text, `acked ${cid} (${a.text}) is not at seq ${a.seq}`)
}
for (const [text, n] of texts) assert.equal(n, 1, `${text} stored ${n} times`)
console.log(
  `${DISCONNECTS} disconnects (${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', ')}): ` +
    `${acked.size} acknowledged messages, ${USERS} identical logs of ${reference.length} events, ` +
    `no gap, nothing twice; ${refusedOpens} reconnects dropped as too slow and retried ` +
    `(${Math.round((Date.now() - started) / 1000)} s)`,
)
for (const seat of seats) await seat.client.close()
await server.stop()
process.exit(0)
