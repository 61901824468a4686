// Short confirmations shown for a few seconds at the bottom of the app ("Reported"), whatever
// component asked for them has gone since (a dialog, a message's hover tools).
import { ref } from 'vue'

export const TOAST_MS = 4000
export const toast = ref<{ text: string; id: number } | null>(null)
let timer: ReturnType<typeof setTimeout> | null = null
let ids = 0

export function showToast(text: string): void {
  if (timer) clearTimeout(timer)
  toast.value = { text, id: ++ids }
  timer = setTimeout(() => (toast.value = null), TOAST_MS)
}
