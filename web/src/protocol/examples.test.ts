// The shared wire examples in docs/protocol-examples, which the server's tests use too: the two
// sides of the contract cannot drift apart without one of them failing.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { decodeServerFrame, encodeCommand } from './frames'

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

  it('drops a frame whose fields have the wrong types', () => {
    const bad = example('server.event.json').replace('"seq":42', '"seq":"42"')
    expect(decodeServerFrame(bad)).toBeNull()
  })

  it('encodes the ping command as the example has it', () => {
    const ping: unknown = JSON.parse(example('client.ping.json'))
    expect(JSON.parse(encodeCommand({ type: 'ping', cid: '5f0c1d2e-0001' }))).toEqual(ping)
  })
})
