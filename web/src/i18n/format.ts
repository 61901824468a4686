// Dates, times, numbers and lists in the current language (Intl), formatters cached per
// language. Every date or number the client shows goes through here.
import { isRightToLeft, locale, numberFormat, type Locale } from './index'

const cache = new Map<string, unknown>()
function cached<T>(kind: string, l: Locale, options: object, make: () => T): T {
  const id = `${kind}|${l}|${JSON.stringify(options)}`
  let f = cache.get(id) as T | undefined
  if (!f) cache.set(id, (f = make()))
  return f
}
const dates = (options: Intl.DateTimeFormatOptions) =>
  cached('d', locale.value, options, () => new Intl.DateTimeFormat(locale.value, options))

export const formatNumber = (n: number, options?: Intl.NumberFormatOptions): string =>
  options
    ? cached('n', locale.value, options, () => new Intl.NumberFormat(locale.value, options)).format(n)
    : numberFormat(locale.value).format(n)

export const formatPercent = (share: number): string =>
  cached('p', locale.value, {}, () => new Intl.NumberFormat(locale.value, { style: 'percent' })).format(share)

// 09:41 or 9:41 AM, as the language writes it.
export const formatTime = (ms: number): string => dates({ hour: '2-digit', minute: '2-digit' }).format(ms)

// 09:41:07, with the seconds (a reading that changes every few seconds).
export const formatClock = (ms: number): string =>
  dates({ hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms)

export const formatDateTime = (
  ms: number,
  dateStyle: 'short' | 'medium' | 'long' = 'medium',
  timeStyle: 'short' | 'medium' = 'short',
): string => dates({ dateStyle, timeStyle }).format(ms)

// A message's date and time where it is shown out of its timeline (the pinned messages, search
// results): one format for both.
export const formatMessageWhen = (ms: number): string => formatDateTime(ms, 'medium', 'short')

export const formatDate = (ms: number, dateStyle: 'short' | 'medium' | 'long' | 'full' = 'long'): string =>
  dates({ dateStyle }).format(ms)

// "5 minutes ago", "yesterday", "in 2 hours": the largest unit that fits.
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
]
export function formatRelative(ms: number, now = Date.now()): string {
  const f = cached(
    'r',
    locale.value,
    {},
    () => new Intl.RelativeTimeFormat(locale.value, { numeric: 'auto', style: 'long' }),
  )
  const diff = ms - now
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size || unit === 'second') return f.format(Math.round(diff / size), unit)
  }
  return ''
}

// A name or "#room" set into a sentence, isolated (FSI…PDI) in a right-to-left language so it keeps
// its own direction there ("#general", not "general#"); left as it is in a left-to-right one.
export const isolate = (text: string): string => (isRightToLeft(locale.value) ? `\u2068${text}\u2069` : text)

// "Alice, Bob and Carol" with the language's own conjunction.
export const formatList = (items: readonly string[]): string =>
  cached('l', locale.value, {}, () => new Intl.ListFormat(locale.value, { type: 'conjunction' })).format(
    items,
  )
