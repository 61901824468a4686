// The snippet of a search result: about `width` characters of a message around its first match, on
// one line, with every match of the server's terms marked. Cuts fall between whole characters as
// people see them (never inside a surrogate pair, an emoji sequence or before a combining mark).
// Plain parts only: SnippetText.vue makes them text nodes and <mark> elements.
export interface SnippetPart {
  text: string
  mark: boolean
}

// A term of fewer characters than this matches only at the start of a word, unless the query has
// longer terms too or it is Chinese, Japanese or Korean (docs/protocol.md, `search`).
const ANYWHERE = 3
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u
const ELLIPSIS = '…'
const SNAP = 16 // how far a cut may move to fall between words

// Lower case, code point by code point, remembering where each folded unit came from: a fold may
// change the length (`İ` becomes two units), so matches are found in the folded text and mapped back.
function fold(s: string): { text: string; from: number[] } {
  let text = ''
  const from: number[] = []
  for (let i = 0; i < s.length;) {
    const ch = String.fromCodePoint(s.codePointAt(i)!)
    const low = ch.toLowerCase().replace('ς', 'σ') // final sigma: one letter to a search
    text += low
    for (let k = 0; k < low.length; k++) from.push(i)
    i += ch.length
  }
  return { text, from }
}

const codePointEnd = (s: string, i: number): number => i + (s.codePointAt(i)! > 0xffff ? 2 : 1)

function startsWord(s: string, i: number): boolean {
  if (i === 0) return true
  const before = s.codePointAt(i - 1)!
  // The unit before may be the second half of a pair: look at the whole character.
  const prev = before >= 0xdc00 && before <= 0xdfff && i >= 2 ? s.codePointAt(i - 2)! : before
  return !WORD_CHAR.test(String.fromCodePoint(prev))
}

// Where the terms occur in `s`, as sorted, merged [start, end) ranges of `s`.
export function matches(s: string, terms: readonly string[]): [number, number][] {
  const folded = fold(s)
  const found: [number, number][] = []
  const clean = terms.map((t) => fold(t.replace(/\s+/g, ' ').trim()).text).filter((t) => t)
  const anyLong = clean.some((t) => [...t].length >= ANYWHERE)
  for (const term of clean) {
    const short = !anyLong && [...term].length < ANYWHERE && !CJK.test(term)
    const hits: [number, number][] = []
    const loose: [number, number][] = [] // a short term inside a word: used when it is nowhere else
    for (let at = folded.text.indexOf(term); at >= 0; at = folded.text.indexOf(term, at + 1)) {
      const start = folded.from[at]!
      const end = codePointEnd(s, folded.from[at + term.length - 1]!)
      if (!short || startsWord(s, start)) hits.push([start, end])
      else loose.push([start, end])
    }
    found.push(...(hits.length ? hits : loose))
  }
  found.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const merged: [number, number][] = []
  for (const [start, end] of found) {
    const last = merged.at(-1)
    if (last && start <= last[1]) last[1] = Math.max(last[1], end)
    else merged.push([start, end])
  }
  return merged
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

// The nearest boundary between characters at or before `i` (at or after it with `up`).
function boundary(s: string, i: number, up: boolean): number {
  if (i <= 0 || i >= s.length) return Math.max(0, Math.min(i, s.length))
  const seg = graphemes.segment(s).containing(i)
  if (!seg || seg.index === i) return i
  return up ? seg.index + seg.segment.length : seg.index
}

// The window of `s` to show: [start, end), about `width` long, with the first match early in it.
function window(s: string, first: [number, number] | undefined, width: number): [number, number] {
  if (s.length <= width) return [0, s.length]
  const [mStart, mEnd] = first ?? [0, 0]
  const lead = Math.max(0, Math.min(Math.floor(width / 4), Math.floor((width - (mEnd - mStart)) / 2)))
  let start = Math.max(0, mStart - lead)
  let end = Math.min(s.length, start + width)
  if (end === s.length) start = Math.max(0, end - width)
  // Between words when a space is near, never cutting into the match.
  if (start > 0) {
    const space = s.indexOf(' ', start - 1)
    if (space >= 0 && space < start + SNAP && space < mStart) start = space + 1
  }
  if (end < s.length) {
    const space = s.lastIndexOf(' ', end)
    if (space > end - SNAP && space >= mEnd) end = space
  }
  return [boundary(s, start, false), boundary(s, end, true)]
}

export function snippet(text: string, terms: readonly string[], width = 160): SnippetPart[] {
  const s = text.replace(/\s+/g, ' ').trim()
  const ranges = matches(s, terms)
  const [start, end] = window(s, ranges[0], width)
  const parts: SnippetPart[] = []
  const add = (from: number, to: number, mark: boolean): void => {
    if (to > from) parts.push({ text: s.slice(from, to), mark })
  }
  let at = start
  for (const [mStart, mEnd] of ranges) {
    const from = Math.max(mStart, start)
    const to = Math.min(mEnd, end)
    if (to <= from) continue
    add(at, from, false)
    add(from, to, true)
    at = to
  }
  add(at, end, false)
  if (start > 0) parts.unshift({ text: ELLIPSIS, mark: false })
  if (end < s.length) parts.push({ text: ELLIPSIS, mark: false })
  return parts
}
