// The receiving half of a direct transfer, apart from WebRTC: puts chunks back in order (they come
// over several channels), hands the contiguous bytes to the sink (which hashes them and writes them
// to disk off the main thread), confirms what is on disk to the sender, and at the end compares the
// digests: a match saves the file, a mismatch throws it away.
import { decodeChunk, type Control } from './transfer-wire'
import { t } from '../i18n'

// Where the bytes go: written and hashed in order; `written` reports progress.
export interface Sink {
  write(bytes: Uint8Array): void
  digest(): Promise<string> // once everything written is on disk
  commit(): Promise<void> // keep the file
  abort(reason: string): void // leave no file
}

export interface ReceiveTuning {
  ackEvery: number // confirm at least every this many bytes on disk
  maxPending: number // out-of-order bytes held at most (more means a broken sender)
}

export type Outcome = 'done' | 'mismatch' | 'error'

export class ReceiveCore {
  received = 0 // contiguous bytes handed to the sink
  written = 0 // of which on disk
  onProgress: (written: number) => void = () => undefined
  onEnd: (outcome: Outcome, detail?: string) => void = () => undefined
  onCancel: () => void = () => undefined

  private pending = new Map<number, Uint8Array>()
  private pendingBytes = 0
  private control: ((c: Control) => void) | null = null
  private expected: string | null = null
  private ackedAt = 0
  private finishing = false
  private over = false

  constructor(
    readonly size: number,
    private readonly sink: Sink,
    private readonly tuning: ReceiveTuning,
  ) {}

  // A connection is open: ask for the bytes from where we are. Chromium may drop a message sent on
  // a channel the other side opened while its 'datachannel' or 'open' event is being handled (seen
  // in about 1 in 20 new connections here, with nothing reported: the sender waited forever), so
  // the hello goes again in answer to the sender's `ready`, a message event that comes later.
  attach(control: (c: Control) => void): void {
    this.control = control
    this.pending.clear() // resent from `received` on
    this.pendingBytes = 0
    this.ackedAt = this.written
    this.hello()
  }

  private hello(): void {
    this.control?.({ t: 'hello', offset: this.received })
  }

  detach(): void {
    this.control = null
  }

  chunk(message: ArrayBuffer): void {
    if (this.over) return
    const c = decodeChunk(message)
    if (!c || c.offset < this.received || c.offset + c.bytes.length > this.size) return
    if (c.offset > this.received) {
      if (!this.pending.has(c.offset)) {
        this.pending.set(c.offset, c.bytes)
        this.pendingBytes += c.bytes.length
        if (this.pendingBytes > this.tuning.maxPending) this.fail('error', t('transfer.error.tooMuch'))
      }
      return
    }
    this.take(c.bytes)
    for (let next = this.pending.get(this.received); next; next = this.pending.get(this.received)) {
      this.pending.delete(this.received)
      this.pendingBytes -= next.length
      this.take(next)
    }
    this.maybeFinish()
  }

  private take(bytes: Uint8Array): void {
    this.received += bytes.length // first: the sink may take the buffer away (a transfer to its worker)
    this.sink.write(bytes)
  }

  // The sink has this much on disk.
  wrote(offset: number): void {
    if (offset <= this.written) return
    this.written = offset
    this.onProgress(offset)
    if (this.control && (offset - this.ackedAt >= this.tuning.ackEvery || offset === this.size)) {
      this.ackedAt = offset
      this.control({ t: 'ack', offset })
    }
  }

  receive(c: Control): void {
    if (this.over) return
    if (c.t === 'ready') {
      this.hello()
    } else if (c.t === 'end') {
      this.expected = c.sha256
      this.maybeFinish()
    } else if (c.t === 'cancel') {
      this.over = true
      this.sink.abort('cancelled')
      this.onCancel()
    }
  }

  // Cancelled here, or the transfer ended otherwise: no file is left.
  abort(reason: string): void {
    if (this.over) return
    this.over = true
    this.sink.abort(reason)
  }

  private maybeFinish(): void {
    if (this.finishing || this.over || this.expected === null || this.received < this.size) return
    this.finishing = true
    const expected = this.expected
    void this.sink
      .digest()
      .then(async (got) => {
        if (this.over) return
        if (got !== expected) return this.fail('mismatch')
        await this.sink.commit()
        this.over = true
        this.control?.({ t: 'result', ok: true })
        this.onEnd('done')
      })
      .catch((e: unknown) => this.fail('error', e instanceof Error ? e.message : String(e)))
  }

  private fail(outcome: Outcome, detail?: string): void {
    if (this.over) return
    this.over = true
    this.sink.abort(outcome)
    this.control?.({ t: 'result', ok: false })
    this.onEnd(outcome, detail)
  }
}
