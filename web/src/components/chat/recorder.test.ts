import { describe, expect, it, vi } from 'vitest'
import {
  MAX_RECORDING_MS,
  Recorder,
  formatDuration,
  isVoiceMessage,
  pickMimeType,
  recordingName,
  type MediaRecorderLike,
  type RecorderEnv,
} from './recorder'

// A MediaRecorder stand-in: stop() delivers what was "recorded", then onstop, asynchronously.
class FakeRecorder implements MediaRecorderLike {
  state = 'inactive'
  ondataavailable: ((e: { data: Blob }) => void) | null = null
  onstop: (() => void) | null = null
  constructor(
    readonly mimeType: string,
    private readonly bytes: string,
  ) {}
  start(): void {
    this.state = 'recording'
  }
  stop(): void {
    this.state = 'inactive'
    queueMicrotask(() => {
      if (this.bytes) this.ondataavailable?.({ data: new Blob([this.bytes], { type: this.mimeType }) })
      this.onstop?.()
    })
  }
}

function setup(opts: { bytes?: string; media?: () => Promise<MediaStream> } = {}) {
  const track = { stop: vi.fn() }
  const stream = { getTracks: () => [track] } as unknown as MediaStream
  const recorders: FakeRecorder[] = []
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = []
  let now = 1000
  const env: RecorderEnv = {
    getUserMedia: vi.fn(opts.media ?? (() => Promise.resolve(stream))),
    createRecorder: (_s, mime) => {
      const r = new FakeRecorder(mime, opts.bytes ?? 'opus bytes')
      recorders.push(r)
      return r
    },
    isTypeSupported: (t) => t.startsWith('audio/webm') || t.startsWith('video/webm'),
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { fn, ms, cleared: false }
      timers.push(t)
      return t
    },
    clearTimer: (h) => {
      ;(h as { cleared: boolean }).cleared = true
    },
  }
  const changes: string[] = []
  const onLimit = vi.fn()
  const recorder = new Recorder(env, () => changes.push(recorder.state), onLimit)
  return {
    recorder,
    env,
    track,
    stream,
    recorders,
    timers,
    changes,
    onLimit,
    tick: (ms: number) => (now += ms),
  }
}

describe('Recorder', () => {
  it('asks for the microphone and records Opus in WebM', async () => {
    const { recorder, env, recorders, changes, tick } = setup()
    await recorder.start('audio')
    expect(env.getUserMedia).toHaveBeenCalledWith({ audio: true })
    expect(recorders[0]?.mimeType).toBe('audio/webm;codecs=opus')
    expect(recorders[0]?.state).toBe('recording')
    expect(changes).toEqual(['starting', 'recording'])
    tick(1500)
    expect(recorder.elapsed()).toBe(1500)
  })

  it('stop hands back the recording and releases the microphone', async () => {
    const { recorder, track, timers, changes } = setup()
    await recorder.start('audio')
    const blob = await recorder.stop()
    expect(blob?.type).toBe('audio/webm;codecs=opus')
    expect(blob?.size).toBe('opus bytes'.length)
    expect(track.stop).toHaveBeenCalled()
    expect(timers[0]?.cleared).toBe(true)
    expect(recorder.state).toBe('idle')
    expect(recorder.stream).toBeNull()
    expect(changes).toEqual(['starting', 'recording', 'stopping', 'idle'])
  })

  it('cancel drops what was recorded and releases the microphone', async () => {
    const { recorder, track, recorders } = setup()
    await recorder.start('audio')
    recorder.cancel()
    expect(recorder.state).toBe('idle')
    expect(track.stop).toHaveBeenCalled()
    expect(recorders[0]?.state).toBe('inactive')
    expect(recorders[0]?.ondataavailable).toBeNull()
    expect(await recorder.stop()).toBeNull()
  })

  it('cancel while stopping resolves the stop with nothing', async () => {
    const { recorder } = setup()
    await recorder.start('audio')
    const stopping = recorder.stop()
    recorder.cancel()
    expect(await stopping).toBeNull()
  })

  it('a cancel while the browser asks for permission releases the late stream at once', async () => {
    let grant: (s: MediaStream) => void = () => undefined
    const { recorder, track, stream, recorders } = setup({ media: () => new Promise((ok) => (grant = ok)) })
    const starting = recorder.start('audio')
    expect(recorder.state).toBe('starting')
    recorder.cancel()
    expect(recorder.state).toBe('idle')
    grant(stream)
    await starting
    expect(track.stop).toHaveBeenCalled()
    expect(recorders).toHaveLength(0)
    expect(recorder.state).toBe('idle')
  })

  it('stop before recording began sends nothing', async () => {
    let grant: (s: MediaStream) => void = () => undefined
    const { recorder, stream, recorders } = setup({ media: () => new Promise((ok) => (grant = ok)) })
    const starting = recorder.start('audio')
    expect(await recorder.stop()).toBeNull()
    grant(stream)
    await starting
    expect(recorders).toHaveLength(0)
  })

  it('a refused microphone leaves it idle and says why', async () => {
    const refusal = new DOMException('denied', 'NotAllowedError')
    const { recorder } = setup({ media: () => Promise.reject(refusal) })
    await expect(recorder.start('audio')).rejects.toBe(refusal)
    expect(recorder.state).toBe('idle')
  })

  it('an empty recording is nothing', async () => {
    const { recorder } = setup({ bytes: '' })
    await recorder.start('audio')
    expect(await recorder.stop()).toBeNull()
  })

  it('ignores a second start while busy', async () => {
    const { recorder, env } = setup()
    await recorder.start('audio')
    await recorder.start('video')
    expect(env.getUserMedia).toHaveBeenCalledTimes(1)
    expect(recorder.kind).toBe('audio')
  })

  it('says when the longest recording is reached', async () => {
    const { recorder, timers, onLimit } = setup()
    await recorder.start('audio')
    expect(timers[0]?.ms).toBe(MAX_RECORDING_MS)
    timers[0]?.fn()
    expect(onLimit).toHaveBeenCalledTimes(1)
  })

  it('records video with the camera and the microphone', async () => {
    const { recorder, env, recorders } = setup()
    await recorder.start('video')
    expect(env.getUserMedia).toHaveBeenCalledWith(
      expect.objectContaining({ audio: true, video: expect.any(Object) as unknown }),
    )
    expect(recorders[0]?.mimeType).toBe('video/webm;codecs=vp8,opus')
    expect((await recorder.stop())?.type).toBe('video/webm;codecs=vp8,opus')
  })
})

describe('recording helpers', () => {
  it('picks the first container the browser can record', () => {
    expect(pickMimeType('audio', (t) => t === 'audio/mp4')).toBe('audio/mp4')
    expect(pickMimeType('audio', () => false)).toBe('')
    expect(pickMimeType('video', () => true)).toBe('video/webm;codecs=vp8,opus')
  })

  it('names a recording by its kind, time and container', () => {
    const at = new Date(2025, 10, 26, 14, 30, 5)
    expect(recordingName('audio', at, 'audio/webm;codecs=opus')).toBe('voice-20251126-143005.webm')
    expect(recordingName('video', at, 'video/webm')).toBe('video-20251126-143005.webm')
    expect(recordingName('audio', at, 'audio/mp4')).toBe('voice-20251126-143005.m4a')
    expect(recordingName('video', at, 'video/mp4')).toBe('video-20251126-143005.mp4')
    expect(recordingName('audio', at, '')).toBe('voice-20251126-143005.webm')
  })

  it('knows a voice message, also when the server calls its WebM a video', () => {
    expect(isVoiceMessage({ kind: 'audio', name: 'song.mp3' })).toBe(true)
    expect(isVoiceMessage({ kind: 'video', name: 'voice-20251126-143005.webm' })).toBe(false)
    expect(isVoiceMessage({ kind: 'video', name: 'video-20251126-143005.webm' })).toBe(false)
    expect(isVoiceMessage({ kind: 'video', name: 'holiday.webm' })).toBe(false)
    expect(isVoiceMessage({ kind: 'file', name: 'voice-20251126-143005.webm' })).toBe(false)
  })

  it('shows durations as m:ss', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(999)).toBe('0:00')
    expect(formatDuration(1000)).toBe('0:01')
    expect(formatDuration(65_400)).toBe('1:05')
    expect(formatDuration(300_000)).toBe('5:00')
    expect(formatDuration(3_725_000)).toBe('1:02:05')
    expect(formatDuration(-5)).toBe('0:00')
  })
})
