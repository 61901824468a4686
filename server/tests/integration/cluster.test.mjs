// A cluster (issue 20, docs/deploy.md "A cluster"): three nodes of the real binary sharing one real
// PostgreSQL (--store), one real Redis (--bus) and one data directory, all on loopback. Proves: people
// on different nodes chat in one room and every client ends with the same log in the same order;
// kill -9 of a node loses no acknowledged message and its clients go on through another node with
// nothing missed or twice; Redis restarting mid-traffic loses nothing (clients resync); presence
// and sign-out hold across nodes; sign-in limits count attempts on every node together; a call
// started on one node is answered and signalled from another.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, startPostgres, startRedis, FAST_AUTH, Client } from './harness.mjs'
import { signUp, signUpAdminFirst, connect, newCid, CHAT_ARGS } from './chat-client.mjs'

let pg
let redis
let db
let dataDir
const nodes = []
const nodeArgs = () => [...FAST_AUTH, ...CHAT_ARGS, '--store', db, '--bus', redis.url]
const startNode = () => startServer(nodeArgs(), { dataDir })

before(async () => {
  pg = await startPostgres()
  db = await pg.createDatabase('cluster')
  redis = await startRedis()
  dataDir = mkdtempSync(join(tmpdir(), 'parley-cluster-'))
  // The first node applies the migrations; the others start together.
  nodes.push(await startNode())
  nodes.push(...(await Promise.all([startNode(), startNode()])))
  await signUpAdminFirst(nodes[0])
})

after(async () => {
  for (const n of nodes) {
    const { code } = await n.stop() // the first one removes the shared data directory
    assert.equal(code, 0, `node exit code (stderr: ${n.stderr})`)
  }
  rmSync(dataDir, { recursive: true, force: true })
  await redis.kill()
  await pg.stop()
})

const messages = (client, room) =>
  client
    .events(room)
    .filter((e) => e.kind === 'message')
    .map((e) => ({ seq: e.seq, id: e.id, text: e.text }))

function assertContiguous(client, room) {
  const seqs = client.events(room).map((e) => e.seq)
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => i + 1),
    'the log has every seq once, in order',
  )
  assert.deepEqual(client.anomalies, [])
}

test('people on three nodes chat in one room: every client has the same log in the same order', async () => {
  const people = await Promise.all(['ann', 'bob', 'cat'].map((name, i) => signUp(nodes[i], name)))
  const clients = await Promise.all(people.map((p, i) => connect(nodes[i], p)))
  const room = (
    await clients[0].must({
      type: 'create_room',
      kind: 'channel',
      name: 'everywhere',
    })
  ).room
  await clients[1].must({ type: 'join', room })
  await clients[2].must({ type: 'join', room })

  // Everyone posts at once, pipelined: the writers of three nodes number one room's events.
  const perPerson = 40
  const acks = await Promise.all(
    clients.flatMap((c, who) =>
      Array.from({ length: perPerson }, (_, i) =>
        c.must({ type: 'post', room, text: `${who}:${i}`, cid: newCid() }),
      ),
    ),
  )
  const last = Math.max(...acks.map((a) => a.seq))
  await Promise.all(clients.map((c) => c.waitForSeq(room, last)))
  await Promise.all(clients.map((c) => c.settled()))

  const logs = clients.map((c) => messages(c, room))
  assert.equal(logs[0].length, 3 * perPerson)
  assert.deepEqual(logs[1], logs[0], 'bob (node 2) sees what ann (node 1) sees')
  assert.deepEqual(logs[2], logs[0], 'cat (node 3) sees what ann (node 1) sees')
  for (const c of clients) assertContiguous(c, room)
  // Each person's own posts keep the order they were sent in.
  for (let who = 0; who < 3; who++) {
    const mine = logs[0].filter((m) => m.text.startsWith(`${who}:`)).map((m) => m.text)
    assert.deepEqual(
      mine,
      Array.from({ length: perPerson }, (_, i) => `${who}:${i}`),
    )
  }
  for (const a of acks) assert.equal(logs[0].find((m) => m.seq === a.seq)?.id, a.id, `ack ${a.seq}`)
  await Promise.all(clients.map((c) => c.close()))
})

test('kill -9 of a node loses no acked message; its client goes on through another node, nothing twice', async () => {
  const dan = await signUp(nodes[0], 'dan')
  const eve = await signUp(nodes[2], 'eve')
  const d = await connect(nodes[1], dan) // on the node that dies
  const e = await connect(nodes[2], eve) // watches from another node
  const room = (await d.must({ type: 'create_room', kind: 'channel', name: 'crash' })).room
  await e.must({ type: 'join', room })

  // As chat-durability.test.mjs: posts pipelined; after `killAfter` acks, the last ones are sent
  // and the node is killed at once, so some are never acked however fast it got through the rest.
  const pipelined = 600
  const lastMoment = 50
  const total = pipelined + lastMoment
  const killAfter = 60
  const cids = Array.from({ length: total }, (_, i) => newCid(`crash-${i}`))
  const acks = new Map()
  const victim = nodes[1]
  victim.expectExit()
  const settled = []
  const post = (i) =>
    settled.push(
      d.command({ type: 'post', room, text: `crash ${i}`, cid: cids[i] }).then(
        (ans) => {
          assert.equal(ans.type, 'ack', JSON.stringify(ans))
          acks.set(i, ans)
          if (acks.size === killAfter && !victim.proc.killed) {
            for (let k = pipelined; k < total; k++) post(k)
            victim.proc.kill('SIGKILL')
          }
        },
        () => {}, // the node died before this answer
      ),
    )
  for (let i = 0; i < pipelined; i++) post(i)
  for (let n = 0; n < settled.length; n = settled.length) await Promise.all(settled.slice(n))
  const [, signal] = await victim.exited
  assert.equal(signal, 'SIGKILL')
  assert.ok(acks.size >= killAfter && acks.size < total, `${acks.size} of ${total} acked before the kill`)

  // Dan's client reconnects through node 1, continues from its log and sends again every post it
  // has no ack for (and the acked ones, to be sure): each is stored once.
  const d2 = await connect(nodes[0], dan, { logs: d.logs })
  const again = await Promise.all(
    cids.map((cid, i) => d2.command({ type: 'post', room, text: `crash ${i}`, cid })),
  )
  for (const [i, ans] of again.entries()) {
    assert.equal(ans.type, 'ack', `resend ${i}: ${JSON.stringify(ans)}`)
    if (acks.has(i)) assert.deepEqual(ans, acks.get(i), `the resend of acked post ${i} gets the same ack`)
  }
  const last = Math.max(...again.map((a) => a.seq))
  await Promise.all([d2.waitForSeq(room, last), e.waitForSeq(room, last)])
  await Promise.all([d2.settled(), e.settled()])
  for (const c of [d2, e]) {
    assertContiguous(c, room)
    const texts = messages(c, room).map((m) => m.text)
    assert.deepEqual(
      [...texts].sort(),
      cids.map((_, i) => `crash ${i}`).sort(),
      'every post once, none missing',
    )
  }
  assert.deepEqual(messages(d2, room), messages(e, room))

  nodes[1] = await startNode() // back for the tests after this one
  await Promise.all([d2.close(), e.close()])
})

test('Redis restarting mid-traffic loses nothing: clients are closed with 1012 and resync', async () => {
  const fay = await signUp(nodes[0], 'fay')
  const gus = await signUp(nodes[1], 'gus')
  const f = await connect(nodes[0], fay)
  const g = await connect(nodes[1], gus)
  const room = (
    await f.must({
      type: 'create_room',
      kind: 'channel',
      name: 'redis-restart',
    })
  ).room
  await g.must({ type: 'join', room })

  const acked = []
  const post = (c, text) =>
    c.command({ type: 'post', room, text, cid: newCid() }).then(
      (a) => a.type === 'ack' && acked.push(text),
      () => {},
    )
  const first = Array.from({ length: 50 }, (_, i) => post(f, `before ${i}`))
  await redis.kill()
  const during = Array.from({ length: 50 }, (_, i) => post(g, `during ${i}`))
  await redis.start()
  await Promise.all([...first, ...during])
  const [cf, cg] = await Promise.all([f.closed, g.closed])
  assert.equal(cf.code, 1012, JSON.stringify(cf))
  assert.equal(cg.code, 1012, JSON.stringify(cg))

  // Back, each on another node: from their logs, with everything acked before.
  const f2 = await connect(nodes[2], fay, { logs: f.logs })
  const g2 = await connect(nodes[0], gus, { logs: g.logs })
  const end = await f2.must({
    type: 'post',
    room,
    text: 'after',
    cid: newCid(),
  })
  acked.push('after')
  await Promise.all([f2.waitForSeq(room, end.seq), g2.waitForSeq(room, end.seq)])
  await Promise.all([f2.settled(), g2.settled()])
  for (const c of [f2, g2]) {
    assertContiguous(c, room)
    const texts = new Set(messages(c, room).map((m) => m.text))
    for (const t of acked) assert.ok(texts.has(t), `acked "${t}" is in the log`)
  }
  assert.deepEqual(messages(f2, room), messages(g2, room))
  await Promise.all([f2.close(), g2.close()])
})

test('presence and sign-out hold across nodes', async () => {
  const hal = await signUp(nodes[0], 'hal')
  const ivy = await signUp(nodes[1], 'ivy')
  const h = await connect(nodes[0], hal)
  const room = (await h.must({ type: 'create_room', kind: 'channel', name: 'presence' })).room
  const i1 = await connect(nodes[1], ivy)
  await i1.must({ type: 'join', room })
  const presenceOf = (online) => (fr) => fr.type === 'presence' && fr.user === ivy.id && fr.online === online

  // Ivy opens a second sign-in's socket on node 3, then closes the first: still online.
  const http = new Client(nodes[2])
  const r = await http.call('POST', '/api/auth/login', {
    login: 'ivy',
    password: 'a long enough secret',
  })
  assert.equal(r.status, 200, r.text)
  const phone = { ...ivy, cookie: http.cookieHeader(), http }
  const i2 = await connect(nodes[2], phone)
  const mark = h.mark()
  await i1.close()
  await i2.ping()
  await h.ping()

  // Signing out the phone's sign-in on node 1 closes its socket on node 3 with 4001.
  const out = await http.call('POST', '/api/auth/logout')
  assert.equal(out.status, 204)
  assert.equal((await i2.closed).code, 4001)
  // Only now is ivy offline, for hal on node 1: announced once.
  await h.waitFor(presenceOf(false), mark)
  assert.equal(h.framesSince(mark).filter(presenceOf(false)).length, 1)

  // Back on node 2: online for hal again.
  const mark2 = h.mark()
  const i3 = await connect(nodes[1], ivy)
  await h.waitFor(presenceOf(true), mark2)
  await Promise.all([h.close(), i3.close()])
})

test('a guesser spreading wrong passwords over the nodes is locked out as on one', async () => {
  await signUp(nodes[0], 'jon')
  // One address, one account: ten failures are allowed (per account and address), wherever made.
  const statuses = []
  for (let i = 0; i < 11; i++) {
    const r = await new Client(nodes[i % nodes.length]).call('POST', '/api/auth/login', {
      login: 'jon',
      password: `guess number ${i}`,
    })
    statuses.push(r.status)
  }
  assert.deepEqual(statuses, [...Array(10).fill(400), 429], 'the 11th guess, on any node, waits')
})

test('calls signal across nodes: a direct call started on one node is answered and signalled from another', async () => {
  const jay = await signUp(nodes[0], 'jay')
  const kim = await signUp(nodes[1], 'kim')
  const j = await connect(nodes[0], jay)
  const room = (await j.must({ type: 'direct', user: kim.id })).room
  const k = await connect(nodes[1], kim)
  const lastState = (client, pred) =>
    client.until(() => {
      const f = client.frames.findLast((x) => x.type === 'call_state' && x.room === room)
      return f && pred(f.call) ? f : null
    }, 'call_state')

  const joined = await j.must({
    type: 'call_join',
    room,
    peer: 'peer-jay-1',
    audio: true,
  })
  assert.deepEqual(joined.call.ringing, [kim.id])
  await lastState(k, (c) => c?.ringing.includes(kim.id)) // kim's tab on node 2 rings
  const listed = await k.must({ type: 'calls' })
  assert.deepEqual(
    listed.calls.map((c) => c.id),
    [joined.call.id],
    'node 2 lists the call living on node 1',
  )

  const answered = await k.must({
    type: 'call_join',
    room,
    peer: 'peer-kim-1',
    audio: true,
  })
  assert.equal(answered.call.id, joined.call.id, 'one call, wherever people join it')
  assert.deepEqual(answered.call.peers.map((p) => p.peer).sort(), ['peer-jay-1', 'peer-kim-1'])
  await lastState(j, (c) => c?.peers.length === 2)

  const offer = { description: { type: 'offer', sdp: 'v=0' } }
  j.send({
    type: 'call_signal',
    room,
    peer: 'peer-jay-1',
    to: 'peer-kim-1',
    data: offer,
  })
  assert.deepEqual(await k.waitFor((f) => f.type === 'call_signal'), {
    type: 'call_signal',
    room,
    from: 'peer-jay-1',
    user: jay.id,
    data: offer,
  })
  const answer = { description: { type: 'answer', sdp: 'v=0' } }
  k.send({
    type: 'call_signal',
    room,
    peer: 'peer-kim-1',
    to: 'peer-jay-1',
    data: answer,
  })
  assert.deepEqual((await j.waitFor((f) => f.type === 'call_signal')).data, answer)

  // Kim hangs up from node 2: the call ends everywhere and the log says so once.
  await k.must({ type: 'call_leave', room, peer: 'peer-kim-1', cid: newCid() })
  await Promise.all([lastState(j, (c) => c === null), lastState(k, (c) => c === null)])
  const ended = await j.waitFor(
    (f) => f.type === 'event' && f.room === room && f.kind === 'call' && f.call === 'ended',
  )
  await k.waitForSeq(room, ended.seq)
  assert.equal(k.events(room).filter((e) => e.kind === 'call' && e.call === 'ended').length, 1)
  assert.deepEqual((await k.must({ type: 'calls' })).calls, [])
  await Promise.all([j.close(), k.close()])
})
