// The server-wide notice an admin posted. Each hello starts it over (from its `notice`, should a
// server put it there); Parley's server then sends a `notice` frame while one stands, and another
// whenever it changes (text null = cleared). A dismissed notice stays hidden in this browser until
// another one is posted (notices are told apart by the time they were posted).
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { ServerFrame, ServerNotice } from '../protocol/frames'
import { useConnectionStore } from './connection'
import { useSessionStore } from './session'

const DISMISSED_KEY = 'parley.notice.dismissed'

// The notice after a frame: hello holds the whole state, a notice frame replaces it.
export function reduceNotice(current: ServerNotice | null, frame: ServerFrame): ServerNotice | null {
  if (frame.type === 'hello') return frame.notice ?? null
  if (frame.type !== 'notice') return current
  return frame.text === null ? null : { text: frame.text, at: frame.at ?? Date.now() }
}

function rememberedDismissal(): number | null {
  try {
    const v = Number(localStorage.getItem(DISMISSED_KEY))
    return Number.isFinite(v) && v > 0 ? v : null
  } catch {
    return null
  }
}

export const useNoticeStore = defineStore('notice', () => {
  const connection = useConnectionStore()
  const session = useSessionStore()
  const notice = ref<ServerNotice | null>(null)
  const dismissedAt = ref<number | null>(rememberedDismissal())
  const shown = computed(() => (notice.value && notice.value.at !== dismissedAt.value ? notice.value : null))

  function dismiss(): void {
    if (!notice.value) return
    dismissedAt.value = notice.value.at
    try {
      localStorage.setItem(DISMISSED_KEY, String(notice.value.at))
    } catch {
      // Storage refused (private mode): hidden for this page only.
    }
  }

  connection.onFrame((f) => (notice.value = reduceNotice(notice.value, f)))
  // The notice is for signed-in people; the next sign-in's hello brings it back.
  watch(
    () => session.signedIn,
    (signedIn) => {
      if (!signedIn) notice.value = null
    },
  )

  return { notice, shown, dismiss }
})
