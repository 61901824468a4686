// The signed-in account: who it is, its roaming settings, and every account action. Components call
// these actions; only connection/http.ts talks to the server.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, api, setCsrfToken } from '../connection/http'
import { applyTheme, isTheme, type Theme } from './theme'

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
}

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
}

interface SignedInResponse {
  user: User
  settings: Settings
}

export const useSessionStore = defineStore('session', () => {
  const user = ref<User | null>(null)
  const settings = ref<Settings | null>(null)
  const guestSignin = ref(false)
  const registration = ref<RegistrationMode>('open')
  const loaded = ref(false)
  const signedIn = computed(() => user.value !== null)

  function adopt(next: { user: User | null; settings: Settings | null }): void {
    user.value = next.user
    settings.value = next.settings
    if (next.settings && isTheme(next.settings.theme)) applyTheme(next.settings.theme)
  }

  // Set when the server could not be reached at start (not when it answered): the app then shows
  // what it cached and keeps asking.
  const unreachable = ref(false)

  async function load(): Promise<void> {
    let s: SessionResponse
    try {
      s = await api<SessionResponse>('GET', '/api/session')
    } catch (e) {
      unreachable.value = !(e instanceof ApiError) || e.status === 0 || e.status >= 500
      throw e
    }
    unreachable.value = false
    setCsrfToken(s.csrf)
    guestSignin.value = s.guest_signin
    registration.value = isRegistrationMode(s.registration) ? s.registration : 'open'
    adopt(s)
    loaded.value = true
  }

  async function register(input: {
    username: string
    password: string
    email?: string
    display_name?: string
    invite?: string // the code of the invitation link it came from
  }) {
    adopt(await api<SignedInResponse>('POST', '/api/auth/register', { body: input }))
  }

  async function login(login: string, password: string) {
    adopt(await api<SignedInResponse>('POST', '/api/auth/login', { body: { login, password } }))
  }

  async function guest() {
    adopt(await api<SignedInResponse>('POST', '/api/auth/guest'))
  }

  async function logout(everywhere = false) {
    await api('POST', everywhere ? '/api/auth/logout-all' : '/api/auth/logout')
    adopt({ user: null, settings: null })
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
    loaded,
    signedIn,
    unreachable,
    load,
    register,
    login,
    guest,
    logout,
    confirmEmail,
    forgotPassword,
    resetPassword,
    updateProfile,
    changeEmail,
    changePassword,
    uploadAvatar,
    updateSettings,
    listSessions,
    revokeSession,
  }
})
