// What the service worker makes of a Web Push message (docs/api.md, "Web Push"): the server's
// decrypted JSON payload checked field by field, the notification it becomes, and whether to show
// it at all. Pure, so the worker (sw.ts) and the tests share it.

export type PushKind = 'message' | 'call' | 'test'

export interface PushPayload {
  type: PushKind
  room: number | null // null for a test notification
  id: number | null
  title: string
  body: string
  url: string // an address inside the app, '/room/<id>'
  tag: string // one room's notifications replace each other
}

export const APP_ICON = '/icons/icon-192.png'

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const optionalId = (v: unknown): number | null =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null
// Only a path of this app: a payload must never send a click to another site.
const inApp = (v: unknown): string => (typeof v === 'string' && /^\/(?!\/)/.test(v) ? v : '/')

// The payload, or null when it is not one of ours (not JSON, an unknown type, no title).
export function parsePushPayload(text: string | null | undefined): PushPayload | null {
  if (!text) return null
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (!isRecord(v) || typeof v.title !== 'string' || !v.title) return null
  if (v.type !== 'message' && v.type !== 'call' && v.type !== 'test') return null
  const room = optionalId(v.room)
  return {
    type: v.type,
    room,
    id: optionalId(v.id),
    title: v.title,
    body: typeof v.body === 'string' ? v.body : '',
    url: inApp(v.url ?? (room ? `/room/${room}` : '/')),
    tag: typeof v.tag === 'string' && v.tag ? v.tag : room ? `room-${room}` : v.type,
  }
}

export interface NotificationData {
  url: string
  room: number | null
  type: PushKind
}

// `renotify` only for calls: a ringing call should sound again; a new message in a room quietly
// replaces the one shown.
export function notificationFor(p: PushPayload): { title: string; options: NotificationOptions } {
  const data: NotificationData = { url: p.url, room: p.room, type: p.type }
  const options: NotificationOptions & { renotify?: boolean } = {
    body: p.body,
    icon: APP_ICON,
    badge: APP_ICON,
    tag: p.tag,
    data,
  }
  if (p.type === 'call') options.renotify = true
  return { title: p.title, options }
}

// A window of the app as the worker sees it (a WindowClient's fields).
export interface WindowView {
  url: string
  focused: boolean
  visibilityState: DocumentVisibilityState
}

// Nothing is shown while someone looks at that room in a focused, visible window: the page shows
// the message itself. A test notification always shows.
export function seenInWindow(p: PushPayload, windows: readonly WindowView[]): boolean {
  if (p.type === 'test' || p.room === null) return false
  return windows.some((w) => w.focused && w.visibilityState === 'visible' && samePath(w.url, p.url))
}

function samePath(a: string, path: string): boolean {
  try {
    return new URL(a).pathname === new URL(path, a).pathname
  } catch {
    return false
  }
}

// The window a click should bring forward: one already on that address, else a focused one, else
// any; null means a new window.
export function windowFor<W extends WindowView>(url: string, windows: readonly W[]): W | null {
  return windows.find((w) => samePath(w.url, url)) ?? windows.find((w) => w.focused) ?? windows[0] ?? null
}

// The page's side of a click: the worker asks an open window to show `url` in the app itself
// (pwa.ts), with no reload.
export const OPEN_MESSAGE = 'parley:open'
export function openRequest(data: unknown): string | null {
  if (!isRecord(data) || data.type !== OPEN_MESSAGE || typeof data.url !== 'string') return null
  return /^\/(?!\/)/.test(data.url) ? data.url : null
}
