// `make reliability` (not in `make test`: minutes, not seconds): CYCLES times (100), three clients
// post into one room as fast as their acks come back, the server is killed with SIGKILL after a
// random number of acks, and restarted on the same data directory. After every restart each
// client resends what it has no ack for (same cid), and at the end every acknowledged message is
// in the room exactly once, at the seq its ack named, and the seqs have no gap.
//
//   PARLEY_BIN=build/release/bin/parley CYCLES=100 node server/tests/reliability/kill-cycles.mjs
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { startServer, FAST_AUTH } from '../integration/harness.mjs'
import { signUp, signUpAdminFirst, connect, newCid, CHAT_ARGS } from '../integration/chat-client.mjs'

const CYCLES = Number(process.env.CYCLES ?? 100)
const POSTERS = 3
const args = [...FAST_AUTH, ...CHAT_ARGS]

let server = await startServer(args)
const dataDir = server.dataDir
await signUpAdminFirst(server)
const people = []
for (let i = 0; i < POSTERS; i++) people.push(await signUp(server, `poster${i}`))
const owner = await connect(server, people[0])
const room = (await owner.must({ type: 'create_room', kind: 'channel', name: 'reliability' })).room
for (const p of people.slice(1)) await (await connect(server, p)).must({ type: 'join', room })

const acked = new Map() // cid -> {seq, id, text}
const unacked = new Map() // cid -> {text, who}: sent, no ack seen yet (resent by its sender)
let next = 0
const started = Date.now()

for (let cycle = 1; cycle <= CYCLES; cycle++) {
  const clients = await Promise.all(people.map((p) => connect(server, p, { sync: false })))
  // Resend first: the server must answer each with the ack it stored, or store it now.
  // (A cid belongs to its sender: the same cid from someone else is another message.)
  const resends = [...unacked].map(([cid, { text, who }]) => clients[who].command({ type: 'post', room, text, cid }))
  for (const [k, ans] of (await Promise.all(resends)).entries()) {
    const cid = [...unacked.keys()][k]
    assert.equal(ans.type, 'ack', JSON.stringify(ans))
    acked.set(cid, { seq: ans.seq, id: ans.id, text: unacked.get(cid).text })
  }
  unacked.clear()
  const killAt = 20 + Math.floor(Math.random() * 200)
  let acksThisCycle = 0
  server.expectExit()
  const pump = async (client, who) => {
    for (;;) {
      const cid = newCid('r')
      const text = `m${next++}`
      unacked.set(cid, { text, who })
      let ans
      try {
        ans = await client.command({ type: 'post', room, text, cid })
      } catch {
        return // the socket died with the server
      }
      assert.equal(ans.type, 'ack', JSON.stringify(ans))
      unacked.delete(cid)
      acked.set(cid, { seq: ans.seq, id: ans.id, text })
      if (++acksThisCycle === killAt) server.proc.kill('SIGKILL')
    }
  }
  await Promise.all(clients.flatMap((c, who) => [pump(c, who), pump(c, who)]))
  const [, signal] = await server.exited
  assert.equal(signal, 'SIGKILL')
  server = await startServer(args, { dataDir })
  if (cycle % 10 === 0) console.log(`cycle ${cycle}: ${acked.size} acked, ${Math.round((Date.now() - started) / 1000)} s`)
}

// The last resends, then the whole room read back.
const finals = await Promise.all(people.map((p) => connect(server, p, { sync: false })))
for (const [cid, { text, who }] of unacked) {
  const ans = await finals[who].command({ type: 'post', room, text, cid })
  assert.equal(ans.type, 'ack')
  acked.set(cid, { seq: ans.seq, id: ans.id, text })
}
const reader = await connect(server, people[1]) // syncs the room from 0
const events = reader.events(room)
assert.deepEqual(reader.anomalies, [])
assert.deepEqual(
  events.map((e) => e.seq),
  Array.from({ length: events.length }, (_, i) => i + 1),
  'seqs are contiguous',
)
const bySeq = new Map(events.map((e) => [e.seq, e]))
const texts = new Map()
for (const e of events) if (e.kind === 'message') texts.set(e.text, (texts.get(e.text) ?? 0) + 1)
for (const [cid, a] of acked) {
  const e = bySeq.get(a.seq)
  assert.ok(e && e.kind === 'message' && e.id === a.id && e.text === a.text, `acked ${cid} (${a.text}) is not at seq ${a.seq}`)
}
for (const [text, n] of texts) assert.equal(n, 1, `${text} stored ${n} times`)
console.log(`${CYCLES} kill -9 cycles: ${acked.size} acknowledged messages, each once and in place (${Math.round((Date.now() - started) / 1000)} s)`)
await server.stop()
rmSync(dataDir, { recursive: true, force: true })
process.exit(0)
