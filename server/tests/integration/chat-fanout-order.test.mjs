// Fan-out sharded over I/O threads (docs/architecture.md, "the real-time backbone"): with four I/O
// threads, so a room's sockets sit on several hub shards run by several threads, concurrent
// posters into three rooms; every socket sees every room's events live, in seq order, without gap
// or duplicate, and each sender's ack comes after its own event on its socket.
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH } from './harness.mjs'
import { signUp, signUpAdminFirst, Tabs, CHAT_ARGS } from './chat-client.mjs'

let server
let tabs
const people = []
before(async () => {
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS, '--threads', '4'])
  await signUpAdminFirst(server)
  for (const name of ['ann', 'ben', 'cat', 'dan', 'eva', 'fay']) people.push(await signUp(server, name))
  tabs = new Tabs(server)
})
afterEach(async () => {
  await tabs.closeAll()
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

test('concurrent posters, three rooms, sockets on four shards: one order per room, acks after events', async () => {
  // Two tabs each: twelve sockets, spread over the shards by their connection numbers.
  const sockets = []
  for (const who of people) sockets.push(await tabs.connect(who), await tabs.connect(who))
  const owner = sockets[0]
  const rooms = []
  for (let r = 0; r < 3; r++) {
    rooms.push((await owner.must({ type: 'create_room', kind: 'channel', name: `order-${r}` })).room)
  }
  // The room's last seq before the posts: the latest join's (from its ack: another socket may
  // not have that event yet).
  const lastSeq = new Map(rooms.map((room) => [room, 1]))
  for (const s of sockets.slice(2).filter((_, i) => i % 2 === 0)) {
    for (const room of rooms) {
      const ack = await s.must({ type: 'join', room })
      lastSeq.set(room, Math.max(lastSeq.get(room), ack.seq))
    }
  }
  // Everyone follows every room: settle, then remember where each socket's live log stands.
  for (const room of rooms) {
    for (const s of sockets) await s.waitForSeq(room, lastSeq.get(room))
  }
  const liveFrom = sockets.map((s) => new Map(rooms.map((room) => [room, s.log(room).live.length])))

  // Four posters, 60 posts each, all in flight at once, spread over the rooms.
  const posters = [sockets[0], sockets[3], sockets[6], sockets[9]]
  const perPoster = 60
  const acks = await Promise.all(
    posters.map((p, i) =>
      Promise.all(
        Array.from({ length: perPoster }, (_, k) => {
          const room = rooms[(i + k) % rooms.length]
          const before = p.frames.length
          return p.post(room, `p${i}-${k}`).then((ack) => ({ p, room, ack, before }))
        }),
      ),
    ),
  )
  const total = posters.length * perPoster
  const perRoom = new Map(rooms.map((room) => [room, 0]))
  for (const list of acks) for (const { room } of list) perRoom.set(room, perRoom.get(room) + 1)
  for (const room of rooms) {
    const end = lastSeq.get(room) + perRoom.get(room)
    for (const s of sockets) await s.waitForSeq(room, end)
  }
  assert.equal([...perRoom.values()].reduce((a, b) => a + b), total)

  // Every socket got every event of every room live, in seq order, contiguous.
  sockets.forEach((s, i) => {
    for (const room of rooms) {
      const live = s.log(room).live.slice(liveFrom[i].get(room))
      const first = lastSeq.get(room) + 1
      const expected = Array.from({ length: perRoom.get(room) }, (_, k) => first + k)
      assert.deepEqual(live, expected, `socket ${i}, room ${room}: live seqs out of order or missing`)
    }
    assert.deepEqual(s.anomalies, [], `socket ${i}`)
  })

  // On the sender's socket, each ack follows the event it acknowledges.
  for (const list of acks) {
    for (const { p, room, ack } of list) {
      const at = (pred) => p.frames.findIndex(pred)
      const eventAt = at((f) => f.type === 'event' && f.room === room && f.seq === ack.seq)
      const ackAt = at((f) => f.type === 'ack' && f.cid === ack.cid)
      assert.ok(eventAt >= 0 && eventAt < ackAt, `ack ${ack.cid} (seq ${ack.seq}) came before its event`)
    }
  }
})
