// The shared wire examples in docs/protocol-examples, which the server's tests use too: the two
// sides of the contract cannot drift apart without one of them failing.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { decodeServerFrame, encodeCommand, type ClientCommand } from './frames'

// A plain path, not new URL(..., import.meta.url), which Vite would treat as an asset import.
const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/protocol-examples')
const example = (name: string): string => readFileSync(join(examplesDir, name), 'utf8').trim()

describe('shared protocol examples', () => {
  it.each(['server.hello.json', 'server.pong.json', 'server.error.json'])('decodes %s', (name) => {
    const text = example(name)
    const frame = decodeServerFrame(text)
    expect(frame).not.toBeNull()
    expect(frame).toEqual(JSON.parse(text))
  })

  it('decodes the live event and the ack examples', () => {
    const event = decodeServerFrame(example('server.event.json'))
    const { type, room, ...rest } = JSON.parse(example('server.event.json')) as Record<string, unknown>
    expect(type).toBe('event')
    // A message without `files` decodes with `files: []`.
    expect(event).toEqual({ type: 'event', room, event: { files: [], ...rest } })
    expect(decodeServerFrame(example('server.ack.json'))).toEqual(JSON.parse(example('server.ack.json')))
  })

  it.each([
    'server.call_state.json',
    'server.call_joined.json',
    'server.call_signal.json',
    'server.call_dropped.json',
  ])('decodes %s', (name) => {
    const text = example(name)
    expect(decodeServerFrame(text)).toEqual(JSON.parse(text))
  })

  it.each([
    'server.transfer_offer.json',
    'server.transfer_answer.json',
    'server.transfer_signal.json',
    'server.transfer_closed.json',
  ])('decodes %s', (name) => {
    const text = example(name)
    expect(decodeServerFrame(text)).toEqual(JSON.parse(text))
  })

  it('decodes the ICE servers an ack of a transfer carries', () => {
    const ice = [{ urls: ['turn:127.0.0.1:3478?transport=udp'], username: '1:2', credential: 'x' }]
    const text = JSON.stringify({ type: 'ack', cid: 'c-1', room: 3, ice_servers: ice })
    expect(decodeServerFrame(text)).toEqual({ type: 'ack', cid: 'c-1', room: 3, ice_servers: ice })
    expect(decodeServerFrame('{"type":"ack","cid":"c-1","ice_servers":[{"urls":"x"}]}')).toBeNull()
  })

  it('encodes the transfer commands as client-commands.json has them', () => {
    const all = JSON.parse(example('client-commands.json')) as { type: string }[]
    const transfers = all.filter((c) => c.type.startsWith('transfer_'))
    const mine: ClientCommand[] = [
      {
        type: 'transfer_offer',
        cid: 'c-33',
        room: 3,
        user: 2,
        id: 't-6b1f0c9e2a',
        name: 'holiday.mov',
        size: 1073741824,
        mime: 'video/quicktime',
        sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      },
      { type: 'transfer_answer', cid: 'c-34', id: 't-6b1f0c9e2a', accept: true },
      {
        type: 'transfer_signal',
        id: 't-6b1f0c9e2a',
        data: {
          candidate: {
            candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
            sdpMid: '0',
            sdpMLineIndex: 0,
          },
        },
      },
      { type: 'transfer_resume', cid: 'c-35', id: 't-6b1f0c9e2a' },
      { type: 'transfer_cancel', cid: 'c-36', id: 't-6b1f0c9e2a', reason: 'cancelled' },
    ]
    expect(mine.map((c) => JSON.parse(encodeCommand(c)) as unknown)).toEqual(transfers)
  })

  it('decodes the end of a call in the room log', () => {
    const { type, room, ...event } = JSON.parse(example('server.call_event.json')) as Record<string, unknown>
    expect(type).toBe('event')
    expect(decodeServerFrame(example('server.call_event.json'))).toEqual({ type: 'event', room, event })
  })

  it('decodes a call that ended (call: null) and refuses a call missing a field', () => {
    expect(decodeServerFrame('{"type":"call_state","room":3,"call":null}')).toEqual({
      type: 'call_state',
      room: 3,
      call: null,
    })
    const bad = example('server.call_state.json').replace('"away":false', '"away":0')
    expect(decodeServerFrame(bad)).toBeNull()
  })

  it('encodes the call commands as client-commands.json has them', () => {
    const all = JSON.parse(example('client-commands.json')) as { type: string }[]
    const calls = all.filter((c) => c.type === 'calls' || c.type.startsWith('call_'))
    const mine: ClientCommand[] = [
      { type: 'calls', cid: 'c-28' },
      { type: 'call_join', cid: 'c-29', room: 3, peer: 'p-4f1c9a2b', audio: true, video: true },
      {
        type: 'call_media',
        cid: 'c-30',
        room: 3,
        peer: 'p-4f1c9a2b',
        audio: false,
        video: true,
        screen: false,
      },
      {
        type: 'call_signal',
        room: 3,
        peer: 'p-4f1c9a2b',
        to: 'p-77d0e1aa',
        data: { description: { type: 'offer', sdp: 'v=0\r\n' } },
      },
      { type: 'call_decline', cid: 'c-31', room: 3 },
      { type: 'call_leave', cid: 'c-32', room: 3, peer: 'p-4f1c9a2b' },
    ]
    expect(mine.map((c) => JSON.parse(encodeCommand(c)) as unknown)).toEqual(calls)
  })

  it('encodes the search command as client-commands.json has it', () => {
    const all = JSON.parse(example('client-commands.json')) as { type: string }[]
    const search: ClientCommand = {
      type: 'search',
      cid: 'c-40',
      query: 'deploy "friday night"',
      room: 3,
      from: 2,
      after: 1764140000000,
      before: 1764240000000,
      cursor: 118,
      limit: 20,
    }
    expect([JSON.parse(encodeCommand(search)) as unknown]).toEqual(all.filter((c) => c.type === 'search'))
  })

  it('drops a frame whose fields have the wrong types', () => {
    const bad = example('server.event.json').replace('"seq":42', '"seq":"42"')
    expect(decodeServerFrame(bad)).toBeNull()
  })

  it('encodes the ping command as the example has it', () => {
    const ping: unknown = JSON.parse(example('client.ping.json'))
    expect(JSON.parse(encodeCommand({ type: 'ping', cid: '5f0c1d2e-0001' }))).toEqual(ping)
  })
})
