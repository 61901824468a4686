// Recording a voice or video message: the microphone (and camera) asked for, a MediaRecorder run,
// and the result handed back as one Blob, or nothing when cancelled. The browser's media objects
// come through `RecorderEnv`, so the state machine is tested without a microphone.

export type RecordingKind = 'audio' | 'video'
export type RecorderState = 'idle' | 'starting' | 'recording' | 'stopping'

export const MAX_RECORDING_MS = 5 * 60 * 1000

// The part of MediaRecorder used here.
export interface MediaRecorderLike {
  readonly state: string // 'inactive' | 'recording' | 'paused'
  readonly mimeType: string
  ondataavailable: ((e: { data: Blob }) => void) | null
  onstop: (() => void) | null
  start(timeslice?: number): void
  stop(): void
}

export interface RecorderEnv {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>
  createRecorder(stream: MediaStream, mimeType: string): MediaRecorderLike
  isTypeSupported(mimeType: string): boolean
  now(): number
  setTimer(fn: () => void, ms: number): unknown
  clearTimer(handle: unknown): void
}

export function browserEnv(): RecorderEnv {
  return {
    getUserMedia: (c) => navigator.mediaDevices.getUserMedia(c),
    // Its handlers take a BlobEvent, of which only `data` is used.
    createRecorder: (stream, mimeType) =>
      new MediaRecorder(stream, mimeType ? { mimeType } : undefined) as unknown as MediaRecorderLike,
    isTypeSupported: (t) => typeof MediaRecorder !== 'undefined' && MediaRecorder.isTypeSupported(t),
    now: () => Date.now(),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  }
}

const TYPES: Record<RecordingKind, string[]> = {
  audio: ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'],
  video: ['video/webm;codecs=vp8,opus', 'video/webm', 'video/mp4'],
}

// The first container this browser can record; '' lets it choose.
export function pickMimeType(kind: RecordingKind, supported: (t: string) => boolean): string {
  return TYPES[kind].find(supported) ?? ''
}

// `voice-20251126-143005.webm`, `video-….mp4`: the kind, the local time, the container's extension.
export function recordingName(kind: RecordingKind, at: Date, mimeType: string): string {
  const two = (n: number) => String(n).padStart(2, '0')
  const stamp =
    `${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}-` +
    `${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}`
  const container = mimeType.split(';')[0]?.split('/')[1] ?? ''
  const ext = container === 'mp4' ? (kind === 'audio' ? 'm4a' : 'mp4') : container === 'ogg' ? 'ogg' : 'webm'
  return `${kind === 'audio' ? 'voice' : 'video'}-${stamp}.${ext}`
}

// Whether a file plays as a voice message: any audio. (libmagic calls every WebM `video/webm`;
// the server takes the browser's declared `audio/…` type to tell a voice recording apart.)
export function isVoiceMessage(f: { kind: string; name: string }): boolean {
  return f.kind === 'audio'
}

// m:ss (and h:mm:ss past an hour).
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const s = String(total % 60).padStart(2, '0')
  const m = Math.floor(total / 60)
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${s}` : `${m}:${s}`
}

export function stopTracks(stream: MediaStream | null): void {
  for (const t of stream?.getTracks() ?? []) t.stop()
}

// idle → starting (asking for the devices) → recording → stopping → idle; cancel() from any state
// goes back to idle with nothing kept. The devices are released whenever it returns to idle.
export class Recorder {
  state: RecorderState = 'idle'
  kind: RecordingKind = 'audio'
  stream: MediaStream | null = null
  private startedAt = 0
  private recorder: MediaRecorderLike | null = null
  private chunks: Blob[] = []
  private attempt = 0 // a device answer for an older attempt (cancelled meanwhile) is dropped
  private limit: unknown = null
  private finishing: ((b: Blob | null) => void) | null = null

  constructor(
    private readonly env: RecorderEnv = browserEnv(),
    private readonly onChange: () => void = () => undefined,
    private readonly onLimit: () => void = () => undefined, // the maximum length was reached
    private readonly maxMs = MAX_RECORDING_MS,
  ) {}

  // Asks for the devices and starts recording; rejects with the browser's error when refused.
  async start(kind: RecordingKind): Promise<void> {
    if (this.state !== 'idle') return
    const attempt = ++this.attempt
    this.kind = kind
    this.set('starting')
    const constraints: MediaStreamConstraints =
      kind === 'audio'
        ? { audio: true }
        : { audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' } }
    let stream: MediaStream
    try {
      stream = await this.env.getUserMedia(constraints)
    } catch (e) {
      if (attempt === this.attempt) this.set('idle')
      throw e
    }
    if (attempt !== this.attempt) {
      stopTracks(stream) // cancelled while the browser asked
      return
    }
    try {
      const recorder = this.env.createRecorder(
        stream,
        pickMimeType(kind, (t) => this.env.isTypeSupported(t)),
      )
      this.chunks = []
      recorder.ondataavailable = (e) => {
        if (e.data.size > 0) this.chunks.push(e.data)
      }
      recorder.start(1000)
      this.recorder = recorder
    } catch (e) {
      stopTracks(stream)
      this.set('idle')
      throw e
    }
    this.stream = stream
    this.startedAt = this.env.now()
    this.limit = this.env.setTimer(() => this.onLimit(), this.maxMs)
    this.set('recording')
  }

  // Milliseconds recorded so far.
  elapsed(): number {
    return this.state === 'recording' ? this.env.now() - this.startedAt : 0
  }

  // Stops and resolves with the recording; null when there is none (never started, or empty).
  stop(): Promise<Blob | null> {
    if (this.state === 'starting') this.cancel()
    const recorder = this.recorder
    if (this.state !== 'recording' || !recorder) return Promise.resolve(null)
    this.set('stopping')
    return new Promise((resolve) => {
      this.finishing = resolve
      recorder.onstop = () => {
        const type = recorder.mimeType || this.chunks[0]?.type || ''
        const blob = this.chunks.length ? new Blob(this.chunks, type ? { type } : undefined) : null
        this.release(blob)
      }
      recorder.stop()
    })
  }

  // Drops whatever is being recorded.
  cancel(): void {
    this.attempt += 1
    const recorder = this.recorder
    if (recorder) {
      recorder.ondataavailable = null
      recorder.onstop = null
      if (recorder.state !== 'inactive') recorder.stop()
    }
    this.release(null)
  }

  private release(result: Blob | null): void {
    if (this.limit !== null) this.env.clearTimer(this.limit)
    this.limit = null
    stopTracks(this.stream)
    this.stream = null
    this.recorder = null
    this.chunks = []
    const finishing = this.finishing
    this.finishing = null
    if (this.state !== 'idle') this.set('idle')
    finishing?.(result)
  }

  private set(state: RecorderState): void {
    this.state = state
    this.onChange()
  }
}
