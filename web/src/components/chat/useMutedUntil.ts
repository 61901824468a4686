// Whether a mute holds now, as a ref that turns false by itself when the mute's time passes (a
// timer to its end, re-armed in steps for mutes longer than a timer can wait).
import { computed, onScopeDispose, ref, watch, type InjectionKey, type Ref } from 'vue'
import { isMuted, liftDelay } from '../../stores/moderationRules'
import { formatDateTime, formatTime } from '../../i18n/format'
import { t } from '../../i18n'

// The open room's mute of the signed-in user, provided by the room pane to its messages.
export const ROOM_MUTED: InjectionKey<Readonly<Ref<boolean>>> = Symbol('room muted')

// When a mute ends: the time alone today, else the date too.
// How long a mute is: "15 minutes", "1 hour", "1 day", "1 week" (the largest unit that divides it).
export function muteDurationText(minutes: number): string {
  if (minutes >= 10080 && minutes % 10080 === 0) return t('moderation.weeks', { count: minutes / 10080 })
  if (minutes >= 1440 && minutes % 1440 === 0) return t('moderation.days', { count: minutes / 1440 })
  if (minutes >= 60 && minutes % 60 === 0) return t('moderation.hours', { count: minutes / 60 })
  return t('moderation.minutes', { count: minutes })
}

export function muteEndText(until: number, now = Date.now()): string {
  const sameDay = new Date(until).toDateString() === new Date(now).toDateString()
  return sameDay ? formatTime(until) : formatDateTime(until, 'medium', 'short')
}

export function useMutedUntil(until: () => number | null | undefined): Readonly<Ref<boolean>> {
  const now = ref(Date.now())
  let timer: ReturnType<typeof setTimeout> | undefined
  function arm(): void {
    clearTimeout(timer)
    now.value = Date.now()
    const delay = liftDelay(until(), now.value)
    if (delay !== null) timer = setTimeout(arm, delay)
  }
  watch(until, arm, { immediate: true })
  onScopeDispose(() => clearTimeout(timer))
  return computed(() => isMuted(until(), now.value))
}
