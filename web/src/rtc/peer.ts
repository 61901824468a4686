// One RTCPeerConnection to one remote peer of a call (a full mesh has one per pair), negotiated
// with the "perfect negotiation" pattern of the WebRTC spec (§10.7): both sides may offer at any
// time; on a collision the polite side rolls its offer back and the impolite side ignores the
// other's, so glare never breaks the call. Two guards for Chromium, which may stop gathering after
// a rollback: a new pair's polite side lets the other offer first, and a negotiation whose ICE never
// starts is restarted. ICE failures restart ICE before giving up.

// What goes through `call_signal`: a description or a candidate. `streams` names the sender's
// streams (camera or screen) so the receiver can tell a shared screen from a camera.
export interface SignalData {
  description?: RTCSessionDescriptionInit
  candidate?: RTCIceCandidateInit
  streams?: Record<string, StreamKind>
}
export type StreamKind = 'camera' | 'screen'

export interface PeerEvents {
  signal(data: SignalData): void
  track(track: MediaStreamTrack, stream: MediaStream | undefined): void
  state(state: RTCPeerConnectionState): void
  // ICE stayed failed after the restarts: the connection is closed.
  failed(): void
}

export type PeerConnectionFactory = (config: RTCConfiguration) => RTCPeerConnection

// ICE restarts tried on a failed connection before it is given up.
export const MAX_ICE_RESTARTS = 3
// How long the polite side waits for the other side's first offer before making its own: a new pair
// adds tracks on both sides at once, and Chromium sometimes never gathers candidates again after
// rolling an offer back in the middle of gathering, so the first glare is better avoided.
export const POLITE_FIRST_OFFER_MS = 1000
// A negotiation that ended with ICE still "new" after this long stalled (the Chromium case above,
// or candidates lost on the way): ICE is restarted. The polite side waits twice as long, so that
// both do not restart at once.
export const STALL_MS = 2500
const MAX_STALL_RESTARTS = 3

// Polite is the side with the greater peer id (plain string comparison, the same on both sides).
export function isPolite(mine: string, theirs: string): boolean {
  return mine > theirs
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

// Narrows a signal from the wire: anything else in it is ignored.
export function parseSignal(data: Record<string, unknown>): SignalData {
  const out: SignalData = {}
  const d = data.description
  if (isRecord(d) && (d.type === 'offer' || d.type === 'answer') && typeof d.sdp === 'string') {
    out.description = { type: d.type, sdp: d.sdp }
  }
  const c = data.candidate
  if (isRecord(c) && typeof c.candidate === 'string') {
    const cand: RTCIceCandidateInit = { candidate: c.candidate }
    if (typeof c.sdpMid === 'string') cand.sdpMid = c.sdpMid
    if (typeof c.sdpMLineIndex === 'number') cand.sdpMLineIndex = c.sdpMLineIndex
    if (typeof c.usernameFragment === 'string') cand.usernameFragment = c.usernameFragment
    out.candidate = cand
  }
  if (isRecord(data.streams)) {
    out.streams = {}
    for (const [id, kind] of Object.entries(data.streams)) {
      if (kind === 'camera' || kind === 'screen') out.streams[id] = kind
    }
  }
  return out
}

export class Peer {
  readonly pc: RTCPeerConnection
  readonly polite: boolean
  private makingOffer = false
  private ignoreOffer = false
  private settingRemoteAnswerPending = false
  private restarts = 0
  private stallRestarts = 0
  private stallTimer: ReturnType<typeof setTimeout> | null = null
  private offered = false // made or took an offer once
  private pendingOffer = false // the polite side's first offer, held back
  private closed = false

  constructor(
    readonly id: string,
    myId: string,
    config: RTCConfiguration,
    private readonly events: PeerEvents,
    // The names of this side's streams, sent with every description.
    private readonly streams: () => Record<string, StreamKind>,
    create: PeerConnectionFactory = (c) => new RTCPeerConnection(c),
  ) {
    this.polite = isPolite(myId, id)
    const pc = create(config)
    this.pc = pc
    pc.onnegotiationneeded = () => {
      if (this.polite && !this.offered) {
        this.pendingOffer = true
        setTimeout(() => this.flushOffer(), POLITE_FIRST_OFFER_MS)
        return
      }
      void this.offer()
    }
    pc.onsignalingstatechange = () => {
      if (pc.signalingState !== 'stable') return
      this.watchStall()
      // The other side's offer came first; ours still goes (the browser does not fire
      // negotiationneeded twice), for what its answer could not carry.
      this.flushOffer()
    }
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.events.signal({ candidate: candidate.toJSON() })
    }
    pc.ontrack = ({ track, streams }) => this.events.track(track, streams[0])
    pc.oniceconnectionstatechange = () => {
      if (pc.iceConnectionState === 'failed') this.iceFailed()
    }
    pc.onconnectionstatechange = () => {
      if (this.closed) return
      const state = pc.connectionState
      if (state === 'connected') this.restarts = 0
      this.events.state(state)
      // A failure ICE already reported (and restarts) is not counted twice.
      if (state === 'failed' && pc.iceConnectionState !== 'failed') this.iceFailed()
    }
  }

  private flushOffer(): void {
    if (!this.pendingOffer || this.closed || this.pc.signalingState !== 'stable') return
    this.pendingOffer = false
    void this.offer()
  }

  private async offer(): Promise<void> {
    if (this.closed) return
    this.offered = true
    try {
      this.makingOffer = true
      await this.pc.setLocalDescription()
      this.sendDescription()
    } catch (e) {
      console.warn('call: offer failed', e)
    } finally {
      this.makingOffer = false
    }
  }

  private sendDescription(): void {
    const d = this.pc.localDescription
    if (d && !this.closed) {
      this.events.signal({ description: { type: d.type, sdp: d.sdp }, streams: this.streams() })
    }
  }

  // A signal from the other side, as in the spec's example.
  async receive(data: SignalData): Promise<void> {
    if (this.closed) return
    const { description, candidate } = data
    try {
      if (description) {
        const readyForOffer =
          !this.makingOffer && (this.pc.signalingState === 'stable' || this.settingRemoteAnswerPending)
        const offerCollision = description.type === 'offer' && !readyForOffer
        this.ignoreOffer = !this.polite && offerCollision
        if (this.ignoreOffer) return
        this.offered = true
        this.settingRemoteAnswerPending = description.type === 'answer'
        await this.pc.setRemoteDescription(description) // rolls a colliding offer of ours back
        this.settingRemoteAnswerPending = false
        if (description.type === 'offer') {
          await this.pc.setLocalDescription()
          this.sendDescription()
        }
      } else if (candidate) {
        try {
          await this.pc.addIceCandidate(candidate)
        } catch (e) {
          if (!this.ignoreOffer) throw e // a candidate of an offer we ignored may fail
        }
      }
    } catch (e) {
      this.settingRemoteAnswerPending = false
      console.warn('call: signal failed', e)
    }
  }

  private watchStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer)
    this.stallTimer = setTimeout(
      () => {
        this.stallTimer = null
        const pc = this.pc
        if (this.closed || pc.signalingState !== 'stable' || pc.iceConnectionState !== 'new') return
        if (this.stallRestarts >= MAX_STALL_RESTARTS) return
        this.stallRestarts += 1
        pc.restartIce()
      },
      this.polite ? STALL_MS * 2 : STALL_MS,
    )
  }

  private iceFailed(): void {
    if (this.closed) return
    if (this.restarts < MAX_ICE_RESTARTS) {
      this.restarts += 1
      this.pc.restartIce()
      return
    }
    this.close()
    this.events.failed()
  }

  // After signals may have been lost (our socket or theirs was down): an offer of ours that may
  // never have arrived is rolled back, and ICE restarts, which negotiates afresh.
  async resync(): Promise<void> {
    if (this.closed) return
    try {
      if (this.pc.signalingState === 'have-local-offer' && !this.makingOffer) {
        await this.pc.setLocalDescription({ type: 'rollback' })
      }
      this.pc.restartIce()
    } catch (e) {
      console.warn('call: resync failed', e)
    }
  }

  get connected(): boolean {
    return !this.closed && this.pc.connectionState === 'connected'
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.stallTimer) clearTimeout(this.stallTimer)
    this.pc.onnegotiationneeded = null
    this.pc.onsignalingstatechange = null
    this.pc.onicecandidate = null
    this.pc.ontrack = null
    this.pc.oniceconnectionstatechange = null
    this.pc.onconnectionstatechange = null
    this.pc.close()
  }
}
