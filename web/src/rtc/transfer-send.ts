// The sending half of a direct transfer, apart from WebRTC: reads the file ahead in blocks, cuts it
// into chunks and spreads them over the data channels while each has room (bufferedAmount under
// `high`), never more than `window` bytes past what the receiver confirmed on disk, so memory stays
// bounded on both sides. Every new connection starts where the receiver's `hello` says.
import { HEADER_BYTES, encodeChunk, type Control } from './transfer-wire'

// One data channel as the sender uses it.
export interface Lane {
  readonly bufferedAmount: number
  send(message: ArrayBuffer): void
}

export interface Source {
  readonly size: number
  read(offset: number, length: number): Promise<Uint8Array>
}

export interface SendTuning {
  chunk: number // bytes per message, header included
  high: number // a channel takes no more while this much waits in it
  window: number // bytes sent beyond the receiver's confirmed offset
  readAhead: number // bytes read from the file at once
}

export class SendCore {
  next = 0 // the next byte to send
  acked = 0 // the receiver has this much on disk
  onProgress: (acked: number) => void = () => undefined
  onStart: () => void = () => undefined
  onResult: (ok: boolean) => void = () => undefined
  onCancel: () => void = () => undefined

  private lanes: Lane[] = []
  private control: ((c: Control) => void) | null = null
  private run = 0 // bumped on every attach, detach and hello: a pump of an older run stops
  // The receiver's hello came on this connection (the first one counts: it says hello when its side
  // opens and again in answer to our ready). It may come before the connection is attached (the
  // receiver's side of the channels opens first): the pump then starts at attach.
  private hello = false
  private turn = 0
  private wake: (() => void) | null = null
  private block: { offset: number; bytes: Uint8Array } | null = null
  private finished = false

  constructor(
    private readonly source: Source,
    private readonly sha256: Promise<string>,
    private readonly tuning: SendTuning,
  ) {}

  // A connection is open: bytes go once the receiver says from where (which it may have said).
  attach(lanes: Lane[], control: (c: Control) => void): void {
    this.lanes = lanes
    this.control = control
    this.restart()
    if (!this.hello) control({ t: 'ready' })
  }

  // The connection broke: nothing more goes until the next one, whose receiver says hello again.
  detach(): void {
    this.hello = false
    this.lanes = []
    this.control = null
    this.restart()
  }

  // Stops the pump of the last run; starts one when there are lanes and the receiver said hello.
  private restart(): void {
    const run = ++this.run
    this.poke()
    if (this.hello && this.lanes.length > 0 && this.control) void this.pump(run)
  }

  // A channel's bufferedAmount fell under its threshold.
  poke(): void {
    const w = this.wake
    this.wake = null
    w?.()
  }

  receive(c: Control): void {
    if (this.finished) return
    switch (c.t) {
      case 'hello': {
        if (this.hello) return // its answer to our ready, after the hello it sent on opening
        const offset = Math.min(c.offset, this.source.size)
        this.next = offset
        this.acked = Math.max(this.acked, offset)
        this.onProgress(this.acked)
        this.onStart()
        this.hello = true
        this.restart()
        return
      }
      case 'ack':
        if (c.offset > this.acked && c.offset <= this.source.size) {
          this.acked = c.offset
          this.onProgress(c.offset)
          this.poke()
        }
        return
      case 'result':
        this.finished = true
        this.onResult(c.ok)
        return
      case 'cancel':
        this.finished = true
        this.onCancel()
        return
      case 'end':
      case 'ready':
        return // our own words, not the receiver's
      default: {
        const never: never = c
        return never
      }
    }
  }

  stop(): void {
    this.finished = true
    this.detach()
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve))
  }

  // The next channel with room, taking turns.
  private lane(): Lane | null {
    const n = this.lanes.length
    for (let i = 0; i < n; i++) {
      const lane = this.lanes[(this.turn + i) % n]!
      if (lane.bufferedAmount + this.tuning.chunk <= this.tuning.high) {
        this.turn = (this.turn + i + 1) % n
        return lane
      }
    }
    return null
  }

  // The chunk's bytes, from the block read ahead. A chunk that runs past the block's end starts the
  // next block: what the old one holds of it is kept and the file is read on from the old end, so
  // the file is read in order (a stream, see blobSource) until a resume goes back.
  private async bytesAt(offset: number, length: number): Promise<Uint8Array> {
    const b = this.block
    const end = b ? b.offset + b.bytes.length : -1
    if (!b || offset < b.offset || offset + length > end) {
      const from = b && offset >= b.offset && offset < end ? end : offset
      const size = Math.min(Math.max(this.tuning.readAhead, length), this.source.size - from)
      const fresh = await this.source.read(from, size)
      let bytes = fresh
      if (from !== offset) {
        bytes = new Uint8Array(from - offset + fresh.length)
        bytes.set(b!.bytes.subarray(offset - b!.offset))
        bytes.set(fresh, from - offset)
      }
      this.block = { offset, bytes }
    }
    const at = offset - this.block!.offset
    return this.block!.bytes.subarray(at, at + length)
  }

  private async pump(run: number): Promise<void> {
    const size = this.source.size
    const payload = this.tuning.chunk - HEADER_BYTES
    while (run === this.run && !this.finished && this.next < size) {
      if (this.next - this.acked >= this.tuning.window) {
        await this.sleep()
        continue
      }
      const lane = this.lane()
      if (!lane) {
        await this.sleep()
        continue
      }
      const offset = this.next
      const length = Math.min(payload, size - offset)
      const bytes = await this.bytesAt(offset, length)
      if (run !== this.run || this.finished) return
      lane.send(encodeChunk(offset, bytes))
      this.next = offset + length
    }
    if (run !== this.run || this.finished) return
    const sha256 = await this.sha256
    if (run === this.run && !this.finished) this.control?.({ t: 'end', sha256 })
  }
}
