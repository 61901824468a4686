// What the composer may complete at the caret: `@name` (a member) or `:code` (an emoji).
export interface Completion {
  kind: 'mention' | 'emoji'
  query: string // what follows the marker, up to the caret
  start: number // index of the marker
}

export function completionAt(text: string, caret: number): Completion | null {
  const before = text.slice(0, caret)
  const m = /(^|[\s(])([@:])([A-Za-z0-9._+-]*)$/.exec(before)
  if (!m) return null
  const marker = m[2]
  const query = m[3] ?? ''
  if (marker === ':' && query.length < 2) return null // "a:b" and lone colons are not emoji
  return { kind: marker === '@' ? 'mention' : 'emoji', query, start: caret - query.length - 1 }
}

// The text with the completion replaced by `insert` (and a space), and where the caret goes.
export function applyCompletion(
  text: string,
  caret: number,
  c: Completion,
  insert: string,
): { text: string; caret: number } {
  const head = `${text.slice(0, c.start)}${insert} `
  return { text: head + text.slice(caret), caret: head.length }
}
