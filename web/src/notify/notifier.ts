// New messages from others: a short sound in rooms where it is on (per the account's sound
// settings and the room's volume and mute), and a desktop notification while the tab is hidden
// (when the user allowed them). The page title's unread count is kept by the chat view.
import type { ChatEvent, RoomSummary } from '../protocol/frames'
import { holdAudio } from '../audio'

export interface NotifySettings {
  sound: boolean
  volume: number // 0-100, the account's
  desktop: boolean
}

export interface Decision {
  sound: number // 0: silent, else a gain in (0, 1]
  desktop: boolean
}

// Pure: what a message from someone else deserves.
export function decide(
  e: ChatEvent,
  room: RoomSummary | undefined,
  me: number | undefined,
  settings: NotifySettings,
  hidden: boolean,
  permitted: boolean,
): Decision {
  const none = { sound: 0, desktop: false }
  if (e.kind !== 'message' || e.user === me || !room || room.muted || !room.notify) return none
  const mentioned = me !== undefined && (e.mentions ?? []).includes(me)
  const gain = settings.sound ? (settings.volume / 100) * (room.volume / 100) : 0
  return {
    sound: gain,
    desktop:
      settings.desktop && permitted && hidden && (room.kind === 'direct' || mentioned || room.members <= 10),
  }
}

let armed = false

// Audio may only start after a user gesture: the context is made on the first one.
export function armAudio(): void {
  const make = () => {
    armed = true
    holdAudio()?.release()
    window.removeEventListener('pointerdown', make)
    window.removeEventListener('keydown', make)
  }
  window.addEventListener('pointerdown', make)
  window.addEventListener('keydown', make)
}

// A short two-note chime, synthesized: no sound file to fetch.
export function chime(gain: number): void {
  if (!armed || gain <= 0) return
  const hold = holdAudio()
  if (!hold) return
  const audio = hold.ctx
  setTimeout(() => hold.release(), 400)
  const t = audio.currentTime
  for (const [freq, at] of [
    [880, 0],
    [1320, 0.09],
  ] as const) {
    const osc = audio.createOscillator()
    const g = audio.createGain()
    osc.frequency.value = freq
    g.gain.setValueAtTime(0.15 * gain, t + at)
    g.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.25)
    osc.connect(g).connect(audio.destination)
    osc.start(t + at)
    osc.stop(t + at + 0.26)
  }
}

// `icon`: the sender's avatar URL, when known.
export function showDesktop(title: string, body: string, onClick: () => void, icon?: string | null): void {
  const n = new Notification(title, { body: body.slice(0, 200), tag: title, ...(icon ? { icon } : {}) })
  n.onclick = () => {
    window.focus()
    onClick()
    n.close()
  }
}

// Asked only from a user action (the setting's checkbox).
export async function askPermission(): Promise<boolean> {
  if (typeof Notification === 'undefined') return false
  if (Notification.permission === 'granted') return true
  return (await Notification.requestPermission()) === 'granted'
}
