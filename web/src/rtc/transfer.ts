// One direct transfer as this tab runs it: the offer and answer through the server, then a Link
// (WebRTC data channels) carrying the bytes between SendCore and ReceiveCore. A Link that breaks
// (ICE failed, a connection closed) is replaced by a new generation, and the bytes go on from the
// receiver's confirmed offset; after a socket reconnect, `transfer_resume` takes the transfer back.
// Loaded on demand (stores/transfers.ts): none of it is on the first screen.
import { reactive } from 'vue'
import type { IceServer, ServerFrame, TransferOfferFrame } from '../protocol/frames'
import type { Command } from '../stores/connection'
import type { PeerConnectionFactory, SignalData } from './peer'
import { Link, type LinkTuning, type Path } from './transfer-link'
import { ReceiveCore, type Outcome, type Sink } from './transfer-receive'
import { SendCore, type SendTuning } from './transfer-send'
import { hashFile, WorkerSink, type FileInfo, type Target } from './transfer-sink'
import { parseControl, type Control } from './transfer-wire'
import { t } from '../i18n'

export type TransferState =
  | 'offered'
  | 'waiting'
  | 'connecting'
  | 'sending'
  | 'receiving'
  | 'done'
  | 'declined'
  | 'cancelled'
  | 'failed'

export const FINAL: ReadonlySet<TransferState> = new Set(['done', 'declined', 'cancelled', 'failed'])
export const MISMATCH = (): string => t('transfer.error.mismatch')

export interface TransferView {
  id: string
  direction: 'send' | 'receive'
  room: number
  user: number // the other side
  username: string
  name: string
  size: number
  mime: string
  state: TransferState
  bytes: number // confirmed on the receiver's disk
  speed: number // bytes per second, lately
  eta: number | null // seconds left
  path: Path | null
  error: string | null
}

export type Tuning = SendTuning & LinkTuning & { ackEvery: number }

// Chosen by measurement (docs/benchmarks.md, scripts/bench-transfer.sh): on 2 cores every setting
// gave 13-23 MB/s, within the noise; one connection (a second one often stalled negotiating), two
// channels, 64 KiB chunks (under Chromium's 256 KiB message limit) and a 64 KiB low threshold.
// The file is read 8 MiB at a time: each Blob.slice costs the sender's main thread a few ms (a round
// trip to the browser process), a sixth of its busy time with 1 MiB reads.
export const DEFAULT_TUNING: Tuning = {
  chunk: 64 * 1024,
  channels: 2,
  pcs: 1,
  ordered: true,
  low: 64 * 1024,
  high: 1024 * 1024,
  window: 16 * 1024 * 1024,
  readAhead: 8 * 1024 * 1024,
  ackEvery: 1024 * 1024,
}

// A benchmark may try other values (localStorage 'parley.transferTuning', JSON); nothing sets it.
export function tuning(): Tuning {
  try {
    const v: unknown = JSON.parse(localStorage.getItem('parley.transferTuning') ?? 'null')
    if (typeof v !== 'object' || v === null) return DEFAULT_TUNING
    const t: Record<string, unknown> = { ...DEFAULT_TUNING }
    for (const [k, x] of Object.entries(v)) if (k in t && typeof x === typeof t[k]) t[k] = x
    return t as unknown as Tuning
  } catch {
    return DEFAULT_TUNING
  }
}

function iceTransportPolicy(): RTCIceTransportPolicy {
  try {
    return localStorage.getItem('parley.iceTransportPolicy') === 'relay' ? 'relay' : 'all'
  } catch {
    return 'all'
  }
}

// Diagnostics: with localStorage 'parley.transferTrace' set to '1' every step of a transfer is
// logged (console.debug), for the end-to-end tests and for a bug report.
function tracing(): boolean {
  try {
    return localStorage.getItem('parley.transferTrace') === '1'
  } catch {
    return false
  }
}

export function newTransferId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10))
  return `t-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

export interface TransferDeps {
  send(command: Command): boolean
  request(command: Command): Promise<ServerFrame>
  createPeerConnection?: PeerConnectionFactory
  hashFile?: typeof hashFile
  openSink?(target: Target, info: FileInfo): SinkHandle
  tuning?: Tuning
}

// A sink as the transfer drives it (WorkerSink, or a test's).
export interface SinkHandle extends Sink {
  onWritten: (offset: number) => void
  onError: (message: string) => void
  readonly ready: Promise<void>
}

const MAX_LINKS = 20 // generations tried before the transfer is given up
const TICK_MS = 1000

type EndReason = 'cancelled' | 'done' | 'failed' | 'damaged'

// Why the server closed a transfer (transfer_closed), as the user reads it.
function closedText(reason: string): string {
  switch (reason) {
    case 'failed':
      return t('transfer.error.failedThere')
    case 'cancelled':
      return t('transfer.error.cancelledThere')
    case 'answered':
      return t('transfer.error.answered')
    case 'expired':
      return t('transfer.error.expired')
    case 'left':
      return t('transfer.error.left')
    default:
      return reason
  }
}

abstract class Transfer {
  readonly view: TransferView
  protected link: Link | null = null
  protected gen = 0
  protected iceServers: RTCIceServer[] = []
  protected readonly tuning: Tuning
  private timer: ReturnType<typeof setInterval> | null = null
  private samples: { at: number; bytes: number }[] = []
  private ticks = 0
  private readonly tracing = tracing()

  constructor(
    view: Omit<TransferView, 'state' | 'bytes' | 'speed' | 'eta' | 'path' | 'error'>,
    state: TransferState,
    protected readonly deps: TransferDeps,
  ) {
    this.view = reactive({ ...view, state, bytes: 0, speed: 0, eta: null, path: null, error: null })
    this.tuning = deps.tuning ?? tuning()
  }

  get id(): string {
    return this.view.id
  }
  get over(): boolean {
    return FINAL.has(this.view.state)
  }

  protected trace(what: string): void {
    if (this.tracing)
      console.debug(`transfer ${this.id} ${this.view.direction} @${performance.now().toFixed(1)}: ${what}`)
  }

  protected setIce(servers: IceServer[] | undefined): void {
    if (servers) this.iceServers = servers.map((s) => ({ ...s }))
  }

  protected config(): RTCConfiguration {
    return { iceServers: this.iceServers, iceTransportPolicy: iceTransportPolicy() }
  }

  protected newLink(gen: number, role: 'send' | 'receive'): Link {
    this.link?.close()
    this.gen = gen
    this.trace(`new link gen ${gen}`)
    const link: Link = new Link(
      gen,
      role,
      this.config(),
      this.tuning,
      {
        signal: (pc, data) => this.signal({ gen, pc, ...data }),
        open: () => {
          this.linkOpen(link)
          setTimeout(() => this.readPath(link), 200)
        },
        chunk: (m) => this.chunk(m),
        control: (text) => {
          const c = parseControl(text)
          if (c && c.t !== 'ack') this.trace(`gen ${gen} got ${text}`)
          if (c) this.control(c)
        },
        low: () => this.low(),
        broken: () => {
          if (this.link === link) this.linkBroken(link)
        },
        trace: (what) => this.trace(`gen ${gen} ${what}`),
      },
      this.deps.createPeerConnection,
    )
    this.link = link
    this.timer ??= setInterval(() => this.tick(), TICK_MS)
    return link
  }

  protected signal(data: Record<string, unknown>): boolean {
    return this.deps.send({ type: 'transfer_signal', id: this.id, data })
  }

  protected send(c: Control): void {
    const ch = this.link?.control
    if (c.t !== 'ack') this.trace(`send ${JSON.stringify(c)} on ${ch?.readyState ?? 'no channel'}`)
    if (ch?.readyState === 'open') ch.send(JSON.stringify(c))
  }

  protected abstract linkOpen(link: Link): void
  protected abstract linkBroken(link: Link): void
  protected abstract control(c: Control): void
  // Bytes from a data channel (only the receiver has any).
  protected chunk(message: ArrayBuffer): void {
    void message
  }
  protected low(): void {}
  abstract onSignal(data: Record<string, unknown>): void
  abstract cancel(): void

  // After hello on a new socket: this socket takes our side back; signals lost meanwhile are redone.
  async resume(): Promise<void> {
    if (this.over || this.view.state === 'offered' || this.view.state === 'waiting') return
    try {
      await this.deps.request({ type: 'transfer_resume', id: this.id })
    } catch {
      return // refused (the transfer is gone: transfer_closed says so) or offline again
    }
    if (!this.over && !this.link?.open) this.relink()
  }
  protected abstract relink(): void

  onClosed(reason: string): void {
    if (this.over) return
    if (reason === 'cancelled') this.finish('cancelled', null)
    else if (reason === 'done') {
      this.progress(this.view.size)
      this.finish('done', null)
    } else if (reason === 'damaged') this.finish('failed', MISMATCH())
    else this.finish(this.view.state === 'offered' ? 'cancelled' : 'failed', closedText(reason))
  }

  protected progress(bytes: number): void {
    this.view.bytes = bytes
  }

  // Speed over the last few seconds, time left at that speed, the path now and then, and a check
  // that the connection was not closed under us.
  private tick(): void {
    const now = performance.now()
    this.link?.check()
    this.samples.push({ at: now, bytes: this.view.bytes })
    if (this.samples.length > 5) this.samples.shift()
    const first = this.samples[0]!
    const dt = (now - first.at) / 1000
    this.view.speed = dt > 0 ? Math.max(0, (this.view.bytes - first.bytes) / dt) : 0
    this.view.eta = this.view.speed > 0 ? (this.view.size - this.view.bytes) / this.view.speed : null
    if (this.ticks++ % 3 === 0 && this.link?.open) this.readPath(this.link)
    if (this.tracing) this.trace(`${this.view.state} ${this.detail()} ${this.link?.describe() ?? 'no link'}`)
  }

  private readPath(link: Link): void {
    void link
      .path()
      .then((p) => {
        if (p && this.link === link) this.view.path = p
      })
      .catch(() => undefined)
  }

  protected finish(state: TransferState, error: string | null): void {
    if (this.over) return
    this.trace(`finish ${state} ${error ?? ''}`)
    this.view.state = state
    this.view.error = error
    this.view.speed = 0
    this.view.eta = null
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.cleanUp()
    // The receiver's last message may still be on its way; the connection goes a little later.
    const link = this.link
    setTimeout(() => link?.close(), state === 'done' ? 1000 : 0)
  }
  protected abstract cleanUp(): void
  protected abstract detail(): string

  // The server forgets a transfer only when one side ends it; the other side hears how it ended
  // (its transfer_closed can arrive before the data channel's last message).
  protected tellServerEnded(reason: EndReason = 'cancelled'): void {
    void this.deps.request({ type: 'transfer_cancel', id: this.id, reason }).catch(() => undefined)
  }
}

export class OutgoingTransfer extends Transfer {
  private readonly core: SendCore
  private readonly hash: { digest: Promise<string>; stop(): void }

  constructor(
    readonly file: File,
    room: number,
    user: { id: number; username: string },
    deps: TransferDeps,
  ) {
    const id = newTransferId()
    super(
      {
        id,
        direction: 'send',
        room,
        user: user.id,
        username: user.username,
        name: file.name,
        size: file.size,
        mime: file.type,
      },
      'waiting',
      deps,
    )
    this.hash = (deps.hashFile ?? hashFile)(file)
    this.hash.digest.catch(() => undefined)
    const source = {
      size: file.size,
      read: async (offset: number, length: number) =>
        new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
    }
    this.core = new SendCore(source, this.hash.digest, this.tuning)
    this.core.onProgress = (n) => this.progress(n)
    this.core.onStart = () => {
      if (!this.over) this.view.state = 'sending'
    }
    this.core.onResult = (ok) => {
      if (ok) this.progress(this.view.size)
      this.finish(ok ? 'done' : 'failed', ok ? null : MISMATCH())
      this.tellServerEnded(ok ? 'done' : 'damaged')
    }
    this.core.onCancel = () => this.finish('cancelled', t('transfer.error.cancelledThere'))
  }

  // The offer's ack carries the ICE servers (TURN credentials): it settles before a link is made.
  private offered: Promise<void> = Promise.resolve()

  offer(): Promise<void> {
    this.offered = this.sendOffer()
    return this.offered
  }

  private async sendOffer(): Promise<void> {
    const v = this.view
    try {
      const ack = await this.deps.request({
        type: 'transfer_offer',
        room: v.room,
        user: v.user,
        id: v.id,
        name: v.name,
        size: v.size,
        mime: v.mime.slice(0, 127),
      })
      if (ack.type === 'ack') this.setIce(ack.ice_servers)
    } catch (e) {
      this.finish('failed', e instanceof Error ? e.message : t('transfer.error.offer'))
    }
  }

  onAnswer(accept: boolean): void {
    if (this.over || this.view.state !== 'waiting') return
    if (!accept) return this.finish('declined', null)
    this.trace('accepted')
    this.view.state = 'connecting'
    // The server acks the offer and forwards it at once, and the answer needs a person's click, but
    // on a loaded machine the answer may still come first: without the ack's ICE servers a relay-only
    // connection would have no candidate at all.
    void this.offered.then(() => {
      if (!this.over && !this.link) this.newLink(1, 'send')
    })
  }

  protected linkOpen(link: Link): void {
    const lanes = link.lanes
    this.core.attach(lanes, (c) => this.send(c))
  }

  protected linkBroken(): void {
    this.core.detach()
    if (!this.over) this.relink()
  }

  protected relink(): void {
    if (this.gen >= MAX_LINKS) return this.finish('failed', t('transfer.error.lost'))
    if (this.view.state === 'sending') this.view.state = 'connecting'
    this.newLink(this.gen + 1, 'send')
  }

  protected control(c: Control): void {
    this.core.receive(c)
  }

  protected override low(): void {
    this.core.poke()
  }

  onSignal(data: Record<string, unknown>): void {
    if (this.over) return
    const { gen, pc, reconnect } = data
    if (typeof reconnect === 'number') {
      if (reconnect === this.gen) this.relink() // the receiver saw this generation break
      return
    }
    if (gen === this.gen && typeof pc === 'number') this.link?.receive(pc, data)
  }

  cancel(): void {
    if (this.over) return
    this.send({ t: 'cancel' })
    this.finish('cancelled', null)
    this.tellServerEnded()
  }

  protected detail(): string {
    return `next=${this.core.next} acked=${this.core.acked}`
  }

  protected cleanUp(): void {
    this.core.stop()
    this.hash.stop()
  }
}

export class IncomingTransfer extends Transfer {
  private core: ReceiveCore | null = null
  private sink: SinkHandle | null = null
  private early: Record<string, unknown>[] = [] // signals before our answer's ack

  constructor(f: TransferOfferFrame, deps: TransferDeps) {
    super(
      {
        id: f.id,
        direction: 'receive',
        room: f.room,
        user: f.from,
        username: f.username,
        name: f.name,
        size: f.size,
        mime: f.mime,
      },
      'offered',
      deps,
    )
  }

  // Called in the click that accepted, with where the file goes (a picked file or a download).
  async accept(target: Target): Promise<void> {
    if (this.view.state !== 'offered') return
    this.view.state = 'connecting'
    const v = this.view
    const info = { id: v.id, name: v.name, size: v.size, mime: v.mime }
    const sink = (this.deps.openSink ?? ((t, i) => new WorkerSink(t, i)))(target, info)
    this.sink = sink
    try {
      await sink.ready // the download has started before we say yes
      this.trace('sink ready')
      const ack = await this.deps.request({ type: 'transfer_answer', id: v.id, accept: true })
      if (ack.type === 'ack') this.setIce(ack.ice_servers)
    } catch (e) {
      sink.abort('refused')
      if (!this.over) this.finish('failed', e instanceof Error ? e.message : t('transfer.error.accept'))
      return
    }
    if (this.over) return
    const core = new ReceiveCore(v.size, sink, {
      ackEvery: this.tuning.ackEvery,
      maxPending: 2 * this.tuning.window,
    })
    this.core = core
    sink.onWritten = (n) => core.wrote(n)
    sink.onError = (m) => this.fail('error', m)
    core.onProgress = (n) => this.progress(n)
    core.onEnd = (outcome, detail) => {
      if (outcome === 'done') this.finish('done', null)
      else this.fail(outcome, detail)
    }
    core.onCancel = () => this.finish('cancelled', t('transfer.error.cancelledThere'))
    const early = this.early
    this.early = []
    this.trace(`answer acknowledged, ${early.length} signals waited`)
    for (const s of early) this.onSignal(s)
  }

  decline(): void {
    if (this.view.state !== 'offered') return
    this.finish('declined', null)
    void this.deps.request({ type: 'transfer_answer', id: this.id, accept: false }).catch(() => undefined)
  }

  private fail(outcome: Outcome, detail?: string): void {
    this.finish('failed', outcome === 'mismatch' ? MISMATCH() : (detail ?? t('transfer.error.failed')))
    this.tellServerEnded(outcome === 'mismatch' ? 'damaged' : 'failed')
  }

  onSignal(data: Record<string, unknown>): void {
    if (this.over) return
    if (!this.core) {
      if (this.view.state === 'connecting') this.early.push(data)
      return
    }
    const { gen, pc } = data
    if (typeof gen !== 'number' || typeof pc !== 'number' || gen < this.gen) return
    if (gen > this.gen) {
      this.core.detach()
      this.newLink(gen, 'receive')
    }
    this.link?.receive(pc, data as SignalData & Record<string, unknown>)
  }

  protected linkOpen(): void {
    if (!this.core || this.over) return
    this.view.state = 'receiving'
    this.core.attach((c) => this.send(c))
  }

  protected linkBroken(link: Link): void {
    this.core?.detach()
    if (!this.over) this.signal({ reconnect: link.gen }) // the sender makes the next one
  }

  protected relink(): void {
    if (this.core && this.gen > 0) {
      this.core.detach()
      this.signal({ reconnect: this.gen })
    }
  }

  protected override chunk(message: ArrayBuffer): void {
    this.core?.chunk(message)
  }

  protected control(c: Control): void {
    this.core?.receive(c)
  }

  cancel(): void {
    if (this.over) return
    if (this.view.state === 'offered') return this.decline()
    this.send({ t: 'cancel' })
    this.finish('cancelled', null)
    this.tellServerEnded()
  }

  protected detail(): string {
    return this.core ? `received=${this.core.received} written=${this.core.written}` : 'no core'
  }

  protected cleanUp(): void {
    if (this.view.state !== 'done') {
      if (this.core) this.core.abort(this.view.state)
      else this.sink?.abort(this.view.state)
    }
  }
}
