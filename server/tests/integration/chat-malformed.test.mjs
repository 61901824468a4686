// Malformed chat commands (docs/protocol.md, "error"): every command with a missing field, a field
// of the wrong type or out of its limits gets the documented error frame naming the field, the cid
// is echoed when it was valid, nothing is stored, and the socket keeps working.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { BIN, startServer, FAST_AUTH, dump } from './harness.mjs'
import { signUp, signUpAdminFirst, connect, newCid, CHAT_ARGS } from './chat-client.mjs'

// A small message limit keeps the over-the-limit cases small (16 KiB by default otherwise).
const MAX_TEXT = (spawnSync(BIN, ['--help'], { encoding: 'utf8' }).stdout ?? '').includes(
  '--message-max-bytes',
)
  ? 100
  : 16384

let server
let alice, bob
before(async () => {
  const args = MAX_TEXT === 100 ? ['--message-max-bytes', '100'] : []
  server = await startServer([...FAST_AUTH, ...CHAT_ARGS, ...args])
  await signUpAdminFirst(server)
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
})
after(async () => {
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

// Sends a raw text frame and resolves with the next frame the socket receives.
async function answer(client, text) {
  const mark = client.mark()
  client.send(text)
  return client.waitFor(() => true, mark)
}

test('every command refuses missing, mistyped and out-of-range fields with the field named, and stores nothing', async () => {
  const a = await connect(server, alice)
  const b = await connect(server, bob)
  const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'strict' })).room
  await b.must({ type: 'join', room })
  const msg = await a.post(room, 'a fine message')
  const direct = (await a.must({ type: 'direct', user: bob.id })).room
  await b.ping()
  await a.ping()
  const before = dump(server)

  const long = (n, ch = 'x') => ch.repeat(n)
  // [frame without cid, code, field]; every frame gets a fresh valid cid, which must come back.
  const cases = [
    // post
    [{ type: 'post', text: 'no room' }, 'invalid', 'room'],
    [{ type: 'post', room }, 'invalid', 'text'],
    [{ type: 'post', room: String(room), text: 'room as a string' }, 'invalid', 'room'],
    [{ type: 'post', room: [room], text: 'room as an array' }, 'invalid', 'room'],
    [{ type: 'post', room: 1.5, text: 'room not an integer' }, 'invalid', 'room'],
    [{ type: 'post', room: true, text: 'room as a bool' }, 'invalid', 'room'],
    [{ type: 'post', room: null, text: 'room null' }, 'invalid', 'room'],
    [{ type: 'post', room, text: 5 }, 'invalid', 'text'],
    [{ type: 'post', room, text: null }, 'invalid', 'text'],
    [{ type: 'post', room, text: ['a'] }, 'invalid', 'text'],
    [{ type: 'post', room, text: '' }, 'invalid', 'text'],
    [{ type: 'post', room, text: '   \n\t  ' }, 'invalid', 'text'],
    [{ type: 'post', room, text: long(MAX_TEXT + 1) }, 'invalid', 'text'],
    [{ type: 'post', room, text: long(Math.ceil((MAX_TEXT + 1) / 3), '€') }, 'invalid', 'text'], // bytes, not characters
    [{ type: 'post', room, text: 'reply to a string', reply_to: 'x' }, 'invalid', 'reply_to'],
    [
      { type: 'post', room, text: 'reply to nothing', reply_to: 987654321 },
      ['invalid', 'not_found'],
      'reply_to?',
    ],
    [{ type: 'post', room: 987654, text: 'no such room' }, 'not_found', 'room'],
    [{ type: 'post', room: -1, text: 'negative room' }, ['invalid', 'not_found'], 'room?'],
    [{ type: 'post', room: 9007199254740993, text: 'beyond 2^53' }, ['invalid', 'not_found'], 'room?'],
    [{ type: 'post', room: 1e300, text: 'huge room' }, ['invalid', 'not_found'], 'room?'],
    // edit, delete, react
    [{ type: 'edit', text: 'no id' }, 'invalid', 'id'],
    [{ type: 'edit', id: String(msg.id), text: 'id as a string' }, 'invalid', 'id'],
    [{ type: 'edit', id: msg.id }, 'invalid', 'text'],
    [{ type: 'edit', id: msg.id, text: 42 }, 'invalid', 'text'],
    [{ type: 'edit', id: msg.id, text: '' }, 'invalid', 'text'],
    [{ type: 'edit', id: msg.id, text: long(MAX_TEXT + 1) }, 'invalid', 'text'],
    [{ type: 'edit', id: -5, text: 'negative id' }, ['invalid', 'not_found'], 'id?'],
    [{ type: 'delete' }, 'invalid', 'id'],
    [{ type: 'delete', id: { id: msg.id } }, 'invalid', 'id'],
    [{ type: 'delete', id: 987654321 }, 'not_found', 'id'],
    [{ type: 'react', emoji: '👍' }, 'invalid', 'id'],
    [{ type: 'react', id: msg.id }, 'invalid', 'emoji'],
    [{ type: 'react', id: msg.id, emoji: '' }, 'invalid', 'emoji'],
    [{ type: 'react', id: msg.id, emoji: 7 }, 'invalid', 'emoji'],
    [{ type: 'react', id: msg.id, emoji: long(33) }, 'invalid', 'emoji'],
    [{ type: 'react', id: msg.id, emoji: '👍'.repeat(9) }, 'invalid', 'emoji'], // 36 bytes, 9 characters
    // read, received
    [{ type: 'read', seq: 1 }, 'invalid', 'room'],
    [{ type: 'read', room }, 'invalid', 'seq'],
    [{ type: 'read', room, seq: '1' }, 'invalid', 'seq'],
    [{ type: 'read', room, seq: -1 }, 'invalid', 'seq'],
    [{ type: 'received', room }, 'invalid', 'seq'],
    [{ type: 'received', room: 'general', seq: 1 }, 'invalid', 'room'],
    // history, sync, thread, edits, members, typing
    [{ type: 'history' }, 'invalid', 'room'],
    [{ type: 'history', room, limit: 0 }, 'invalid', 'limit'],
    [{ type: 'history', room, limit: 101 }, 'invalid', 'limit'],
    [{ type: 'history', room, limit: '5' }, 'invalid', 'limit'],
    [{ type: 'history', room, before: 'end' }, 'invalid', 'before'],
    [{ type: 'sync', room }, 'invalid', 'after'],
    [{ type: 'sync', room, after: -1 }, 'invalid', 'after'],
    [{ type: 'sync', room, after: '0' }, 'invalid', 'after'],
    [{ type: 'sync', room, after: 0, limit: 1001 }, 'invalid', 'limit'],
    [{ type: 'sync', after: 0 }, 'invalid', 'room'],
    [{ type: 'thread' }, 'invalid', 'id'],
    [{ type: 'thread', id: msg.id, limit: 101 }, 'invalid', 'limit'],
    [{ type: 'edits' }, 'invalid', 'id'],
    [{ type: 'edits', id: 'one' }, 'invalid', 'id'],
    [{ type: 'members' }, 'invalid', 'room'],
    [{ type: 'members', room: {} }, 'invalid', 'room'],
    [{ type: 'typing' }, 'invalid', 'room'],
    [{ type: 'typing', room: 'x' }, 'invalid', 'room'],
    // rooms
    [{ type: 'create_room', name: 'no kind' }, 'invalid', 'kind'],
    [{ type: 'create_room', kind: 'direct', name: 'not made here' }, 'invalid', 'kind'],
    [{ type: 'create_room', kind: 'lounge', name: 'no such kind' }, 'invalid', 'kind'],
    [{ type: 'create_room', kind: 'channel' }, 'invalid', 'name'],
    [{ type: 'create_room', kind: 'channel', name: '' }, 'invalid', 'name'],
    [{ type: 'create_room', kind: 'channel', name: long(81) }, 'invalid', 'name'],
    [{ type: 'create_room', kind: 'channel', name: 12 }, 'invalid', 'name'],
    [{ type: 'create_room', kind: 'channel', name: 'long topic', topic: long(501) }, 'invalid', 'topic'],
    [{ type: 'create_room', kind: 'private', name: 'bad members', members: 'bob' }, 'invalid', 'members'],
    [{ type: 'create_room', kind: 'private', name: 'bad members', members: ['bob'] }, 'invalid', 'members'],
    [
      {
        type: 'create_room',
        kind: 'private',
        name: 'too many',
        members: Array.from({ length: 101 }, (_, i) => i + 1),
      },
      'invalid',
      'members',
    ],
    [
      { type: 'create_room', kind: 'private', name: 'ghost member', members: [987654] },
      ['invalid', 'not_found'],
      'members?',
    ],
    [{ type: 'direct' }, 'invalid', 'user'],
    [{ type: 'direct', user: 'bob' }, 'invalid', 'user'],
    [{ type: 'direct', user: 987654 }, 'not_found', 'user'],
    [{ type: 'join' }, 'invalid', 'room'],
    [{ type: 'join', room: 'strict' }, 'invalid', 'room'],
    [{ type: 'leave' }, 'invalid', 'room'],
    [{ type: 'invite', room }, 'invalid', 'user'],
    [{ type: 'invite', user: bob.id }, 'invalid', 'room'],
    [{ type: 'remove', room }, 'invalid', 'user'],
    [{ type: 'remove', room, user: [bob.id] }, 'invalid', 'user'],
    [{ type: 'update_room', name: 'x' }, 'invalid', 'room'],
    [{ type: 'update_room', room, name: '' }, 'invalid', 'name'],
    [{ type: 'update_room', room, name: long(81) }, 'invalid', 'name'],
    [{ type: 'update_room', room, topic: long(501) }, 'invalid', 'topic'],
    [{ type: 'room_settings', muted: true }, 'invalid', 'room'],
    [{ type: 'room_settings', room, volume: 101 }, 'invalid', 'volume'],
    [{ type: 'room_settings', room, volume: -1 }, 'invalid', 'volume'],
    [{ type: 'room_settings', room, volume: '50' }, 'invalid', 'volume'],
    [{ type: 'room_settings', room, notify: 'yes' }, 'invalid', 'notify'],
    [{ type: 'room_settings', room, muted: 1 }, 'invalid', 'muted'],
    [{ type: 'room_settings', room: direct, hidden: 'true' }, 'invalid', 'hidden'],
    // queries
    [{ type: 'directory', query: long(81) }, 'invalid', 'query'],
    [{ type: 'directory', query: 5 }, 'invalid', 'query'],
    [{ type: 'users' }, 'invalid', 'query'],
    [{ type: 'users', query: '' }, 'invalid', 'query'],
    [{ type: 'users', query: long(81) }, 'invalid', 'query'],
    [{ type: 'users', query: ['a'] }, 'invalid', 'query'],
    // the frame itself
    [{ type: 'dance' }, 'unknown_type', 'type'],
    [{ type: 'POST', room, text: 'types are case-sensitive' }, 'unknown_type', 'type'],
  ]
  const failures = []
  for (const [frame, code, field] of cases) {
    const cid = newCid('bad')
    const got = await a.command({ ...frame, cid })
    const codes = Array.isArray(code) ? code : [code]
    const ok =
      got.type === 'error' &&
      codes.includes(got.code) &&
      got.cid === cid &&
      typeof got.message === 'string' &&
      got.message.length > 0 &&
      // 'room?' means: the field when the code is invalid.
      (field === undefined
        ? got.field === undefined
        : field.endsWith('?')
          ? got.code !== 'invalid' || got.field === field.slice(0, -1)
          : got.field === field)
    if (!ok)
      failures.push(
        `${JSON.stringify(frame).slice(0, 160)}\n    expected ${codes.join('|')} field ${field}, got ${JSON.stringify(got).slice(0, 300)}`,
      )
  }

  // Mutating commands need a cid: without one they are refused (and cannot be acked).
  for (const frame of [
    { type: 'post', room, text: 'no cid' },
    { type: 'create_room', kind: 'channel', name: 'no-cid-room' },
    { type: 'react', id: msg.id, emoji: '👍' },
    { type: 'delete', id: msg.id },
  ]) {
    const got = await answer(a, JSON.stringify(frame))
    assert.equal(got.type, 'error', `${JSON.stringify(frame)} -> ${JSON.stringify(got)}`)
    assert.equal(got.code, 'invalid', JSON.stringify(got))
    assert.equal(got.field, 'cid', JSON.stringify(got))
  }

  // Invalid cids and non-objects: no cid comes back.
  const frames = [
    ['{"type":"post","room":' + room + ',"text":"cid array","cid":["a"]}', 'invalid', 'cid'],
    ['{"type":"post","room":' + room + ',"text":"cid number","cid":17}', 'invalid', 'cid'],
    [
      '{"type":"post","room":' + room + ',"text":"cid too long","cid":"' + 'c'.repeat(65) + '"}',
      'invalid',
      'cid',
    ],
    ['{"type":"post","room":' + room + ',"text":"cid not printable","cid":"a\\u0001b"}', 'invalid', 'cid'],
    ['{"room":' + room + ',"text":"no type","cid":"t-1"}', 'invalid', 'type', 't-1'],
    ['{"type":null,"cid":"t-2"}', 'invalid', 'type', 't-2'],
    ['[{"type":"post"}]', 'malformed', undefined],
    ['"post"', 'malformed', undefined],
    ['null', 'malformed', undefined],
    ['42', 'malformed', undefined],
    ['{"type":"post","room":' + room + ',"text":"unterminated"', 'malformed', undefined],
    [
      '{"type":"post","room":' + room + ',"text":"x","reply_to":' + '['.repeat(20) + ']'.repeat(20) + '}',
      'malformed',
      undefined,
    ],
  ]
  for (const [text, code, field, cid] of frames) {
    const got = await answer(a, text)
    assert.equal(got.type, 'error', `${text} -> ${JSON.stringify(got)}`)
    assert.equal(got.code, code, `${text} -> ${JSON.stringify(got)}`)
    assert.equal(got.field, field, `${text} -> ${JSON.stringify(got)}`)
    assert.equal(got.cid, cid, `${text} -> ${JSON.stringify(got)}`)
  }

  // Still working, nothing stored, nothing told to the other member.
  await a.ping()
  await b.ping()
  assert.deepEqual(
    b.frames.filter((f) => f.type === 'event' && f.seq > msg.seq && f.room === room),
    [],
  )
  assert.equal(dump(server), before, 'a refused command changed the database')
  assert.deepEqual(a.anomalies, [])

  // The limits are inclusive: exactly the maximum is accepted.
  const max = await a.post(room, 'y'.repeat(MAX_TEXT))
  const ev = await b.waitFor((f) => f.type === 'event' && f.seq === max.seq)
  assert.equal(ev.text.length, MAX_TEXT)
  await a.must({ type: 'react', id: msg.id, emoji: 'x'.repeat(32) })
  await a.must({ type: 'create_room', kind: 'channel', name: 'n'.repeat(80), topic: 't'.repeat(500) })
  await a.must({ type: 'history', room, limit: 100 })
  await a.must({ type: 'sync', room, after: 0, limit: 1000 })
  await a.close()
  await b.close()
  assert.deepEqual(failures, [], `\n${failures.join('\n')}`)
})

test('a binary frame closes the socket with 1003, and the server keeps serving', async () => {
  const a = await connect(server, alice)
  a.ws.send(Buffer.from('{"type":"ping","cid":"bin"}'), { binary: true })
  const { code } = await a.closed
  assert.equal(code, 1003)
  const again = await connect(server, alice)
  await again.ping()
  await again.close()
})

test('--message-max-bytes is the text limit, also above 64 KiB, and hello says the limits', async () => {
  const big = await startServer([
    ...FAST_AUTH,
    ...CHAT_ARGS,
    '--message-max-bytes',
    '200000',
    '--ws-max-message-bytes',
    '1048576',
    '--upload-max-bytes',
    '5000000',
  ])
  try {
    await signUpAdminFirst(big)
    const me = await signUp(big, 'alice')
    const a = await connect(big, me)
    assert.deepEqual(a.hello.limits, { message_bytes: 200000, frame_bytes: 1048576, upload_bytes: 5000000 })
    const room = (await a.must({ type: 'create_room', kind: 'channel', name: 'roomy' })).room
    const text = 'w'.repeat(200000)
    const ack = await a.command({ type: 'post', room, text })
    assert.equal(
      ack.type,
      'ack',
      `a 200000-byte text with --message-max-bytes 200000: ${JSON.stringify(ack)}`,
    )
    const ev = await a.waitFor((f) => f.type === 'event' && f.seq === ack.seq)
    assert.equal(ev.text, text)
    const over = await a.command({ type: 'post', room, text: text + 'w' })
    assert.equal(over.type, 'error')
    assert.equal(over.field, 'text')
    await a.close()
  } finally {
    await big.stop()
  }
})
