// Invitations (docs/api.md, "Registration, invitations, reports and administration"): the links
// people make to bring others in, the preview a visitor sees before registering, and the link's
// code carried through the registration form. Only connection/http.ts talks to the server.
import { ApiError, api } from '../connection/http'
import type { UserBrief } from '../protocol/frames'
import { t } from '../i18n'
import { formatList, isolate } from '../i18n/format'

export interface InviteRoom {
  id: number
  name: string
}

export interface Invite {
  code: string
  url: string // relative: /register?invite=CODE
  max_uses: number
  uses: number
  expires_at: number
  rooms: InviteRoom[]
  email: string | null
  created_by: UserBrief
  created_at: number
}

// What a visitor may see of an invitation before having an account.
export interface InvitePreview {
  code: string
  inviter: { username: string; display_name: string }
  rooms: InviteRoom[]
  expires_at: number
}

export interface NewInvite {
  max_uses?: number // 1–1000
  expires_hours?: number // 1–8760
  rooms?: number[] // up to 20 channels or private rooms of the caller
  email?: string
}

export const MAX_INVITE_ROOMS = 20
export const MAX_CODE_LENGTH = 200

// The code from the register page's `?invite=` (a query value may be absent, repeated or null).
export function inviteCode(v: unknown): string | null {
  const first: unknown = Array.isArray(v) ? v[0] : v
  if (typeof first !== 'string') return null
  const code = first.trim()
  return code && code.length <= MAX_CODE_LENGTH ? code : null
}

// The full link to share: the server's URL is relative to this site. One that is absolute already
// (a server behind a proxy that knows its public address) is kept as it is, if it is http(s).
export function inviteLink(origin: string, url: string): string {
  if (/^https?:\/\//i.test(url)) return url
  return origin.replace(/\/+$/, '') + (url.startsWith('/') ? url : `/${url}`)
}

export const roomLabel = (r: InviteRoom): string => `#${r.name}`

// "Alice invited you to join #design and #general.": the rooms as the language lists them.
export function inviteSummary(p: InvitePreview): string {
  const name = isolate(p.inviter.display_name || p.inviter.username)
  if (!p.rooms.length) return t('invite.summaryParley', { name })
  return t('invite.summary', { name, rooms: formatList(p.rooms.map((r) => isolate(roomLabel(r)))) })
}

// "expires in 3 days", "expired" — coarse, for lists.
export function expiresIn(at: number, now = Date.now()): string {
  const ms = at - now
  if (ms <= 0) return t('invite.expired')
  const hours = ms / 3_600_000
  if (hours < 1) return t('invite.expiresMinutes', { count: Math.max(1, Math.round(ms / 60_000)) })
  if (hours < 48) return t('invite.expiresHours', { count: Math.round(hours) })
  return t('invite.expiresDays', { count: Math.round(hours / 24) })
}

export function usesLeft(i: Invite): string {
  if (i.max_uses === 1) return t(i.uses ? 'invite.used' : 'invite.singleUse')
  return t('invite.usesOf', { uses: i.uses, max: i.max_uses })
}

// The preview of a link, or null when it cannot be used (unknown, expired, used up or revoked);
// other failures (network) are thrown.
export async function previewInvite(code: string): Promise<InvitePreview | null> {
  try {
    return (await api<{ invite: InvitePreview }>('GET', `/api/invites/${encodeURIComponent(code)}`)).invite
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null
    throw e
  }
}

export async function createInvite(input: NewInvite): Promise<Invite> {
  return (await api<{ invite: Invite }>('POST', '/api/invites', { body: input })).invite
}

export async function listInvites(): Promise<Invite[]> {
  return (await api<{ invites: Invite[] }>('GET', '/api/invites')).invites
}

export async function revokeInvite(code: string): Promise<void> {
  await api('DELETE', `/api/invites/${encodeURIComponent(code)}`)
}

// Whether this account may make invitation links: not guests, and nobody but admins once
// registration is closed.
export function canInvite(s: {
  user: { is_guest: boolean; is_admin: boolean } | null
  registration: 'open' | 'invite' | 'closed'
}): boolean {
  if (!s.user || s.user.is_guest) return false
  return s.registration !== 'closed' || s.user.is_admin
}
