// Short messages shown for a few seconds at the bottom of the app ("Reported"), whatever component
// asked for them has gone since (a dialog, a message's hover tools). A toast may carry one action
// (Undo, Retry); it stays longer then. At most three show; the oldest goes first. The time stops
// while the pointer or the focus is on them, so an action can still be reached.
import { ref } from 'vue'

export const TOAST_MS = 4000
export const ACTION_TOAST_MS = 8000
const MAX = 3

export interface ToastAction {
  label: string
  run: () => void
}
export interface Toast {
  id: number
  text: string
  action?: ToastAction
}

export const toasts = ref<Toast[]>([])
const timers = new Map<number, { left: number; started: number; timer?: ReturnType<typeof setTimeout> }>()
let paused = false
let ids = 0

function arm(id: number): void {
  const t = timers.get(id)
  if (!t || paused) return
  t.started = Date.now()
  t.timer = setTimeout(() => dismissToast(id), t.left)
}

export function showToast(text: string, action?: ToastAction): number {
  const id = ++ids
  toasts.value = [...toasts.value, { id, text, action }]
  while (toasts.value.length > MAX) dismissToast(toasts.value[0]!.id)
  timers.set(id, { left: action ? ACTION_TOAST_MS : TOAST_MS, started: 0 })
  arm(id)
  return id
}

export function dismissToast(id: number): void {
  clearTimeout(timers.get(id)?.timer)
  timers.delete(id)
  toasts.value = toasts.value.filter((t) => t.id !== id)
}

// Runs a toast's action and takes the toast away.
export function actOnToast(toast: Toast): void {
  dismissToast(toast.id)
  toast.action?.run()
}

export function pauseToasts(): void {
  if (paused) return
  paused = true
  for (const t of timers.values()) {
    clearTimeout(t.timer)
    t.left = Math.max(0, t.left - (Date.now() - t.started))
  }
}

export function resumeToasts(): void {
  if (!paused) return
  paused = false
  // A moment to read again after the pointer leaves, however little time was left.
  for (const [id, t] of timers) {
    t.left = Math.max(t.left, 1500)
    arm(id)
  }
}
