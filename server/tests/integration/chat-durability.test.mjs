// Durability (docs/protocol.md: "The ack is sent only after the transaction is on disk"): a client
// pipelines posts, the server is killed with SIGKILL mid-stream, and after a restart on the same
// data directory every acked message is there with its seq; resending the unacked cids makes each
// message at most once.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, FAST_AUTH } from './harness.mjs'
import { signUp, signUpAdminFirst, connect, newCid, CHAT_ARGS } from './chat-client.mjs'

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

test('every acked post survives SIGKILL with the same seq, and resent cids make each message once', async () => {
  const first = await startServer([...FAST_AUTH, ...CHAT_ARGS])
  let second = null
  try {
    await signUpAdminFirst(first)
    const alice = await signUp(first, 'alice')
    const bob = await signUp(first, 'bob')
    const a = await connect(first, alice)
    const b = await connect(first, bob)
    const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'durable' })).room
    const j = await b.must({ type: 'join', room })
    await b.requestSync(room)
    await b.waitForSeq(room, j.seq)
    const base = b.last(room)

    const pipelined = 1000
    const lastMoment = 50
    const total = pipelined + lastMoment
    const killAfter = 100
    const cids = range(0, total - 1).map((i) => newCid(`durable-${i}`))
    const acks = new Map() // index -> ack
    const refused = []
    first.expectExit()
    const settled = []
    const post = (i) =>
      settled.push(
        a.command({ type: 'post', room, text: `durable ${i}`, cid: cids[i] }).then(
          (ans) => {
            if (ans.type === 'ack') acks.set(i, ans)
            else refused.push(ans)
            if (acks.size === killAfter && !first.proc.killed) {
              // The plug is pulled right after the last posts are sent: those cannot have been
              // stored and acked yet (a commit alone takes longer), so some posts are always
              // unacked, however fast the server got through the pipelined ones (group commit
              // may ack hundreds at once).
              for (let k = pipelined; k < total; k++) post(k)
              first.proc.kill('SIGKILL')
            }
          },
          () => {}, // the socket died before this answer
        ),
      )
    for (let i = 0; i < pipelined; i++) post(i)
    // The posts sent at the last moment join `settled` while the first ones are answered.
    for (let n = 0; n < settled.length; n = settled.length) await Promise.all(settled.slice(n))
    const [, signal] = await first.exited
    assert.equal(signal, 'SIGKILL')
    assert.deepEqual(refused, [])
    assert.ok(acks.size >= killAfter, `${acks.size} acks`)
    assert.ok(acks.size < total, 'every post was acked before the kill: the test proved nothing, raise total')
    const seenLive = b.events(room).filter((e) => e.kind === 'message')

    second = await startServer([...FAST_AUTH, ...CHAT_ARGS], { dataDir: first.dataDir })
    const a2 = await connect(second, alice) // the session survived too; connect syncs from 0
    const events = a2.events(room)
    const last = events.at(-1).seq
    assert.deepEqual(
      events.map((e) => e.seq),
      range(1, last),
      'seqs are contiguous after the crash',
    )
    assert.deepEqual(a2.anomalies, [])
    const bySeq = new Map(events.map((e) => [e.seq, e]))
    for (const [i, ack] of acks) {
      const ev = bySeq.get(ack.seq)
      assert.ok(ev, `acked post ${i} (seq ${ack.seq}) is gone`)
      assert.equal(ev.kind, 'message')
      assert.equal(ev.id, ack.id)
      assert.equal(ev.text, `durable ${i}`)
    }
    for (const ev of seenLive) {
      const now = bySeq.get(ev.seq)
      assert.ok(
        now && now.id === ev.id && now.text === ev.text,
        `event ${ev.seq} was delivered live but is gone`,
      )
    }
    const count = (evs) => {
      const n = new Map()
      for (const e of evs) if (e.kind === 'message') n.set(e.text, (n.get(e.text) ?? 0) + 1)
      return n
    }
    for (const [text, n] of count(events)) assert.equal(n, 1, `${text} stored ${n} times`)
    assert.equal(last - base, count(events).size, 'only the posts made events')

    // The client resends everything it has no ack for (and, to be sure, the acked ones too).
    const again = await Promise.all(
      cids.map((cid, i) => a2.command({ type: 'post', room, text: `durable ${i}`, cid })),
    )
    for (const [i, ans] of again.entries()) {
      assert.equal(ans.type, 'ack', `resend ${i}: ${JSON.stringify(ans)}`)
      if (acks.has(i)) assert.deepEqual(ans, acks.get(i), `resend of acked post ${i}`)
    }
    const end = Math.max(...again.map((x) => x.seq))
    await a2.waitForSeq(room, end)
    await a2.ping()
    const after = a2.events(room)
    assert.deepEqual(
      after.map((e) => e.seq),
      range(1, end),
    )
    const counts = count(after)
    assert.equal(counts.size, total)
    for (const i of range(0, total - 1)) assert.equal(counts.get(`durable ${i}`), 1, `durable ${i}`)
    for (const [i, ans] of again.entries())
      assert.equal(a2.events(room).find((e) => e.seq === ans.seq).text, `durable ${i}`)
    await a2.close()
  } finally {
    if (second) {
      const { code } = await second.stop() // removes the shared data directory
      assert.equal(code, 0, second.stderr)
    } else {
      await first.stop()
    }
  }
})
