// The local side of a call: camera and microphone chosen by the account's device settings, the
// shared screen, and the helpers the lobby and the settings page share (device lists, a level
// meter, the speaker). Devices are remembered by label, which is the same on another machine with
// the same hardware, where the device ids are not; an unknown label falls back to the default.
import { t } from '../i18n'
import { holdAudio } from '../audio'

export interface DevicePrefs {
  camera: string // labels; "" = the system's default
  microphone: string
  speaker: string
}

export const noPrefs: DevicePrefs = { camera: '', microphone: '', speaker: '' }

export async function listDevices(): Promise<MediaDeviceInfo[]> {
  try {
    return (await navigator.mediaDevices?.enumerateDevices()) ?? []
  } catch {
    return []
  }
}

// The id of the device of that kind with that label, if this machine has one.
export function matchDevice(
  devices: MediaDeviceInfo[],
  kind: MediaDeviceKind,
  label: string,
): string | undefined {
  if (!label) return undefined
  return devices.find((d) => d.kind === kind && d.label === label)?.deviceId || undefined
}

const VIDEO: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 } } // a mesh sends one per peer

function constraints(kind: 'audio' | 'video', id: string | undefined): MediaTrackConstraints | true {
  const base = kind === 'video' ? VIDEO : {}
  if (id) return { ...base, deviceId: { exact: id } }
  return kind === 'video' ? base : true
}

// What the user understands of a getUserMedia failure.
export function mediaError(e: unknown, what = t('call.media.either')): string {
  const name = e instanceof Error || e instanceof DOMException ? e.name : ''
  if (name === 'NotAllowedError' || name === 'SecurityError') return t('call.media.notAllowed', { what })
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return t('call.media.notFound', { what })
  if (name === 'NotReadableError') {
    const text = t('call.media.inUse', { what })
    return `${text[0]?.toLocaleUpperCase()}${text.slice(1)}`
  }
  return e instanceof Error && e.message
    ? t('call.media.failedWhy', { what, reason: e.message })
    : t('call.media.failed', { what })
}

// One track of a kind from the preferred device (matched by label), else the default. Before the
// first permission the labels are hidden: the default is opened, then the preferred one if it differs.
export async function openTrack(kind: 'audio' | 'video', prefs: DevicePrefs): Promise<MediaStreamTrack> {
  const deviceKind = kind === 'audio' ? 'audioinput' : 'videoinput'
  const label = kind === 'audio' ? prefs.microphone : prefs.camera
  const before = await listDevices()
  const id = matchDevice(before, deviceKind, label)
  const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraints(kind, id) })
  const track = stream.getTracks()[0]
  if (!track) throw new DOMException('No track', 'NotFoundError')
  if (id || !label) return track
  const preferred = matchDevice(await listDevices(), deviceKind, label)
  if (!preferred || preferred === track.getSettings().deviceId) return track
  try {
    const better = await navigator.mediaDevices.getUserMedia({ [kind]: constraints(kind, preferred) })
    const t = better.getTracks()[0]
    if (!t) return track
    track.stop()
    return t
  } catch {
    return track
  }
}

// Applies the preferred speaker to a media element, where the browser lets a page choose.
export async function applySpeaker(el: HTMLMediaElement, label: string): Promise<void> {
  const sink = el as HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> }
  if (typeof sink.setSinkId !== 'function') return
  const id = label ? matchDevice(await listDevices(), 'audiooutput', label) : undefined
  try {
    await sink.setSinkId(id ?? '')
  } catch {
    // The device went away: the default plays.
  }
}

export function canChooseSpeaker(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype
}

// Calls `onLevel` about 15 times a second with the loudness (0-1) of a stream's audio; returns the
// function that stops it.
export function levelMeter(stream: MediaStream, onLevel: (level: number) => void): () => void {
  const hold = stream.getAudioTracks().length > 0 ? holdAudio() : null
  if (!hold) return () => undefined
  const ctx = hold.ctx
  const source = ctx.createMediaStreamSource(stream)
  const analyser = ctx.createAnalyser()
  analyser.fftSize = 512
  source.connect(analyser)
  const samples = new Float32Array(analyser.fftSize)
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples)
    let sum = 0
    for (const s of samples) sum += s * s
    onLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4)) // speech RMS is around 0.05-0.2
  }, 66)
  return () => {
    clearInterval(timer)
    source.disconnect()
    hold.release()
  }
}
