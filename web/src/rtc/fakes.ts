// Test doubles for WebRTC, which jsdom lacks: tracks, streams, and an RTCPeerConnection whose
// signalling state machine follows the spec closely enough to exercise perfect negotiation (offers,
// answers, implicit rollback, negotiationneeded only when stable, an operations chain). The SDP is
// JSON listing the sender's tracks. Only tests import this file.

let ids = 0
const nextId = (prefix: string) => `${prefix}${++ids}`

export class FakeTrack {
  readonly id = nextId('t')
  enabled = true
  readyState: 'live' | 'ended' = 'live'
  private listeners: (() => void)[] = []
  constructor(readonly kind: 'audio' | 'video') {}
  stop(): void {
    this.readyState = 'ended'
  }
  getSettings(): { deviceId: string } {
    return { deviceId: 'default' }
  }
  addEventListener(_type: 'ended', fn: () => void): void {
    this.listeners.push(fn)
  }
  end(): void {
    this.stop()
    this.listeners.forEach((fn) => fn())
  }
}

export class FakeStream {
  readonly id = nextId('s')
  private tracks: FakeTrack[]
  constructor(tracks: FakeTrack[] = []) {
    this.tracks = [...tracks]
  }
  getTracks(): FakeTrack[] {
    return [...this.tracks]
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio')
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'video')
  }
  addTrack(t: FakeTrack): void {
    if (!this.tracks.includes(t)) this.tracks.push(t)
  }
  removeTrack(t: FakeTrack): void {
    this.tracks = this.tracks.filter((x) => x !== t)
  }
}

export class FakeSender {
  readonly id = nextId('r')
  readonly kind: 'audio' | 'video'
  replaced: (FakeTrack | null)[] = []
  constructor(
    public track: FakeTrack | null,
    readonly stream: FakeStream,
  ) {
    this.kind = track?.kind ?? 'audio'
  }
  async replaceTrack(t: FakeTrack | null): Promise<void> {
    this.track = t
    this.replaced.push(t)
  }
}

interface FakeSdp {
  tracks: { id: string; kind: string; stream: string }[]
}

type Handler<E> = ((e: E) => void) | null

export class FakePeerConnection {
  static made: FakePeerConnection[] = []
  signalingState: RTCSignalingState = 'stable'
  connectionState: RTCPeerConnectionState = 'new'
  iceConnectionState: RTCIceConnectionState = 'new'
  localDescription: RTCSessionDescriptionInit | null = null
  remoteDescription: RTCSessionDescriptionInit | null = null
  onnegotiationneeded: Handler<Event> = null
  onicecandidate: Handler<{ candidate: { toJSON(): RTCIceCandidateInit } | null }> = null
  ontrack: Handler<{ track: FakeTrack; streams: FakeStream[] }> = null
  onsignalingstatechange: Handler<Event> = null
  oniceconnectionstatechange: Handler<Event> = null
  onconnectionstatechange: Handler<Event> = null
  senders: FakeSender[] = []
  restarts = 0
  offers = 0
  candidates: RTCIceCandidateInit[] = []
  closed = false
  private chain: Promise<unknown> = Promise.resolve()
  private version = 0 // local changes made
  private negotiated = 0 // local changes a finished negotiation covered
  private offered = 0
  private needFired = false
  private seen = new Set<string>()

  constructor(public config: RTCConfiguration) {
    FakePeerConnection.made.push(this)
  }

  private sig(state: RTCSignalingState): void {
    if (state === this.signalingState) return
    this.signalingState = state
    if (!this.closed) this.onsignalingstatechange?.(new Event('signalingstatechange'))
  }

  private op<T>(fn: () => T | Promise<T>): Promise<T> {
    const p = this.chain.then(fn)
    this.chain = p.catch(() => undefined)
    return p
  }

  private changed(): void {
    this.version += 1
    setTimeout(() => this.checkNegotiation(), 0)
  }

  private checkNegotiation(): void {
    if (this.closed || this.signalingState !== 'stable' || this.version <= this.negotiated) return
    if (this.needFired) return
    this.needFired = true
    this.onnegotiationneeded?.(new Event('negotiationneeded'))
  }

  private sdp(): string {
    const tracks = this.senders.map((s) => ({ id: s.id, kind: s.kind, stream: s.stream.id }))
    return JSON.stringify({ tracks })
  }

  addTrack(track: FakeTrack, stream: FakeStream): FakeSender {
    const s = new FakeSender(track, stream)
    this.senders.push(s)
    this.changed()
    return s
  }

  removeTrack(sender: FakeSender): void {
    this.senders = this.senders.filter((s) => s !== sender)
    this.changed()
  }

  restartIce(): void {
    this.restarts += 1
    this.changed()
  }

  setConfiguration(c: RTCConfiguration): void {
    this.config = c
  }

  setLocalDescription(d?: RTCSessionDescriptionInit): Promise<void> {
    return this.op(() => {
      if (this.closed) throw new DOMException('closed', 'InvalidStateError')
      if (d?.type === 'rollback') {
        if (this.signalingState === 'have-local-offer') this.sig('stable')
        return
      }
      if (this.signalingState === 'have-remote-offer') {
        this.localDescription = { type: 'answer', sdp: this.sdp() }
        this.sig('stable')
        this.finish(this.version) // the answer carries this side's tracks too
      } else {
        this.offered = this.version
        this.offers += 1
        this.localDescription = { type: 'offer', sdp: this.sdp() }
        this.sig('have-local-offer')
      }
      setTimeout(() =>
        this.onicecandidate?.({ candidate: { toJSON: () => ({ candidate: 'candidate:1', sdpMid: '0' }) } }),
      )
    })
  }

  setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    return this.op(() => {
      if (this.closed) throw new DOMException('closed', 'InvalidStateError')
      if (d.type === 'answer' && this.signalingState !== 'have-local-offer')
        throw new DOMException('no offer', 'InvalidStateError')
      this.remoteDescription = d
      if (d.type === 'offer') {
        if (this.signalingState === 'have-local-offer') this.sig('stable') // implicit rollback
        if (this.signalingState !== 'stable') throw new DOMException('bad state', 'InvalidStateError')
        this.sig('have-remote-offer')
      } else {
        this.sig('stable')
        this.finish(this.offered)
      }
      const sdp = JSON.parse(d.sdp ?? '{}') as FakeSdp
      for (const t of sdp.tracks ?? []) {
        if (this.seen.has(t.id)) continue
        this.seen.add(t.id)
        const stream = Object.assign(new FakeStream(), { id: t.stream })
        const track = new FakeTrack(t.kind as 'audio' | 'video')
        stream.addTrack(track)
        this.ontrack?.({ track, streams: [stream] })
      }
    })
  }

  private finish(covered: number): void {
    this.negotiated = Math.max(this.negotiated, covered)
    this.needFired = false
    if (this.connectionState === 'new' && this.localDescription && this.remoteDescription) {
      setTimeout(() => this.setConnection('connected'))
    }
    setTimeout(() => this.checkNegotiation(), 0)
  }

  setConnection(state: RTCPeerConnectionState): void {
    if (this.closed) return
    this.connectionState = state
    this.onconnectionstatechange?.(new Event('connectionstatechange'))
  }

  failIce(): void {
    this.iceConnectionState = 'failed'
    this.oniceconnectionstatechange?.(new Event('iceconnectionstatechange'))
  }

  addIceCandidate(c: RTCIceCandidateInit): Promise<void> {
    return this.op(() => {
      if (!this.remoteDescription) throw new DOMException('no remote description', 'InvalidStateError')
      this.candidates.push(c)
    })
  }

  async getStats(): Promise<Map<string, unknown>> {
    return new Map()
  }

  close(): void {
    this.closed = true
    this.signalingState = 'closed'
    this.connectionState = 'closed'
  }
}

// Settles every timer and promise the fakes queued (a few rounds: replies cause replies).
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}
