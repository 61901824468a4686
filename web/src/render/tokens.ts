// Message text -> safe tokens: blocks of inline nodes that MessageText.vue turns into Vue nodes. No
// HTML is ever produced; every scan moves forward, so hostile input parses in linear time.
import { FILE_PATH } from '../media-cache'

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'break' }
  | { kind: 'bold' | 'italic' | 'strike'; children: Inline[] }
  | { kind: 'code'; text: string }
  // `href` is the parsed, normalised http(s) URL; `text` is what the author typed, but with the host
  // the browser will go to (punycode, decoded escapes) wherever that differs from the typed one.
  | { kind: 'link'; href: string; text: string }
  // `name` as typed (without the @); `self` when it names the reader.
  | { kind: 'mention'; name: string; self: boolean }

export type Block =
  | { kind: 'paragraph'; children: Inline[] }
  | { kind: 'quote'; children: Inline[] }
  | { kind: 'code'; lang: string | null; text: string }
  // Embeds come after the text blocks; the component shows them only when embeds are enabled.
  | { kind: 'youtube'; videoId: string; href: string }
  | { kind: 'image'; src: string }

export interface ParseOptions {
  me?: string
  // Usernames that can be mentioned; compared ignoring case, as usernames are unique ignoring case.
  // Without it any well-formed @name is a mention.
  members?: ReadonlySet<string>
}

// Formatting nested deeper than this stays literal, so hostile nesting cannot build a tall tree.
const kMaxDepth = 8
// At most this many image links of one message are embedded.
const kMaxImages = 4
// Runs of more than 8 combining marks are cut to 8: thousands of marks on one letter ("Zalgo" text)
// stall the browser's layout for seconds, and no script stacks more than a few. Only what is shown
// is cut (code blocks too); the stored message keeps them.
const kMarkRun = /(\p{M}{8})\p{M}+/gu

// Direction overrides, embeddings and isolates (plus the marks) that can make a URL read as
// something it is not; a URL containing one is left as text.
const kBidiControls = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/
const kWhitespace = /\s/
const kWordChar = /[\p{L}\p{N}_]/u
// Characters that may come right before an @mention: nothing that could be part of an e-mail's
// local part or of a longer name.
const kBeforeMention = /[\p{L}\p{N}._%+\-@/]/u
const kNameChar = /[A-Za-z0-9._-]/
const kNameStart = /[A-Za-z0-9]/

export function parse(text: string, opts: ParseOptions = {}): Block[] {
  const lines = text.replace(kMarkRun, '$1').replace(/\r\n?/g, '\n').split('\n')
  const ctx = new InlineContext(opts)
  const fences = new FenceFinder(lines)
  const blocks: Block[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i] ?? ''
    const code = fences.codeAt(i)
    if (code) {
      blocks.push({ kind: 'code', lang: code.lang, text: lines.slice(i + 1, code.end).join('\n') })
      i = code.end + 1
    } else if (isQuoteLine(line)) {
      const quoted: string[] = []
      for (; i < lines.length && isQuoteLine(lines[i] ?? ''); i++) quoted.push((lines[i] ?? '').slice(2))
      blocks.push({ kind: 'quote', children: ctx.lines(quoted) })
    } else if (line.trim() === '') {
      i++
    } else {
      const para = [line]
      for (i++; i < lines.length; i++) {
        const l = lines[i] ?? ''
        if (l.trim() === '' || isQuoteLine(l) || fences.codeAt(i)) break
        para.push(l)
      }
      blocks.push({ kind: 'paragraph', children: ctx.lines(para) })
    }
  }
  return withEmbeds(blocks)
}

function isQuoteLine(line: string): boolean {
  return line === '>' || line.startsWith('> ')
}

// Finds fenced code blocks. An opening fence without a closing one stays text; the smallest
// such fence length is remembered, since no longer fence further down can close either, so
// thousands of unclosed fences do not rescan the message each.
class FenceFinder {
  private hopeless = Infinity

  constructor(private readonly lines: readonly string[]) {}

  codeAt(i: number): { lang: string | null; end: number } | null {
    // The info string may hold no backtick, so "```x```" on one line stays inline code.
    const m = /^ {0,3}(`{3,})([^`]*)$/.exec(this.lines[i] ?? '') // no overlapping quantifiers
    const length = (m?.[1] ?? '').length
    if (!m || length >= this.hopeless) return null
    for (let j = i + 1; j < this.lines.length; j++) {
      const close = /^ {0,3}(`{3,})[ \t]*$/.exec(this.lines[j] ?? '')
      if (close && (close[1] ?? '').length >= length) {
        const word = (m[2] ?? '').trim().split(/\s/)[0] ?? ''
        const lang = /^[A-Za-z0-9_+#.-]{1,32}$/.test(word) ? word.toLowerCase() : null
        return { lang, end: j }
      }
    }
    this.hopeless = length
    return null
  }
}

// ---- inline ----

type Marker = '*' | '_' | '~'
type FormatKind = 'bold' | 'italic' | 'strike'

// A run of emphasis markers on its way to becoming formatting or staying literal.
interface Delimiter {
  marker: Marker
  at: number // index in the line's pieces
  left: number // markers not (yet) used by a match; they stay literal
  canOpen: boolean
  canClose: boolean
  closes: FormatKind[] // in match order: innermost first
  opens: FormatKind[] // in match order: innermost first
}

type Piece = { node: Inline } | { delim: Delimiter }

class InlineContext {
  private readonly me: string | null
  private readonly members: ReadonlySet<string> | undefined
  private membersLower: Set<string> | null = null

  constructor(opts: ParseOptions) {
    this.me = opts.me ? opts.me.toLowerCase() : null
    this.members = opts.members
  }

  // Formatting never spans lines: each line is parsed alone and the lines joined with breaks.
  lines(lines: readonly string[]): Inline[] {
    const out: Inline[] = []
    lines.forEach((line, n) => {
      if (n > 0) out.push({ kind: 'break' })
      for (const node of this.line(line)) out.push(node)
    })
    return out
  }

  private line(s: string): Inline[] {
    const pieces: Piece[] = []
    let text = ''
    const flush = () => {
      if (text) pieces.push({ node: { kind: 'text', text } })
      text = ''
    }
    const ticks = new BacktickRuns(s)
    let i = 0
    while (i < s.length) {
      const c = s.charAt(i)
      if (c === '`') {
        const n = runLength(s, i, c)
        const close = ticks.closerAfter(i, n)
        if (close < 0) {
          text += c.repeat(n)
        } else {
          flush()
          pieces.push({ node: { kind: 'code', text: trimCodeSpan(s.slice(i + n, close)) } })
          i = close
        }
        i += n
      } else if (c === '*' || c === '_' || c === '~') {
        const n = runLength(s, i, c)
        const delim = delimiter(c, n, s.charAt(i - 1), s.charAt(i + n))
        if (delim) {
          flush()
          delim.at = pieces.length
          pieces.push({ delim })
        } else {
          text += c.repeat(n)
        }
        i += n
      } else if ((c === 'h' || c === 'H') && !kWordChar.test(s.charAt(i - 1)) && startsUrl(s, i)) {
        const end = urlEnd(s, i)
        const link = toLink(s.slice(i, end))
        if (link) {
          flush()
          pieces.push({ node: link })
        } else {
          text += s.slice(i, end)
        }
        i = end
      } else if (c === '@' && !kBeforeMention.test(s.charAt(i - 1))) {
        const mention = this.mention(s, i)
        if (mention) {
          flush()
          pieces.push({ node: mention.node })
          i = mention.end
        } else {
          text += c
          i++
        }
      } else {
        const next = nextSpecial(s, i + 1)
        text += s.slice(i, next)
        i = next
      }
    }
    flush()
    matchDelimiters(pieces)
    return buildTree(pieces)
  }

  private mention(s: string, at: number): { node: Inline; end: number } | null {
    let end = at + 1
    while (end < s.length && kNameChar.test(s.charAt(end))) end++
    if (s.charAt(end) === '@') return null // an e-mail address, not a mention
    let nameEnd = end
    while (nameEnd > at + 1 && s.charAt(nameEnd - 1) === '.') nameEnd-- // "@bob." ends a sentence
    const name = s.slice(at + 1, nameEnd)
    if (name.length < 3 || name.length > 32 || !kNameStart.test(name.charAt(0))) return null
    const lower = name.toLowerCase()
    const self = lower === this.me
    if (!self && this.members && !this.memberSet().has(lower)) return null
    return { node: { kind: 'mention', name, self }, end: nameEnd }
  }

  // Built on the first mention only, since most messages have none.
  private memberSet(): Set<string> {
    if (!this.membersLower) {
      this.membersLower = new Set()
      for (const m of this.members ?? []) this.membersLower.add(m.toLowerCase())
    }
    return this.membersLower
  }
}

function nextSpecial(s: string, from: number): number {
  for (let j = from; j < s.length; j++) {
    const c = s.charAt(j)
    if (c === '`' || c === '*' || c === '_' || c === '~' || c === '@' || c === 'h' || c === 'H') return j
  }
  return s.length
}

function runLength(s: string, at: number, c: string): number {
  let n = 0
  while (s.charAt(at + n) === c) n++
  return n
}

// Finds the closing run of exactly the opener's length in O(1) amortised: one sorted list of run
// starts per length, each read by a cursor that only moves forward.
class BacktickRuns {
  private readonly byLength = new Map<number, { starts: number[]; next: number }>()

  constructor(s: string) {
    for (let i = s.indexOf('`'); i >= 0; i = s.indexOf('`', i)) {
      const n = runLength(s, i, '`')
      let runs = this.byLength.get(n)
      if (!runs) {
        runs = { starts: [], next: 0 }
        this.byLength.set(n, runs)
      }
      runs.starts.push(i)
      i += n
    }
  }

  closerAfter(at: number, length: number): number {
    const runs = this.byLength.get(length)
    if (!runs) return -1
    while (runs.next < runs.starts.length && (runs.starts[runs.next] ?? 0) <= at) runs.next++
    const close = runs.starts[runs.next]
    if (close === undefined) return -1
    runs.next++
    return close
  }
}

// As in CommonMark: one space on each side is padding, so `` `a` `` can show backticks.
function trimCodeSpan(code: string): string {
  if (code.length >= 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') {
    return code.slice(1, -1)
  }
  return code
}

function delimiter(marker: Marker, count: number, before: string, after: string): Delimiter | null {
  if (marker === '~' && count !== 2) return null
  let canOpen = after !== '' && !kWhitespace.test(after)
  let canClose = before !== '' && !kWhitespace.test(before)
  if (marker === '_') {
    // snake_case_names stay as they are: an underscore inside a word neither opens nor closes.
    canOpen &&= !kWordChar.test(before)
    canClose &&= !kWordChar.test(after)
  }
  if (!canOpen && !canClose) return null
  return { marker, at: -1, left: count, canOpen, canClose, closes: [], opens: [] }
}

// Pairs closers with the nearest opener of the same marker. One stack per marker; when a pair
// forms, openers of other markers inside it are dropped (they stay literal), so pairs always nest.
// Every delimiter is pushed and popped at most once: linear time.
function matchDelimiters(pieces: readonly Piece[]): void {
  const stacks: Record<Marker, Delimiter[]> = { '*': [], _: [], '~': [] }
  for (const piece of pieces) {
    if (!('delim' in piece)) continue
    const d = piece.delim
    const own = stacks[d.marker]
    for (let opener = own.at(-1); d.canClose && d.left > 0 && opener; opener = own.at(-1)) {
      for (const m of ['*', '_', '~'] as const) {
        const other = stacks[m]
        while (m !== d.marker && (other.at(-1)?.at ?? -1) > opener.at) other.pop()
      }
      const use = d.marker === '~' || (opener.left >= 2 && d.left >= 2) ? 2 : 1
      const kind: FormatKind = d.marker === '~' ? 'strike' : use === 2 ? 'bold' : 'italic'
      opener.left -= use
      d.left -= use
      opener.opens.push(kind)
      d.closes.push(kind)
      if (opener.left === 0) own.pop()
    }
    if (d.left > 0 && d.canOpen) own.push(d)
  }
}

interface Frame {
  children: Inline[]
  literal: string | null // set when the depth limit turned this pair back into text
}

function buildTree(pieces: readonly Piece[]): Inline[] {
  const root: Frame = { children: [], literal: null }
  const stack: Frame[] = [root]
  const top = () => stack[stack.length - 1] ?? root
  for (const piece of pieces) {
    if ('node' in piece) {
      append(top().children, piece.node)
      continue
    }
    const d = piece.delim
    // A run's leftmost markers close, its middle stays literal, its rightmost open (outermost first).
    for (let k = 0; k < d.closes.length && stack.length > 1; k++) {
      const frame = stack.pop()
      if (frame?.literal) append(top().children, { kind: 'text', text: frame.literal })
    }
    if (d.left > 0) append(top().children, { kind: 'text', text: d.marker.repeat(d.left) })
    for (let k = d.opens.length - 1; k >= 0; k--) {
      const kind = d.opens[k] ?? 'italic'
      if (stack.length > kMaxDepth) {
        const literal = d.marker.repeat(kind === 'italic' ? 1 : 2)
        append(top().children, { kind: 'text', text: literal })
        stack.push({ children: top().children, literal })
      } else {
        const node: Inline = { kind, children: [] }
        top().children.push(node)
        stack.push({ children: node.children, literal: null })
      }
    }
  }
  return root.children
}

// Appends a node, merging adjacent text so the renderer makes one text node per run.
function append(out: Inline[], node: Inline): void {
  const last = out[out.length - 1]
  if (node.kind === 'text' && last?.kind === 'text') last.text += node.text
  else out.push(node.kind === 'text' ? { kind: 'text', text: node.text } : node)
}

// ---- links ----

function startsUrl(s: string, at: number): boolean {
  const head = s.slice(at, at + 8).toLowerCase()
  return head.startsWith('http://') || head === 'https://'
}

const kUrlStop = /[\s<>"`]/
const kTrailing = /[.,:;!?'"*_~]/

const kBrackets: Record<string, string> = { ')': '(', ']': '[', '}': '{' }

// The end of the URL starting at `at`: up to whitespace, less trailing punctuation, and less a
// closing bracket that has no opening partner inside the URL ("(see https://x.org/a)").
function urlEnd(s: string, at: number): number {
  let end = at
  const count = new Map<string, number>()
  const bump = (c: string, by: number) => count.set(c, (count.get(c) ?? 0) + by)
  for (; end < s.length && !kUrlStop.test(s.charAt(end)); end++) bump(s.charAt(end), 1)
  while (end > at) {
    const c = s.charAt(end - 1)
    const partner = kBrackets[c]
    const unbalanced = partner !== undefined && (count.get(c) ?? 0) > (count.get(partner) ?? 0)
    if (!kTrailing.test(c) && !unbalanced) break
    bump(c, -1)
    end--
  }
  return end
}

function toLink(text: string): Inline | null {
  if (kBidiControls.test(text)) return null
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return null // not a URL after all: it stays as the text it was
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return null
  const { start, end } = typedAuthority(text)
  const typed = text.slice(start, end)
  // "https://www.youtube.com@evil.example/" reads as YouTube but goes to evil.example. Nobody needs
  // to share a link with userinfo in a chat, so, like one with direction controls, it stays text.
  if (typed.includes('@')) return null
  // A look-alike host ("yоutube.com" with a Cyrillic о) is shown as the browser resolves it
  // (xn--yutube-wqf.com), so what the reader sees is where the link goes.
  const shown = typed.toLowerCase() === url.host ? text : text.slice(0, start) + url.host + text.slice(end)
  return { kind: 'link', href: url.href, text: shown }
}

// Where the host (with userinfo and port) is in a typed http(s) URL: after the scheme's slashes, up
// to the first character that ends it for the URL parser.
function typedAuthority(text: string): { start: number; end: number } {
  let start = text.indexOf(':') + 1
  while (text.charAt(start) === '/' || text.charAt(start) === '\\') start++
  let end = start
  while (end < text.length && !'/\\?#'.includes(text.charAt(end))) end++
  return { start, end }
}

// ---- embeds ----

const kVideoId = /^[A-Za-z0-9_-]{11}$/

export function youtubeVideoId(href: string): string | null {
  const url = new URL(href)
  if (url.username || url.password) return null // the host is not what the link appears to name
  const host = url.hostname.toLowerCase()
  let id: string | null = null
  if (host === 'youtu.be') id = url.pathname.slice(1)
  else if (['youtube.com', 'www.youtube.com', 'm.youtube.com'].includes(host) && url.pathname === '/watch') {
    id = url.searchParams.get('v')
  }
  return id !== null && kVideoId.test(id) ? id : null
}

// Only links to Parley's own files (/api/files/{id}, maybe with ?v=thumb or ?v=preview) may be shown
// as images: an <img> makes every reader's browser GET the URL with their cookies, and any other
// same-origin URL (ending in .png or not) could be an API call made in their name. A file fetches
// only what the reader may read anyway; MessageText.vue also checks that it is on this origin.
export function isImageLink(href: string): boolean {
  const url = new URL(href)
  return FILE_PATH.test(url.pathname) && /^(\?v=(thumb|preview))?$/.test(url.search)
}

function withEmbeds(blocks: Block[]): Block[] {
  const only = blocks.length === 1 && blocks[0]?.kind === 'paragraph' ? blocks[0].children : []
  const meaningful = only.filter((n) => n.kind !== 'text' || n.text.trim() !== '')
  const sole = meaningful.length === 1 ? meaningful[0] : undefined
  if (sole?.kind === 'link') {
    const videoId = youtubeVideoId(sole.href)
    if (videoId) return [...blocks, { kind: 'youtube', videoId, href: sole.href }]
  }
  const images = new Set<string>()
  for (const b of blocks) if (b.kind === 'paragraph' || b.kind === 'quote') collectImages(b.children, images)
  return [...blocks, ...[...images].slice(0, kMaxImages).map((src): Block => ({ kind: 'image', src }))]
}

// Recursion is safe: formatting is at most kMaxDepth deep.
function collectImages(nodes: readonly Inline[], into: Set<string>): void {
  for (const n of nodes) {
    if (n.kind === 'link' && isImageLink(n.href)) into.add(n.href)
    else if (n.kind === 'bold' || n.kind === 'italic' || n.kind === 'strike') collectImages(n.children, into)
  }
}

// A message as one line of plain text, its formatting dropped (a reply's preview of its parent):
// `**Bring** a \`fork\`` reads "Bring a fork".
export function plainText(text: string): string {
  const inline = (nodes: Inline[]): string =>
    nodes
      .map((n) => {
        switch (n.kind) {
          case 'text':
          case 'code':
          case 'link':
            return n.text
          case 'break':
            return ' '
          case 'mention':
            return `@${n.name}`
          default:
            return inline(n.children)
        }
      })
      .join('')
  return parse(text)
    .map((b) =>
      b.kind === 'paragraph' || b.kind === 'quote' ? inline(b.children) : b.kind === 'code' ? b.text : '',
    )
    .filter((s) => s !== '')
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim()
}
