// Messages in an ICU-like syntax, parsed once into parts and filled in without eval: `{name}`
// inserts a parameter, `{n, plural, =0 {…} one {# file} other {# files}}` chooses by the
// locale's plural rules (Intl.PluralRules: English has one/other, Arabic six forms), `#` being the
// number in the locale's digits, and `{x, select, video {…} other {…}}` chooses by a word.
export type Params = Record<string, string | number>

type Part = string | { arg: string } | { pound: true } | Choice
interface Choice {
  arg: string
  kind: 'plural' | 'select'
  branches: Record<string, Part[]>
}

// Reads a message up to the closing brace of its branch (depth > 0) or its end.
function parseParts(text: string, at: { i: number }, nested: boolean): Part[] {
  const parts: Part[] = []
  let plain = ''
  const flush = (): void => {
    if (plain) parts.push(plain)
    plain = ''
  }
  while (at.i < text.length) {
    const c = text[at.i]!
    if (c === '}' && nested) break
    if (c === '#' && nested) {
      flush()
      parts.push({ pound: true })
      at.i++
    } else if (c === '{') {
      flush()
      parts.push(parseArgument(text, at))
    } else {
      plain += c
      at.i++
    }
  }
  flush()
  return parts
}

function parseArgument(text: string, at: { i: number }): Part {
  const close = text.indexOf('}', at.i)
  const comma = text.indexOf(',', at.i)
  if (close < 0) throw new Error(`unclosed argument in "${text}"`)
  if (comma < 0 || close < comma) {
    const arg = text.slice(at.i + 1, close).trim()
    at.i = close + 1
    return { arg }
  }
  const arg = text.slice(at.i + 1, comma).trim()
  const second = text.indexOf(',', comma + 1)
  const kind = text.slice(comma + 1, second).trim()
  if (second < 0 || (kind !== 'plural' && kind !== 'select')) throw new Error(`bad argument in "${text}"`)
  at.i = second + 1
  const branches: Record<string, Part[]> = {}
  for (;;) {
    while (/\s/.test(text[at.i] ?? '')) at.i++
    if (text[at.i] === '}') {
      at.i++
      break
    }
    const open = text.indexOf('{', at.i)
    if (open < 0) throw new Error(`unclosed ${kind} in "${text}"`)
    const selector = text.slice(at.i, open).trim()
    at.i = open + 1
    branches[selector] = parseParts(text, at, true)
    if (text[at.i] !== '}') throw new Error(`unclosed branch in "${text}"`)
    at.i++
  }
  if (!branches.other) throw new Error(`${kind} without 'other' in "${text}"`)
  return { arg, kind, branches }
}

export function parseMessage(text: string): Part[] {
  return parseParts(text, { i: 0 }, false)
}

export interface Formatters {
  number: (n: number) => string
  plural: (n: number) => Intl.LDMLPluralRule
}

export function formatMessage(parts: readonly Part[], params: Params, f: Formatters, count?: number): string {
  let out = ''
  for (const p of parts) {
    if (typeof p === 'string') out += p
    else if ('pound' in p) out += count === undefined ? '#' : f.number(count)
    else if ('kind' in p) {
      const v = params[p.arg]
      let branch: Part[] | undefined
      if (p.kind === 'plural') {
        const n = Number(v)
        branch = p.branches[`=${n}`] ?? p.branches[f.plural(n)] ?? p.branches.other
        out += formatMessage(branch!, params, f, n)
      } else {
        branch = p.branches[String(v)] ?? p.branches.other
        out += formatMessage(branch!, params, f, count)
      }
    } else {
      const v = params[p.arg]
      out += v === undefined ? `{${p.arg}}` : typeof v === 'number' ? f.number(v) : v
    }
  }
  return out
}

// The parameter names a message uses (for the catalogs' tests: every translation takes the same).
export function messageParams(text: string): string[] {
  const names = new Set<string>()
  const walk = (parts: readonly Part[]): void => {
    for (const p of parts) {
      if (typeof p === 'string' || 'pound' in p) continue
      names.add(p.arg)
      if ('kind' in p) Object.values(p.branches).forEach(walk)
    }
  }
  walk(parseMessage(text))
  return [...names].sort()
}
