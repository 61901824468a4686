// @vitest-environment jsdom
// The language roams with the account: the session's value is applied when it loads (and kept in
// this browser for the next first paint), a choice in Settings is saved to the account, and a
// choice this browser kept from before roaming is handed to an account still on 'auto' once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fakeFetch } from './fake-fetch'
import { useSessionStore, type Settings, type User } from './session'
import { languageChoice, locale, setLocale } from '../i18n'

const user = { id: 7, username: 'ann', display_name: 'Ann' } as User
const settings = (language: string) => ({ theme: 'system', language }) as Settings
const session = (language: string) => ({
  csrf: 't',
  user,
  settings: settings(language),
  guest_signin: false,
})

describe('the language with the account', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })
  afterEach(async () => {
    vi.unstubAllGlobals()
    await setLocale('en')
    localStorage.clear()
  })

  it("applies the account's language when the session loads, and keeps it for the first paint", async () => {
    localStorage.setItem('parley.language.roamed', '1')
    const server = fakeFetch()
    server.answer(200, session('de'))
    await useSessionStore().load()
    await vi.waitFor(() => expect(locale.value).toBe('de'))
    expect(languageChoice.value).toBe('de')
    expect(localStorage.getItem('parley.language')).toBe('de')
    expect(server.calls).toHaveLength(1) // nothing saved back
  })

  it("follows the account's 'auto' over this browser's earlier choice once roaming has begun", async () => {
    localStorage.setItem('parley.language', 'de')
    localStorage.setItem('parley.language.roamed', '1')
    const server = fakeFetch()
    server.answer(200, session('auto'))
    await useSessionStore().load()
    await vi.waitFor(() => expect(languageChoice.value).toBe('auto'))
    expect(locale.value).toBe('en') // jsdom's browser language
    expect(localStorage.getItem('parley.language')).toBeNull()
  })

  it('saves a choice made in Settings to the account', async () => {
    const server = fakeFetch()
    server.answer(200, session('en'))
    const store = useSessionStore()
    await store.load()
    server.answer(200, settings('ar'))
    await store.setLanguage('ar')
    expect(locale.value).toBe('ar')
    expect(server.calls[1]).toEqual({ method: 'PATCH', path: '/api/me/settings', body: { language: 'ar' } })
    expect(store.settings?.language).toBe('ar')
  })

  it('hands a choice kept from before roaming to an account still on auto, once', async () => {
    localStorage.setItem('parley.language', 'de') // chosen when only this browser kept it
    const server = fakeFetch()
    server.answer(200, session('auto'))
    server.answer(200, settings('de'))
    await useSessionStore().load()
    await vi.waitFor(() => expect(server.calls).toHaveLength(2))
    expect(server.calls[1]).toEqual({ method: 'PATCH', path: '/api/me/settings', body: { language: 'de' } })
    await vi.waitFor(() => expect(localStorage.getItem('parley.language.roamed')).toBe('1'))
    expect(languageChoice.value).toBe('de')

    // From then on the account decides, 'auto' included.
    setActivePinia(createPinia())
    server.answer(200, session('auto'))
    await useSessionStore().load()
    await vi.waitFor(() => expect(languageChoice.value).toBe('auto'))
    expect(server.calls).toHaveLength(3)
  })
})
