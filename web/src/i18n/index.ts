// The client's words: message catalogs by language, `t(key, params)` in the current one, and the
// choice of language (the browser's, or the user's in Settings). English is on the first screen;
// German and Arabic load when chosen. `<html lang dir>` follows, so the layout turns for Arabic.
import { computed, shallowRef } from 'vue'
import en, { type Catalog } from './en'
import { formatMessage, parseMessage, type Params } from './message'

export type { Params }
export const LOCALES = ['en', 'de', 'ar'] as const
export type Locale = (typeof LOCALES)[number]
export type LanguageChoice = 'auto' | Locale
// Each language in its own name, as a menu of languages shows them.
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', de: 'Deutsch', ar: 'العربية' }
const RTL = new Set<Locale>(['ar'])
export const isRightToLeft = (l: Locale): boolean => RTL.has(l)

// 'chat.composer.placeholder' for every string leaf of the English catalog.
type Paths<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Paths<T[K], `${P}${K}.`>
}[keyof T & string]
export type MessageKey = Paths<Catalog>

const loaders: Record<Exclude<Locale, 'en'>, () => Promise<{ default: Catalog }>> = {
  de: () => import('./de'),
  ar: () => import('./ar'),
}

const current = shallowRef<{ locale: Locale; messages: Catalog }>({ locale: 'en', messages: en })
export const locale = computed(() => current.value.locale)

export const isLocale = (v: unknown): v is Locale => LOCALES.includes(v as Locale)
export const isLanguageChoice = (v: unknown): v is LanguageChoice => v === 'auto' || isLocale(v)

// The first of the browser's languages we have ('de-AT' → de), else English.
export function browserLocale(languages: readonly string[] = navigator.languages): Locale {
  for (const tag of languages) {
    const primary = tag.toLowerCase().split(/[-_]/)[0]
    if (isLocale(primary)) return primary
  }
  return 'en'
}

function lookup(messages: Catalog, key: string): string | undefined {
  let node: unknown = messages
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part]
  return typeof node === 'string' ? node : undefined
}

const parsed = new Map<string, ReturnType<typeof parseMessage>>()
const numberFormats = new Map<string, Intl.NumberFormat>()
const pluralRules = new Map<string, Intl.PluralRules>()

export function numberFormat(l: Locale): Intl.NumberFormat {
  let f = numberFormats.get(l)
  if (!f) numberFormats.set(l, (f = new Intl.NumberFormat(l)))
  return f
}
function plurals(l: Locale): Intl.PluralRules {
  let r = pluralRules.get(l)
  if (!r) pluralRules.set(l, (r = new Intl.PluralRules(l)))
  return r
}

// The message in the current language (reactive: a template or computed calling it follows a
// change of language), falling back to English for a key a catalog lacks.
export function t(key: MessageKey, params: Params = {}): string {
  const { locale: l, messages } = current.value
  let text = lookup(messages, key)
  let lang = l
  if (text === undefined) {
    text = lookup(en, key) ?? key
    lang = 'en'
  }
  const id = `${lang}\u0000${key}`
  let parts = parsed.get(id)
  if (!parts) parsed.set(id, (parts = parseMessage(text)))
  return formatMessage(parts, params, {
    number: (n) => numberFormat(l).format(n),
    plural: (n) => plurals(lang).select(n),
  })
}

let asked = 0
// Shows the app in `l` once its catalog is here (a failed load keeps the language shown).
export async function setLocale(l: Locale): Promise<void> {
  const ticket = ++asked
  const messages = l === 'en' ? en : (await loaders[l]()).default
  if (ticket !== asked) return // a later choice won
  current.value = { locale: l, messages }
  document.documentElement.lang = l
  document.documentElement.dir = RTL.has(l) ? 'rtl' : 'ltr'
}

// The user's choice roams with the account (stores/session.ts); this browser keeps it too, to paint
// the first screen in it before the session arrives.
const CHOICE_KEY = 'parley.language'
// Set once an account's language has been seen here: a choice kept without it predates roaming.
const ROAMED_KEY = 'parley.language.roamed'
export function rememberedLanguage(): LanguageChoice {
  try {
    const v = localStorage.getItem(CHOICE_KEY)
    return isLanguageChoice(v) ? v : 'auto'
  } catch {
    return 'auto'
  }
}

// A language chosen in this browser before the choice roamed with the account, or null.
export function languageFromBeforeRoaming(): Locale | null {
  try {
    const v = localStorage.getItem(CHOICE_KEY)
    return localStorage.getItem(ROAMED_KEY) === null && isLocale(v) ? v : null
  } catch {
    return null
  }
}
export function markLanguageRoamed(): void {
  try {
    localStorage.setItem(ROAMED_KEY, '1')
  } catch {
    // storage refused: nothing kept here either
  }
}

const chosen = shallowRef<LanguageChoice>('auto')
export const languageChoice = computed(() => chosen.value)

export async function applyLanguage(choice: LanguageChoice): Promise<void> {
  chosen.value = choice
  try {
    if (choice === 'auto') localStorage.removeItem(CHOICE_KEY)
    else localStorage.setItem(CHOICE_KEY, choice)
  } catch {
    // storage refused (private mode): the choice lasts for this page
  }
  await setLocale(choice === 'auto' ? browserLocale() : choice).catch(() => undefined)
}
