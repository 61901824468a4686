// The call this tab is in: its local media, one Peer per other tab in the call (a full mesh), kept
// in step with the server's `call_state`, and the way back in after the socket reconnects (the same
// peer id, so the server moves the peer to the new socket and the media never stops). Loaded on
// demand (stores/calls.ts imports it when a call starts): none of it is on the first screen.
import { markRaw, reactive } from 'vue'
import type {
  CallDroppedFrame,
  CallInfo,
  CallJoinedFrame,
  CallPeer,
  CallSignalFrame,
  ServerFrame,
} from '../protocol/frames'
import type { Command } from '../stores/connection'
import { applySpeaker, mediaError, openTrack, type DevicePrefs } from './media'
import { t } from '../i18n'
import {
  Peer,
  parseSignal,
  type PeerConnectionFactory,
  type PeerEvents,
  type SignalData,
  type StreamKind,
} from './peer'
import { activeSpeaker, audioLevel, quality, readSample, type Quality, type Sample } from './stats'

// Plays a remote stream's audio; the session owns these, so a call keeps sounding while the user
// looks at another room or page.
export interface AudioOut {
  volume(v: number): void
  speaker(label: string): void
  stop(): void
}

export interface CallDeps {
  user: number // the signed-in user's id
  send(command: Command): boolean
  request(command: Command): Promise<ServerFrame>
  prefs(): DevicePrefs
  createPeerConnection?: PeerConnectionFactory
  openTrack?(kind: 'audio' | 'video', prefs: DevicePrefs): Promise<MediaStreamTrack>
  openScreen?(): Promise<MediaStream>
  audioOut?(stream: MediaStream, speaker: string): AudioOut
  newStream?(): MediaStream
}

export interface RemotePeer {
  peer: string
  user: number
  username: string
  info: CallPeer | null // as the last call_state had it
  state: RTCPeerConnectionState
  camera: MediaStream | null
  screen: MediaStream | null
  rev: number // bumped when a stream gains a track
  quality: Quality | null
  volume: number // 0-1, this tab's choice
}

// starting: opening the camera/microphone; joining / rejoining: call_join sent, no answer yet.
export type Phase = 'starting' | 'joining' | 'in-call' | 'rejoining' | 'ended'

interface Link {
  remote: RemotePeer
  peer: Peer
  since: number | undefined
  labels: Record<string, StreamKind> // the other side's stream ids
  cameraId: string | undefined
  senders: { audio?: RTCRtpSender; video?: RTCRtpSender; screen: RTCRtpSender[] }
  outs: Map<string, AudioOut>
  lost: boolean // a signal to it could not be sent (our socket was down)
  sample: Sample | undefined
}

export const TAKEN = (): string => t('call.ended.taken')
export const REMOVED = (): string => t('call.ended.removed')
export const ENDED_OFFLINE = (): string => t('call.ended.offline')
const STATS_MS = 500

export function newPeerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9))
  return `p-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

function iceTransportPolicy(): RTCIceTransportPolicy {
  try {
    return localStorage.getItem('parley.iceTransportPolicy') === 'relay' ? 'relay' : 'all'
  } catch {
    return 'all'
  }
}

function defaultAudioOut(stream: MediaStream, speaker: string): AudioOut {
  const el = new Audio()
  el.autoplay = true
  el.srcObject = stream
  void el.play().catch(() => undefined)
  if (speaker) void applySpeaker(el, speaker)
  return {
    volume: (v) => (el.volume = v),
    speaker: (label) => void applySpeaker(el, label),
    stop: () => {
      el.pause()
      el.srcObject = null
    },
  }
}

export class CallSession {
  readonly peerId: string
  readonly state = reactive({
    phase: 'starting' as Phase,
    audio: true,
    video: false,
    screen: false,
    camera: null as MediaStream | null, // the self view (the microphone and camera tracks)
    screenStream: null as MediaStream | null,
    localRev: 0,
    remotes: [] as RemotePeer[],
    speaker: null as string | null, // the peer id of the active speaker
    call: null as CallInfo | null,
    warning: null as string | null, // something failed but the call goes on
  })
  // Called once when the call ends here: a message to show (an error or not), or null.
  onEnd: (text: string | null, error: boolean) => void = () => undefined

  private readonly links = new Map<string, Link>()
  private readonly cameraStream: MediaStream
  private callId: string | undefined
  private mySince: number | undefined
  private iceServers: RTCIceServer[] = []
  private mic: MediaStreamTrack | null = null
  private cam: MediaStreamTrack | null = null
  private screenStream: MediaStream | null = null
  private pending: CallSignalFrame[] = [] // signals that came before our call_joined
  private statsTimer: ReturnType<typeof setInterval> | null = null
  private polling = false
  private lastSpeaker: { peer: string; at: number } | null = null

  constructor(
    readonly room: number,
    media: { audio: boolean; video: boolean },
    private readonly deps: CallDeps,
    peerId = newPeerId(),
  ) {
    this.peerId = peerId
    this.state.audio = media.audio
    this.state.video = media.video
    this.cameraStream = markRaw(deps.newStream?.() ?? new MediaStream())
  }

  get phase(): Phase {
    return this.state.phase
  }
  private get ended(): boolean {
    return this.state.phase === 'ended'
  }
  // At least one other tab's media connection is up.
  get connected(): boolean {
    return this.state.remotes.some((r) => r.state === 'connected')
  }

  // Opens the microphone (and camera), then joins: starts the call when the room has none.
  async start(): Promise<void> {
    const open = this.deps.openTrack ?? openTrack
    const prefs = this.deps.prefs()
    try {
      this.mic = await open('audio', prefs)
    } catch (e) {
      if (!this.ended) this.end(mediaError(e, t('call.devices.theMicrophone')), true)
      return
    }
    if (this.state.video) {
      try {
        this.cam = await open('video', prefs)
      } catch (e) {
        this.state.video = false
        this.state.warning = mediaError(e, t('call.devices.theCamera'))
      }
    }
    if (this.ended) return this.stopLocal() // hung up meanwhile
    this.cameraStream.addTrack(this.mic)
    if (this.cam) this.cameraStream.addTrack(this.cam)
    this.state.camera = this.cameraStream
    this.state.localRev++
    await this.join(false)
  }

  private media(): { audio: boolean; video: boolean; screen: boolean } {
    return { audio: this.state.audio, video: this.state.video, screen: this.state.screen }
  }

  private async join(again: boolean): Promise<void> {
    this.state.phase = again ? 'rejoining' : 'joining'
    let answer: ServerFrame
    try {
      answer = await this.deps.request({
        type: 'call_join',
        room: this.room,
        peer: this.peerId,
        ...this.media(),
      })
    } catch (e) {
      if (this.ended) return
      const refused = typeof e === 'object' && e !== null && 'frame' in e // the server's error frame
      if (refused) this.end(e instanceof Error ? e.message : t('call.ended.notJoined'), true)
      // Else the socket dropped: the next hello brings us back (resume).
      return
    }
    if (answer.type !== 'call_joined') return
    if (this.ended) {
      if (!again) this.leaveServer() // hung up while joining (a rejoin's leave went after it)
      return
    }
    this.onJoined(answer)
  }

  private onJoined(f: CallJoinedFrame): void {
    this.iceServers = f.ice_servers.map((s) => ({ ...s }))
    const before = new Set(this.links.keys())
    for (const l of this.links.values()) {
      try {
        l.peer.pc.setConfiguration(this.config()) // fresh TURN credentials
      } catch {
        // An older browser refuses a change: the old credentials serve until they expire.
      }
    }
    this.state.phase = 'in-call'
    this.reconcile(f.call)
    if (this.ended) return
    // Back after an outage: what was being negotiated may have been lost on the way.
    for (const [id, l] of this.links) {
      if (before.has(id) && (l.lost || !l.peer.connected)) {
        l.lost = false
        void l.peer.resync()
      }
    }
    const early = this.pending
    this.pending = []
    for (const s of early) this.onSignal(s)
    this.statsTimer ??= setInterval(() => void this.poll(), STATS_MS)
  }

  // After every hello (the socket reconnected), with the room's call as `calls` reported it.
  resume(call: CallInfo | undefined): void {
    if (this.ended || this.state.phase === 'starting') return
    if (this.callId !== undefined && call?.id !== this.callId) return this.end(ENDED_OFFLINE(), false)
    void this.join(true)
  }

  onState(room: number, call: CallInfo | null): void {
    if (room !== this.room || this.ended) return
    if (this.state.phase !== 'in-call') {
      // While joining, our call_joined decides; a call that ends meanwhile is not ours yet.
      if (call) this.state.call = call
      return
    }
    if (!call || call.id !== this.callId) return this.end(null, false)
    this.reconcile(call)
  }

  // Makes the links match the call's peers: new peers get a connection at once, gone ones lose it;
  // a peer whose `since` changed is a new arrival (it was dropped and came back) and starts afresh.
  private reconcile(call: CallInfo): void {
    this.state.call = call
    this.callId = call.id
    const mine = call.peers.find((p) => p.peer === this.peerId)
    if (!mine) {
      const elsewhere = call.peers.some((p) => p.user === this.deps.user)
      return this.end(elsewhere ? TAKEN() : REMOVED(), false)
    }
    if (this.mySince !== undefined && mine.since !== this.mySince) {
      for (const l of [...this.links.values()]) this.closeLink(l) // the others dropped us meanwhile
    }
    this.mySince = mine.since
    const present = new Set<string>()
    for (const p of call.peers) {
      if (p.peer === this.peerId) continue
      present.add(p.peer)
      let link = this.links.get(p.peer)
      if (link && link.since !== undefined && link.since !== p.since) {
        this.closeLink(link)
        link = undefined
      }
      link ??= this.openLink(p.peer, p.user, p.username)
      const wasAway = link.remote.info?.away ?? false
      link.since = p.since
      link.remote.info = p
      link.remote.username = p.username
      if (wasAway && !p.away && !link.peer.connected) void link.peer.resync()
    }
    for (const l of [...this.links.values()]) if (!present.has(l.remote.peer)) this.closeLink(l)
  }

  onSignal(f: CallSignalFrame): void {
    if (f.room !== this.room || this.ended || f.from === this.peerId) return
    if (this.state.phase !== 'in-call') {
      if (this.state.phase === 'joining' || this.state.phase === 'rejoining') this.pending.push(f)
      return
    }
    const known = this.state.call?.peers.find((p) => p.peer === f.from)
    // The server relays only from peers of this call: one not in our call_state yet is new.
    const link = this.links.get(f.from) ?? this.openLink(f.from, f.user, known?.username ?? '')
    const data = parseSignal(f.data)
    if (data.streams) Object.assign(link.labels, data.streams)
    void link.peer.receive(data)
  }

  onDropped(f: CallDroppedFrame): void {
    if (f.room !== this.room || f.peer !== this.peerId || this.ended) return
    this.end(f.reason === 'taken' ? TAKEN() : REMOVED(), false)
  }

  private config(): RTCConfiguration {
    return { iceServers: this.iceServers, iceTransportPolicy: iceTransportPolicy() }
  }

  // This side's streams, named for the other side.
  private streamKinds(): Record<string, StreamKind> {
    const kinds: Record<string, StreamKind> = { [this.cameraStream.id]: 'camera' }
    if (this.screenStream) kinds[this.screenStream.id] = 'screen'
    return kinds
  }

  private openLink(peerId: string, user: number, username: string): Link {
    const remote = reactive<RemotePeer>({
      peer: peerId,
      user,
      username,
      info: null,
      state: 'new',
      camera: null,
      screen: null,
      rev: 0,
      quality: null,
      volume: 1,
    })
    const events: PeerEvents = {
      signal: (data) => this.signal(link, data),
      track: (track, stream) => this.onTrack(link, track, stream),
      state: (s) => (remote.state = s),
      failed: () => (remote.state = 'failed'),
    }
    const kinds = () => this.streamKinds()
    const link: Link = {
      remote,
      peer: new Peer(peerId, this.peerId, this.config(), events, kinds, this.deps.createPeerConnection),
      since: undefined,
      labels: {},
      cameraId: undefined,
      senders: { screen: [] },
      outs: new Map(),
      lost: false,
      sample: undefined,
    }
    this.addLocalTracks(link)
    this.links.set(peerId, link)
    this.state.remotes.push(remote)
    return link
  }

  private addLocalTracks(link: Link): void {
    const pc = link.peer.pc
    if (this.mic) {
      link.senders.audio = pc.addTrack(this.mic, this.cameraStream)
      if (!this.state.audio) void link.senders.audio.replaceTrack(null)
    }
    if (this.cam && this.state.video) link.senders.video = pc.addTrack(this.cam, this.cameraStream)
    const screen = this.screenStream
    if (screen) for (const t of screen.getTracks()) link.senders.screen.push(pc.addTrack(t, screen))
  }

  private signal(link: Link, data: SignalData): void {
    const sent = this.deps.send({
      type: 'call_signal',
      room: this.room,
      peer: this.peerId,
      to: link.remote.peer,
      data: { ...data },
    })
    if (!sent) link.lost = true
  }

  private onTrack(link: Link, track: MediaStreamTrack, stream: MediaStream | undefined): void {
    const s = markRaw(stream ?? new MediaStream([track]))
    const kind =
      link.labels[s.id] ?? (link.cameraId === undefined || link.cameraId === s.id ? 'camera' : 'screen')
    if (kind === 'camera') {
      link.cameraId = s.id
      link.remote.camera = s
    } else {
      link.remote.screen = s
    }
    link.remote.rev++
    if (track.kind === 'audio' && !link.outs.has(s.id)) {
      const out = (this.deps.audioOut ?? defaultAudioOut)(s, this.deps.prefs().speaker)
      out.volume(link.remote.volume)
      link.outs.set(s.id, out)
    }
  }

  private closeLink(link: Link): void {
    link.peer.close()
    for (const out of link.outs.values()) out.stop()
    link.outs.clear()
    this.links.delete(link.remote.peer)
    const i = this.state.remotes.findIndex((r) => r.peer === link.remote.peer)
    if (i >= 0) this.state.remotes.splice(i, 1)
    if (this.lastSpeaker?.peer === link.remote.peer) this.lastSpeaker = null
    if (this.state.speaker === link.remote.peer) this.state.speaker = null
  }

  private sendMedia(): void {
    if (this.state.phase !== 'in-call') return // call_join carries it
    void this.deps
      .request({ type: 'call_media', room: this.room, peer: this.peerId, ...this.media() })
      .catch(() => undefined) // offline: the rejoin sends it
  }

  // Mute stops sending altogether (the sender's track is taken away), not just silence.
  async setAudio(on: boolean): Promise<void> {
    if (this.ended || !this.mic) return
    this.state.audio = on
    await Promise.all(
      [...this.links.values()].map((l) =>
        l.senders.audio?.replaceTrack(on ? this.mic : null).catch(() => undefined),
      ),
    )
    this.sendMedia()
  }

  // The camera is opened when turned on and released (its light goes off) when turned off.
  async setVideo(on: boolean): Promise<void> {
    if (this.ended || on === this.state.video) return
    if (on) {
      let cam: MediaStreamTrack
      try {
        cam = await (this.deps.openTrack ?? openTrack)('video', this.deps.prefs())
      } catch (e) {
        this.state.warning = mediaError(e, t('call.devices.theCamera'))
        return
      }
      if (this.ended) return cam.stop()
      this.cam = cam
      this.cameraStream.addTrack(cam)
      for (const l of this.links.values()) {
        if (l.senders.video) await l.senders.video.replaceTrack(cam).catch(() => undefined)
        else l.senders.video = l.peer.pc.addTrack(cam, this.cameraStream) // renegotiates
      }
    } else {
      for (const l of this.links.values()) await l.senders.video?.replaceTrack(null).catch(() => undefined)
      if (this.cam) {
        this.cam.stop()
        this.cameraStream.removeTrack(this.cam)
        this.cam = null
      }
    }
    this.state.video = on
    this.state.warning = null
    this.state.localRev++
    this.sendMedia()
  }

  // The screen goes beside the camera as tracks of a stream of its own: the others renegotiate and
  // show it as a tile of its own. Ends when the browser's own "stop sharing" is used too.
  async setScreen(on: boolean): Promise<void> {
    if (this.ended || on === this.state.screen) return
    if (on) {
      let screen: MediaStream
      try {
        screen = await (
          this.deps.openScreen ?? (() => navigator.mediaDevices.getDisplayMedia({ video: true, audio: true }))
        )()
      } catch (e) {
        if (!(e instanceof DOMException && e.name === 'NotAllowedError')) {
          this.state.warning = mediaError(e, t('call.media.screen'))
        }
        return // a cancelled picker is no error
      }
      if (this.ended) return screen.getTracks().forEach((t) => t.stop())
      this.screenStream = markRaw(screen)
      this.state.screenStream = this.screenStream
      screen.getVideoTracks()[0]?.addEventListener('ended', () => void this.setScreen(false))
      for (const l of this.links.values()) {
        for (const t of screen.getTracks()) l.senders.screen.push(l.peer.pc.addTrack(t, screen))
      }
    } else {
      for (const l of this.links.values()) {
        for (const s of l.senders.screen) {
          try {
            l.peer.pc.removeTrack(s)
          } catch {
            // Closed meanwhile.
          }
        }
        l.senders.screen = []
      }
      this.screenStream?.getTracks().forEach((t) => t.stop())
      this.screenStream = null
      this.state.screenStream = null
    }
    this.state.screen = on
    this.sendMedia()
  }

  setVolume(peer: string, volume: number): void {
    const link = this.links.get(peer)
    if (!link) return
    link.remote.volume = volume
    for (const out of link.outs.values()) out.volume(volume)
  }

  setSpeaker(label: string): void {
    for (const l of this.links.values()) for (const out of l.outs.values()) out.speaker(label)
  }

  // Loudness (for the active speaker) and connection quality, from each connection's stats.
  private async poll(): Promise<void> {
    if (this.polling || this.ended) return
    this.polling = true
    try {
      const levels = new Map<string, number>()
      for (const l of [...this.links.values()]) {
        let next: Sample
        try {
          next = readSample(await l.peer.pc.getStats())
        } catch {
          continue
        }
        levels.set(l.remote.peer, l.remote.info?.audio === false ? 0 : audioLevel(l.sample, next))
        const q = quality(l.sample, next)
        if (q) l.remote.quality = q
        l.sample = next
      }
      this.lastSpeaker = activeSpeaker(levels, this.lastSpeaker, Date.now())
      this.state.speaker = this.lastSpeaker?.peer ?? null
    } finally {
      this.polling = false
    }
  }

  private leaveServer(): void {
    void this.deps.request({ type: 'call_leave', room: this.room, peer: this.peerId }).catch(() => undefined)
  }

  // Hang up: tells the server (once joined) and ends the call here.
  leave(): void {
    if (this.ended) return
    // While first joining, join() says goodbye once the answer is there.
    const joined = this.state.phase === 'in-call' || this.state.phase === 'rejoining'
    this.end(null, false)
    if (joined) this.leaveServer()
  }

  private stopLocal(): void {
    this.mic?.stop()
    this.cam?.stop()
    this.screenStream?.getTracks().forEach((t) => t.stop())
    this.mic = null
    this.cam = null
    this.screenStream = null
  }

  private end(text: string | null, error: boolean): void {
    if (this.ended) return
    this.state.phase = 'ended'
    if (this.statsTimer) clearInterval(this.statsTimer)
    this.statsTimer = null
    for (const l of [...this.links.values()]) this.closeLink(l)
    this.stopLocal()
    this.state.camera = null
    this.state.screenStream = null
    this.onEnd(text, error)
  }
}
