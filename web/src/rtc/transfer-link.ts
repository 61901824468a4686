// One connection of a direct transfer: `pcs` RTCPeerConnections (negotiated by rtc/peer.ts; the
// sender offers, the receiver is the polite side), a control channel and `channels` data channels
// spread over them. A transfer makes a new Link (a new generation) when one breaks.
import { Peer, parseSignal, type PeerConnectionFactory, type SignalData } from './peer'

export interface LinkTuning {
  pcs: number
  channels: number
  ordered: boolean
  low: number // bufferedAmountLowThreshold
}

export interface LinkEvents {
  signal(pc: number, data: SignalData): void
  open(): void // every channel is open (the receiver: the control channel)
  chunk(message: ArrayBuffer): void
  control(text: string): void
  low(): void // a data channel's bufferedAmount fell under `low`
  broken(): void
  trace?(what: string): void // diagnostics (transfer.ts's trace)
}

export type Path = 'direct' | 'relayed'

export class Link {
  readonly peers: Peer[] = []
  control: RTCDataChannel | null = null
  readonly lanes: RTCDataChannel[] = []
  private closed = false
  private opened = false

  constructor(
    readonly gen: number,
    private readonly role: 'send' | 'receive',
    config: RTCConfiguration,
    private readonly tuning: LinkTuning,
    private readonly events: LinkEvents,
    create?: PeerConnectionFactory,
  ) {
    const [mine, theirs] = role === 'send' ? ['0', '1'] : ['1', '0']
    for (let i = 0; i < tuning.pcs; i++) {
      const peer = new Peer(
        theirs,
        mine,
        config,
        {
          signal: (data) => this.events.signal(i, data),
          track: () => undefined,
          state: (s) => {
            this.events.trace?.(`pc ${i} ${s} ice=${peer.pc.iceConnectionState}`)
            if (s === 'failed' || s === 'closed') this.break()
          },
          failed: () => this.break(),
        },
        () => ({}),
        create,
      )
      this.peers.push(peer)
      if (role === 'send') {
        if (i === 0) this.control = this.setUp(peer.pc.createDataChannel('control'))
        for (let c = i; c < tuning.channels; c += tuning.pcs) {
          this.lanes.push(this.setUp(peer.pc.createDataChannel(`data-${c}`, { ordered: tuning.ordered })))
        }
      } else {
        peer.pc.ondatachannel = ({ channel }) => {
          if (channel.label === 'control') this.control = this.setUp(channel)
          else this.lanes.push(this.setUp(channel))
          this.checkOpen()
        }
      }
    }
  }

  private setUp(ch: RTCDataChannel): RTCDataChannel {
    ch.binaryType = 'arraybuffer'
    ch.bufferedAmountLowThreshold = this.tuning.low
    ch.onopen = () => {
      this.events.trace?.(`channel ${ch.label} open`)
      this.checkOpen()
    }
    ch.onclose = () => this.break()
    ch.onbufferedamountlow = () => this.events.low()
    ch.onmessage = ({ data }: MessageEvent<unknown>) => {
      if (this.closed) return
      if (data instanceof ArrayBuffer) this.events.chunk(data)
      else if (typeof data === 'string') this.events.control(data)
    }
    return ch
  }

  private checkOpen(): void {
    if (this.opened || this.closed || this.control?.readyState !== 'open') return
    if (this.role === 'send' && this.lanes.some((l) => l.readyState !== 'open')) return
    this.opened = true
    this.events.trace?.('link open')
    this.events.open()
  }

  receive(pc: number, data: Record<string, unknown>): void {
    void this.peers[pc]?.receive(parseSignal(data))
  }

  // After signals may have been lost on the way (a socket was down).
  resync(): void {
    for (const p of this.peers) void p.resync()
  }

  get open(): boolean {
    return this.opened && !this.closed
  }

  // A connection closed under us (by the browser, or by anyone holding it) fires nothing here.
  check(): void {
    if (this.closed) return
    const dead = this.peers.some((p) => p.pc.signalingState === 'closed' || p.pc.connectionState === 'closed')
    if (dead || (this.opened && this.control?.readyState !== 'open')) this.break()
  }

  private break(): void {
    if (this.closed) return
    this.events.trace?.('link broken')
    this.close()
    this.events.broken()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const ch of [this.control, ...this.lanes]) {
      if (!ch) continue
      ch.onclose = null
      ch.onmessage = null
      ch.onbufferedamountlow = null
      ch.close()
    }
    for (const p of this.peers) p.close()
  }

  // What the channels and connections are doing now (diagnostics).
  describe(): string {
    const pcs = this.peers.map((p) => `${p.pc.connectionState}/${p.pc.iceConnectionState}`).join(',')
    const chs = [this.control, ...this.lanes]
      .map((c) => c && `${c.label}:${c.readyState}:${c.bufferedAmount}`)
      .join(' ')
    return `gen ${this.gen} open=${this.open} pcs=${pcs} ${chs}`
  }

  // Whether the bytes go straight between the two browsers or through a TURN relay.
  async path(): Promise<Path | null> {
    const pc = this.peers[0]?.pc
    if (!pc || this.closed) return null
    const byId = new Map<string, Record<string, unknown>>()
    ;(await pc.getStats()).forEach((s: Record<string, unknown>) => byId.set(s.id as string, s))
    let pair: Record<string, unknown> | undefined
    for (const s of byId.values()) {
      if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
        pair = byId.get(s.selectedCandidatePairId)
      }
    }
    if (!pair) {
      pair = [...byId.values()].find(
        (s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded',
      )
    }
    if (!pair) return null
    const local = byId.get(pair.localCandidateId as string)
    const remote = byId.get(pair.remoteCandidateId as string)
    return local?.candidateType === 'relay' || remote?.candidateType === 'relay' ? 'relayed' : 'direct'
  }
}
