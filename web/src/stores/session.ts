// The signed-in account: who it is, its roaming settings, and every account action. Components call
// these actions; only connection/http.ts talks to the server. The account is kept with the chat's
// offline copy (stores/cache.ts): a start with the server out of reach shows it as last known (the
// header, the profile and settings pages, the display name), and a sign-out without the server
// forgets it here at once and ends the sign-in on the server at the next start that reaches it.
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { ApiError, api, setCsrfToken } from '../connection/http'
import { cacheAvailable, loadSession, rememberedUser, saveSession } from './cache'
import { applyTheme, isTheme, type Theme } from './theme'
import {
  applyLanguage,
  isLanguageChoice,
  languageChoice,
  languageFromBeforeRoaming,
  markLanguageRoamed,
  type LanguageChoice,
} from '../i18n'

// A sign-out made without the server: done at the next start that reaches it ('one' or 'all').
const SIGNOUT_PENDING_KEY = 'parley.signout-pending'

// The server did not answer (down, or no network), as opposed to answering with a refusal.
function unanswered(e: unknown): boolean {
  return !(e instanceof ApiError) || e.status === 0 || e.status >= 500
}

export interface User {
  id: number
  username: string
  display_name: string
  about: string
  email: string | null
  email_confirmed: boolean
  avatar_url: string | null
  is_admin: boolean
  is_guest: boolean
  created_at: number
}

export interface Settings {
  theme: Theme
  sound: boolean
  volume: number
  desktop_notifications: boolean
  send_on: 'enter' | 'ctrl-enter'
  embed_youtube: boolean
  show_logs: boolean
  // Call devices by label ("" = the default); absent from servers without calls.
  call_camera?: string
  call_microphone?: string
  call_speaker?: string
  // The interface language ('auto' or a locale), roaming with the account; absent from servers
  // before it, where the choice stays in this browser alone.
  language?: string
}

export const languageRoams = (s: Settings | null | undefined): boolean => typeof s?.language === 'string'

export interface SessionInfo {
  id: number
  user_agent: string
  ip: string
  created_at: number
  last_seen: number
  current: boolean
}

// Who may register (docs/api.md, "Registration, invitations..."): anyone, only with an invitation,
// or nobody.
export type RegistrationMode = 'open' | 'invite' | 'closed'
export const isRegistrationMode = (v: unknown): v is RegistrationMode =>
  v === 'open' || v === 'invite' || v === 'closed'

interface SessionResponse {
  csrf: string
  user: User | null
  settings: Settings | null
  guest_signin: boolean
  registration?: unknown // absent from servers before invitations: open
  gifs?: unknown // the hosts GIFs come from (docs/api.md, "GIF search"); [] or absent: no GIF search
}

interface SignedInResponse {
  user: User
  settings: Settings
}

// This browser's notifications belonged to the sign-in that ended (the server forgot them with
// it): the browser lets go of its subscription too, so the push service stops holding it.
async function dropPushSubscription(): Promise<void> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return
  try {
    const reg = await navigator.serviceWorker.getRegistration()
    const sub = await reg?.pushManager?.getSubscription()
    await sub?.unsubscribe()
  } catch {
    // Nothing to let go of, or the browser refused: the server no longer sends to it anyway.
  }
}

export const useSessionStore = defineStore('session', () => {
  const user = ref<User | null>(null)
  const settings = ref<Settings | null>(null)
  const guestSignin = ref(false)
  const registration = ref<RegistrationMode>('open')
  const gifs = ref<string[]>([])
  const loaded = ref(false)
  const signedIn = computed(() => user.value !== null)

  // `live`: the server's answer (not the cached copy shown while it is out of reach).
  function adopt(next: { user: User | null; settings: Settings | null }, live = true): void {
    user.value = next.user
    settings.value = next.settings
    if (next.settings && isTheme(next.settings.theme)) applyTheme(next.settings.theme)
    adoptLanguage(next.settings, live)
  }

  // The account's language wins over this browser's (which only paints the page before the session
  // arrives), except once: a choice this browser kept before the language roamed, met by an account
  // still on 'auto' (the server's default), becomes the account's instead of being lost.
  function adoptLanguage(s: Settings | null, live: boolean): void {
    const language = s?.language
    if (!isLanguageChoice(language)) return
    const earlier = live ? languageFromBeforeRoaming() : null
    if (language === 'auto' && earlier) {
      void updateSettings({ language: earlier }).catch(() => undefined)
      return
    }
    if (live) markLanguageRoamed()
    if (language !== languageChoice.value) void applyLanguage(language)
  }

  // Set when the server could not be reached at start (not when it answered): the app then shows
  // what it cached and keeps asking.
  const unreachable = ref(false)

  async function load(): Promise<void> {
    let s: SessionResponse
    try {
      s = await api<SessionResponse>('GET', '/api/session')
      s = await finishSignOut(s)
    } catch (e) {
      unreachable.value = unanswered(e)
      if (unreachable.value && !user.value) await adoptCached()
      throw e
    }
    unreachable.value = false
    setCsrfToken(s.csrf)
    guestSignin.value = s.guest_signin
    registration.value = isRegistrationMode(s.registration) ? s.registration : 'open'
    gifs.value = Array.isArray(s.gifs) ? s.gifs.filter((h): h is string => typeof h === 'string') : []
    adopt(s)
    loaded.value = true
  }

  // The account of whoever used this browser last, as cached, while the server is out of reach.
  async function adoptCached(): Promise<void> {
    const who = rememberedUser()
    if (who === null || !cacheAvailable()) return
    const cached = await loadSession<SignedInResponse>(who).catch(() => null)
    if (cached && !user.value && !loaded.value) adopt(cached, false)
  }

  // A sign-out asked for offline ends the sign-in on the server now that it answers.
  async function finishSignOut(s: SessionResponse): Promise<SessionResponse> {
    const pending = localStorage.getItem(SIGNOUT_PENDING_KEY)
    if (!pending) return s
    if (s.user) {
      setCsrfToken(s.csrf)
      await api('POST', pending === 'all' ? '/api/auth/logout-all' : '/api/auth/logout')
      s = await api<SessionResponse>('GET', '/api/session')
    }
    localStorage.removeItem(SIGNOUT_PENDING_KEY)
    return s
  }

  // Every change to the account or its settings updates the cached copy.
  watch(
    [user, settings],
    ([u, st]) => {
      if (u && cacheAvailable()) void saveSession(u.id, { user: u, settings: st }).catch(() => undefined)
    },
    { deep: true },
  )

  // A new sign-in: a sign-out still pending from offline must not end it.
  function signedInAs(r: SignedInResponse): void {
    localStorage.removeItem(SIGNOUT_PENDING_KEY)
    adopt(r)
  }

  async function register(input: {
    username: string
    password: string
    email?: string
    display_name?: string
    invite?: string // the code of the invitation link it came from
  }) {
    signedInAs(await api<SignedInResponse>('POST', '/api/auth/register', { body: input }))
  }

  async function login(login: string, password: string) {
    signedInAs(await api<SignedInResponse>('POST', '/api/auth/login', { body: { login, password } }))
  }

  async function guest() {
    signedInAs(await api<SignedInResponse>('POST', '/api/auth/guest'))
  }

  // Without the server, this browser forgets the account at once (its cached chat with it) and the
  // server is told at the next start that reaches it.
  async function logout(everywhere = false) {
    // Started from the cache: the server has not been asked yet, and its CSRF token is unknown.
    if (!loaded.value) await load().catch(() => undefined)
    if (loaded.value && !user.value) return
    try {
      await api('POST', everywhere ? '/api/auth/logout-all' : '/api/auth/logout')
    } catch (e) {
      if (!unanswered(e)) throw e
      localStorage.setItem(SIGNOUT_PENDING_KEY, everywhere ? 'all' : 'one')
      loaded.value = true // nobody is signed in here now, whatever the server still thinks
    }
    adopt({ user: null, settings: null })
    void dropPushSubscription()
  }

  // Signed in with a provider whose e-mail address is an existing account's: that account's
  // password links the provider and signs in (docs/api.md, "Sign-in with an OpenID provider").
  async function confirmProviderLink(password: string) {
    signedInAs(await api<SignedInResponse>('POST', '/api/auth/oidc-link', { body: { password } }))
  }

  async function confirmEmail(token: string) {
    const r = await api<{ user: User }>('POST', '/api/auth/confirm-email', { body: { token } })
    if (user.value && user.value.id === r.user.id) user.value = r.user
  }

  async function forgotPassword(login: string) {
    await api('POST', '/api/auth/forgot-password', { body: { login } })
  }

  async function resetPassword(token: string, password: string) {
    await api('POST', '/api/auth/reset-password', { body: { token, password } })
  }

  async function updateProfile(patch: { display_name?: string; about?: string }) {
    user.value = (await api<{ user: User }>('PATCH', '/api/me', { body: patch })).user
  }

  async function changeEmail(email: string, password: string) {
    user.value = (await api<{ user: User }>('PUT', '/api/me/email', { body: { email, password } })).user
  }

  async function changePassword(current_password: string, new_password: string) {
    await api('PUT', '/api/me/password', { body: { current_password, new_password } })
  }

  async function uploadAvatar(file: Blob) {
    user.value = (await api<{ user: User }>('POST', '/api/me/avatar', { raw: file })).user
  }

  async function updateSettings(patch: Partial<Settings>) {
    const next = await api<Settings>('PATCH', '/api/me/settings', { body: patch })
    adopt({ user: user.value, settings: next })
  }

  // Shown at once, and saved with the account (where the server keeps the language), so it follows
  // the account to every browser; this browser remembers it too, for its next first paint.
  async function setLanguage(choice: LanguageChoice) {
    await applyLanguage(choice)
    if (languageRoams(settings.value)) await updateSettings({ language: choice })
  }

  async function listSessions(): Promise<SessionInfo[]> {
    return (await api<{ sessions: SessionInfo[] }>('GET', '/api/me/sessions')).sessions
  }

  async function revokeSession(id: number) {
    await api('DELETE', `/api/me/sessions/${id}`)
  }

  return {
    user,
    settings,
    guestSignin,
    registration,
    gifs,
    loaded,
    signedIn,
    unreachable,
    load,
    register,
    login,
    guest,
    logout,
    confirmProviderLink,
    confirmEmail,
    forgotPassword,
    resetPassword,
    updateProfile,
    changeEmail,
    changePassword,
    uploadAvatar,
    updateSettings,
    setLanguage,
    listSessions,
    revokeSession,
  }
})
