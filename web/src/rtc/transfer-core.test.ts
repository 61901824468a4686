// The transfer protocol without WebRTC: a sender and a receiver joined by fake channels and a fake
// sink; offsets, acknowledgements and the window, resume after a cut, cancel, and the checksum.
import { describe, expect, it } from 'vitest'
import { SendCore, type Lane } from './transfer-send'
import { ReceiveCore, type Sink } from './transfer-receive'
import { HEADER_BYTES, decodeChunk, encodeChunk, parseControl, type Control } from './transfer-wire'

const tick = () => new Promise((r) => setTimeout(r, 0))

class FakeLane implements Lane {
  bufferedAmount = 0
  queue: ArrayBuffer[] = []
  send(m: ArrayBuffer): void {
    this.queue.push(m)
    this.bufferedAmount += m.byteLength
  }
  // Delivers what waits in it (in any order given), emptying the buffer.
  drain(to: (m: ArrayBuffer) => void, reverse = false): number {
    const q = reverse ? this.queue.reverse() : this.queue
    this.queue = []
    this.bufferedAmount = 0
    q.forEach(to)
    return q.length
  }
}

class FakeSink implements Sink {
  data: number[] = []
  committed = false
  aborted: string | null = null
  wrote: (n: number) => void = () => undefined
  constructor(private readonly hex = 'a'.repeat(64)) {}
  write(bytes: Uint8Array): void {
    this.data.push(...bytes)
    this.wrote(this.data.length)
  }
  digest(): Promise<string> {
    return Promise.resolve(this.hex)
  }
  commit(): Promise<void> {
    this.committed = true
    return Promise.resolve()
  }
  abort(reason: string): void {
    this.aborted = reason
  }
}

const file = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) % 251)
// Records where each read started and ended.
const source = (bytes: Uint8Array, reads: [number, number][] = []) => ({
  size: bytes.length,
  read: async (o: number, l: number) => {
    const out = bytes.slice(o, o + l)
    reads.push([o, o + out.length])
    return out
  },
})
const tuning = { chunk: HEADER_BYTES + 10, high: 40, window: 60, readAhead: 25 }

// A sender and a receiver joined by two lanes and a control path in each direction.
function wire(bytes: Uint8Array, sink: FakeSink, sha = 'a'.repeat(64)) {
  const reads: [number, number][] = []
  const sender = new SendCore(source(bytes, reads), Promise.resolve(sha), tuning)
  const receiver = new ReceiveCore(bytes.length, sink, { ackEvery: 20, maxPending: 1000 })
  sink.wrote = (n) => receiver.wrote(n)
  const lanes = [new FakeLane(), new FakeLane()]
  const toSender: Control[] = []
  const toReceiver: Control[] = []
  const connect = () => {
    sender.attach(lanes, (c) => toReceiver.push(c))
    receiver.attach((c) => toSender.push(c))
  }
  // Moves everything once: control both ways, then the lanes.
  const step = async (reverse = false) => {
    await tick()
    for (const c of toSender.splice(0)) sender.receive(c)
    await tick()
    let moved = 0
    for (const l of lanes) moved += l.drain((m) => receiver.chunk(m), reverse)
    sender.poke()
    for (const c of toReceiver.splice(0)) receiver.receive(c)
    await tick()
    return moved
  }
  // The connection breaks: what was in flight is lost.
  const cut = () => {
    sender.detach()
    receiver.detach()
    for (const l of lanes) l.drain(() => undefined)
    toReceiver.length = 0
    toSender.length = 0
  }
  return { sender, receiver, lanes, connect, step, cut, toSender, toReceiver, reads }
}

describe('the transfer wire', () => {
  it('puts the offset before the bytes and reads it back', () => {
    const m = encodeChunk(2 ** 40 + 3, Uint8Array.of(1, 2, 3))
    expect(m.byteLength).toBe(HEADER_BYTES + 3)
    const c = decodeChunk(m)!
    expect(c.offset).toBe(2 ** 40 + 3)
    expect([...c.bytes]).toEqual([1, 2, 3])
    expect(decodeChunk(new ArrayBuffer(4))).toBeNull()
  })

  it('accepts only well-formed control messages', () => {
    expect(parseControl('{"t":"ack","offset":5}')).toEqual({ t: 'ack', offset: 5 })
    expect(parseControl('{"t":"ack","offset":-1}')).toBeNull()
    expect(parseControl('{"t":"end","sha256":"xyz"}')).toBeNull()
    expect(parseControl('not json')).toBeNull()
  })
})

describe('a direct transfer', () => {
  it('arrives whole and in order over two lanes, within the window, and is saved', async () => {
    const bytes = file(237)
    const sink = new FakeSink()
    const w = wire(bytes, sink)
    let ended = ''
    w.receiver.onEnd = (o) => (ended = o)
    let result: boolean | null = null
    w.sender.onResult = (ok) => (result = ok)
    w.connect()
    for (let i = 0; i < 60 && result === null; i++) {
      await w.step(i % 2 === 1) // every other round the lanes deliver backwards
      // Never more than the window beyond what the receiver confirmed.
      expect(w.sender.next - w.sender.acked).toBeLessThanOrEqual(tuning.window)
    }
    expect(sink.data).toEqual([...bytes])
    expect(ended).toBe('done')
    expect(result).toBe(true)
    expect(sink.committed).toBe(true)
    expect(w.sender.acked).toBe(bytes.length)
    // The file is read in order, each read where the last one ended: no byte is read twice.
    expect(w.reads.length).toBeGreaterThan(5)
    w.reads.forEach(([from], i) => expect(from).toBe(i === 0 ? 0 : w.reads[i - 1]![1]))
  })

  it('holds back while the receiver confirms nothing', async () => {
    const w = wire(file(500), new FakeSink())
    w.receiver.wrote = () => undefined // acks never come
    w.connect()
    for (let i = 0; i < 10; i++) await w.step()
    expect(w.sender.next).toBe(60)
  })

  it('after a cut, goes on from the offset the receiver confirmed', async () => {
    const bytes = file(200)
    const sink = new FakeSink()
    const w = wire(bytes, sink)
    w.connect()
    await w.step()
    await w.step()
    const had = w.receiver.received
    expect(had).toBeGreaterThan(0)
    expect(had).toBeLessThan(200)
    w.cut()
    w.connect()
    expect(w.toSender[0]).toEqual({ t: 'hello', offset: had })
    let done = false
    w.receiver.onEnd = () => (done = true)
    for (let i = 0; i < 60 && !done; i++) await w.step()
    expect(done).toBe(true)
    expect(sink.data).toEqual([...bytes])
  })

  // The receiver's side of the channels opens first: its hello can reach the sender before the
  // open events of the sender's data channels, on the first connection and on a resumed one.
  it('starts when the hello comes before the sender has its channels, also after a cut', async () => {
    const bytes = file(300)
    const sink = new FakeSink()
    const w = wire(bytes, sink)
    let done = false
    w.receiver.onEnd = () => (done = true)
    const helloFirst = () => {
      w.receiver.attach((c) => w.toSender.push(c))
      for (const c of w.toSender.splice(0)) w.sender.receive(c)
      w.sender.attach(w.lanes, (c) => w.toReceiver.push(c))
    }
    helloFirst()
    await w.step()
    await w.step()
    const had = w.receiver.received
    expect(had).toBeGreaterThan(0)
    expect(had).toBeLessThan(300)
    w.cut()
    helloFirst()
    for (let i = 0; i < 80 && !done; i++) await w.step()
    expect(done).toBe(true)
    expect(sink.data).toEqual([...bytes])
  })

  it('a hello of a broken connection is forgotten: the next connection waits for its own', async () => {
    const w = wire(file(100), new FakeSink())
    w.receiver.attach((c) => w.toSender.push(c))
    for (const c of w.toSender.splice(0)) w.sender.receive(c)
    w.sender.detach()
    w.sender.attach(w.lanes, () => undefined)
    await w.step()
    expect(w.lanes.every((l) => l.queue.length === 0)).toBe(true)
  })

  // Chromium may drop the receiver's hello sent while its channel's opening events are handled.
  it('starts on the hello that answers ready when the first hello is lost', async () => {
    const bytes = file(120)
    const sink = new FakeSink()
    const w = wire(bytes, sink)
    let done = false
    w.receiver.onEnd = () => (done = true)
    w.connect()
    expect(w.toReceiver).toEqual([{ t: 'ready' }])
    expect(w.toSender).toEqual([{ t: 'hello', offset: 0 }])
    w.toSender.length = 0 // lost
    for (let i = 0; i < 60 && !done; i++) await w.step()
    expect(done).toBe(true)
    expect(sink.data).toEqual([...bytes])
  })

  it('takes the first hello of a connection and no other', async () => {
    const w = wire(file(300), new FakeSink())
    w.connect()
    await w.step() // the first hello: bytes go from 0; ready reaches the receiver, which says hello again
    const sent = w.sender.next
    expect(sent).toBeGreaterThan(0)
    const again = w.toSender.filter((c) => c.t === 'hello')
    expect(again).toEqual([{ t: 'hello', offset: w.receiver.received }])
    w.sender.receive(again[0]!)
    w.sender.receive({ t: 'hello', offset: 0 })
    expect(w.sender.next).toBe(sent)
  })

  it('a mismatched checksum throws the file away and tells the sender', async () => {
    const sink = new FakeSink('b'.repeat(64))
    const w = wire(file(50), sink, 'a'.repeat(64))
    let outcome = ''
    w.receiver.onEnd = (o) => (outcome = o)
    let result: boolean | null = null
    w.sender.onResult = (ok) => (result = ok)
    w.connect()
    for (let i = 0; i < 30 && result === null; i++) await w.step()
    expect(outcome).toBe('mismatch')
    expect(result).toBe(false)
    expect(sink.committed).toBe(false)
    expect(sink.aborted).toBe('mismatch')
  })

  it('a cancel from the sender aborts the file; chunks after it are ignored', async () => {
    const sink = new FakeSink()
    const w = wire(file(100), sink)
    let cancelled = false
    w.receiver.onCancel = () => (cancelled = true)
    w.connect()
    await w.step()
    w.receiver.receive({ t: 'cancel' })
    expect(cancelled).toBe(true)
    expect(sink.aborted).toBe('cancelled')
    const before = sink.data.length
    w.receiver.chunk(encodeChunk(before, Uint8Array.of(1)))
    expect(sink.data.length).toBe(before)
  })

  it('drops duplicates and chunks beyond the end', () => {
    const sink = new FakeSink()
    const r = new ReceiveCore(4, sink, { ackEvery: 1, maxPending: 100 })
    r.attach(() => undefined)
    r.chunk(encodeChunk(0, Uint8Array.of(1, 2)))
    r.chunk(encodeChunk(0, Uint8Array.of(9, 9)))
    r.chunk(encodeChunk(3, Uint8Array.of(7, 7)))
    r.chunk(encodeChunk(2, Uint8Array.of(3, 4)))
    expect(sink.data).toEqual([1, 2, 3, 4])
  })
})
