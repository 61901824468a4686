// How calls read in a room's timeline: "Call ended · 1:05". Small: it is on the first screen.
import type { ChatEvent } from '../protocol/frames'
import { t } from '../i18n'

// m:ss under an hour, else h:mm:ss (whole seconds, rounded down).
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const s = String(total % 60).padStart(2, '0')
  const m = Math.floor(total / 60) % 60
  const h = Math.floor(total / 3600)
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

// The fixed phrases ("Missed call", "Call declined", "Call ended · 1:05") stay the same for video
// calls, which only say so when they start.
export function callText(e: ChatEvent): string {
  switch (e.call) {
    case 'started':
      return e.video ? t('call.event.videoStarted') : t('call.event.started')
    case 'missed':
      return t('call.event.missed')
    case 'declined':
      return t('call.event.declined')
    default:
      return typeof e.duration === 'number'
        ? t('call.event.endedAfter', { duration: formatDuration(e.duration) })
        : t('call.event.ended')
  }
}
