// Which part of a room's timeline is in the page: at most `max` items, so a room with 100,000
// messages costs the same to render and to append to as one with 300. The window follows the end
// while the reader is there; scrolling toward either edge slides it by `step`.
export interface WindowState {
  start: number
  end: number // exclusive
  following: boolean // stuck to the newest item
}

export interface WindowOptions {
  initial: number
  step: number
  max: number
}

export const defaultWindow: WindowOptions = { initial: 120, step: 60, max: 300 }

export function atEnd(length: number, o: WindowOptions = defaultWindow): WindowState {
  return { start: Math.max(0, length - o.initial), end: length, following: true }
}

// The timeline grew to `length` (a new message, or older history put in front by `prepended`).
export function grown(w: WindowState, length: number, prepended: number, o = defaultWindow): WindowState {
  const start = w.start + prepended
  const end = w.end + prepended
  if (!w.following) return { start, end, following: false }
  return { start: Math.max(start, length - o.max), end: length, following: true }
}

// The reader is near the top: show older items (false when none are left in memory).
export function older(w: WindowState, o = defaultWindow): WindowState | null {
  if (w.start === 0) return null
  const start = Math.max(0, w.start - o.step)
  const end = Math.min(w.end, start + o.max)
  return { start, end, following: false }
}

// The reader is near the bottom: show newer items; following again once the end is shown.
export function newer(w: WindowState, length: number, o = defaultWindow): WindowState {
  const end = Math.min(length, w.end + o.step)
  const start = Math.max(w.start, end - o.max)
  return { start, end, following: end === length }
}

// A window around the item at `index` (a jump to a message), following when it reaches the end.
export function around(index: number, length: number, o = defaultWindow): WindowState {
  const start = Math.max(0, Math.min(index - Math.floor(o.initial / 2), length - o.initial))
  const end = Math.min(length, start + o.initial)
  return { start, end, following: end === length }
}

// What scrolling near an edge of the window does: the window to show instead, 'load-newer' (the
// shown run is an older one, `detached`, and its end is in the page: the next part of the log is
// fetched), or null. A short window (its items no taller than both margins together) is near both
// edges at once; the top slides it only when older items are in memory, else the bottom has its
// turn: the top first and nothing else left a reader below a short run stuck there.
export function atEdge(
  w: WindowState,
  length: number,
  edges: { nearTop: boolean; nearBottom: boolean; detached: boolean },
  o = defaultWindow,
): WindowState | 'load-newer' | null {
  const before = edges.nearTop ? older(w, o) : null
  if (before) return before
  if (!edges.nearBottom) return null
  if (w.end < length) {
    const next = newer(w, length, o)
    return edges.detached ? { ...next, following: false } : next
  }
  return edges.detached ? 'load-newer' : null
}
