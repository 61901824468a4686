import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import en from './en'
import de from './de'
import ar from './ar'
import { applyLanguage, browserLocale, locale, setLocale, t } from './index'
import { formatDate, formatList, formatNumber, formatRelative } from './format'
import { formatMessage, messageParams, parseMessage } from './message'

afterEach(async () => {
  await setLocale('en')
  localStorage.clear()
})

// Every 'a.b.c' leaf of a catalog with its text.
function leaves(node: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(node)) {
    if (typeof v === 'string') out.set(prefix + k, v)
    else for (const [kk, vv] of leaves(v as object, `${prefix}${k}.`)) out.set(kk, vv)
  }
  return out
}

describe('choosing the language', () => {
  it('takes the first of the browser languages it has, by primary subtag, else English', () => {
    expect(browserLocale(['fr-FR', 'de-AT', 'ar'])).toBe('de')
    expect(browserLocale(['ar-EG'])).toBe('ar')
    expect(browserLocale(['fr', 'es'])).toBe('en')
    expect(browserLocale([])).toBe('en')
  })

  it('sets <html lang> and dir, right to left for Arabic, and remembers the choice', async () => {
    await applyLanguage('ar')
    expect(locale.value).toBe('ar')
    expect(document.documentElement.lang).toBe('ar')
    expect(document.documentElement.dir).toBe('rtl')
    expect(localStorage.getItem('parley.language')).toBe('ar')
    await applyLanguage('de')
    expect(document.documentElement.dir).toBe('ltr')
    expect(t('header.settings')).toBe('Einstellungen')
    await applyLanguage('auto') // jsdom's navigator says en-US
    expect(locale.value).toBe('en')
    expect(localStorage.getItem('parley.language')).toBeNull()
  })

  it('keeps the last choice when an earlier one loads after it', async () => {
    const slow = setLocale('de')
    await setLocale('en')
    await slow
    expect(locale.value).toBe('en')
  })
})

describe('messages', () => {
  it('fills in named parameters', () => {
    expect(t('room.composerLabel', { name: '#general' })).toBe('Message #general')
    expect(t('chat.welcome', { name: 'Ann' })).toBe('Welcome to Parley, Ann')
  })

  it('chooses English plural forms', () => {
    expect(t('message.replies', { count: 1 })).toBe('1 reply')
    expect(t('message.replies', { count: 2 })).toBe('2 replies')
    expect(t('dialogs.directory.members', { count: 1200 })).toBe('1,200 members')
    expect(t('room.roomsLabel', { count: 0 })).toBe('Rooms')
    expect(t('room.roomsLabel', { count: 3 })).toBe('Rooms, 3 unread')
  })

  it('chooses German plural forms and numbers', async () => {
    await setLocale('de')
    expect(t('message.replies', { count: 1 })).toBe('1 Antwort')
    expect(t('message.replies', { count: 5 })).toBe('5 Antworten')
    expect(t('dialogs.directory.members', { count: 1200 })).toBe('1.200 Mitglieder')
  })

  it('chooses all six Arabic plural forms, in the digits Arabic uses', async () => {
    await setLocale('ar')
    const replies = (count: number) => t('message.replies', { count })
    const n = (v: number) => new Intl.NumberFormat('ar').format(v) // CLDR's default digits for ar
    expect(replies(0)).toBe('لا ردود') // zero
    expect(replies(1)).toBe('ردّ واحد') // one
    expect(replies(2)).toBe('ردّان') // two
    expect(replies(3)).toBe(`${n(3)} ردود`) // few: 3–10
    expect(replies(11)).toBe(`${n(11)} ردًّا`) // many: 11–99
    expect(replies(100)).toBe(`${n(100)} ردّ`) // other
    expect(replies(103)).toBe(`${n(103)} ردود`) // few again: 103–110
  })

  it('chooses by a word with select, and nests arguments in branches', () => {
    expect(t('call.incoming.who', { caller: 'Bob', kind: 'video' })).toBe('Bob · video call')
    expect(t('call.incoming.who', { caller: 'Bob', kind: 'audio' })).toBe('Bob · audio call')
    expect(t('room.typing', { count: 2, names: 'Ann and Bob' })).toBe('Ann and Bob are typing…')
  })

  it('parses exact matches and # and refuses a plural without other', () => {
    const f = { number: (n: number) => String(n), plural: () => 'other' as const }
    expect(formatMessage(parseMessage('{n, plural, =0 {none} other {# left}}'), { n: 0 }, f)).toBe('none')
    expect(formatMessage(parseMessage('{n, plural, =0 {none} other {# left}}'), { n: 4 }, f)).toBe('4 left')
    expect(() => parseMessage('{n, plural, one {x}}')).toThrow()
    expect(messageParams('{a} {n, plural, other {{b} #}}')).toEqual(['a', 'b', 'n'])
  })
})

describe('catalogs', () => {
  const english = leaves(en)

  it.each([
    ['de', de],
    ['ar', ar],
  ])('%s has every English key, no other, with the same parameters', (_name, catalog) => {
    const other = leaves(catalog)
    expect([...other.keys()].sort()).toEqual([...english.keys()].sort())
    for (const [key, text] of english)
      expect([key, messageParams(other.get(key)!)]).toEqual([key, messageParams(text)])
  })

  it('has no key that the code does not use', () => {
    const source: string[] = []
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) walk(path)
        else if (/\.(ts|vue)$/.test(name) && !name.endsWith('.test.ts') && !path.includes('/i18n/'))
          source.push(readFileSync(path, 'utf8'))
      }
    }
    walk(join(__dirname, '..'))
    const code = source.join('\n')
    // Keys are written whole ('room.jump'), or as a prefix completed at run time (`settings.themes.${x}`).
    const prefixes = [...code.matchAll(/`([a-zA-Z.]+\.)\$\{/g)].map((m) => m[1]!)
    const unused = [...english.keys()].filter(
      (key) => !code.includes(`'${key}'`) && !prefixes.some((p) => key.startsWith(p)),
    )
    expect(unused).toEqual([])
  })
})

describe('formats', () => {
  const at = Date.UTC(2024, 2, 5, 12, 0)
  it('writes dates, numbers, lists and relative times in the current language', async () => {
    expect(formatNumber(1234.5)).toBe('1,234.5')
    expect(formatList(['Ann', 'Bob', 'Cy'])).toBe('Ann, Bob, and Cy')
    expect(formatRelative(at - 5 * 60_000, at)).toBe('5 minutes ago')
    await setLocale('de')
    expect(formatNumber(1234.5)).toBe('1.234,5')
    expect(formatDate(at, 'full')).toMatch(/^Dienstag, 5\. März 2024$/)
    expect(formatList(['Ann', 'Bob'])).toBe('Ann und Bob')
    expect(formatRelative(at - 86_400_000, at)).toBe('gestern')
    await setLocale('ar')
    expect(formatNumber(1234.5)).toBe(new Intl.NumberFormat('ar').format(1234.5))
    expect(formatRelative(at - 2 * 3_600_000, at)).toBe(
      new Intl.RelativeTimeFormat('ar', { numeric: 'auto' }).format(-2, 'hour'),
    )
  })
})
