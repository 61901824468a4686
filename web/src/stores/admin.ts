// The admin area's data (docs/api.md, "Administration"): users, rooms, groups, reports, the server's
// settings and notice, and its health. Loaded only with the admin pages, and only for admins.
import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import { api } from '../connection/http'
import { failure } from './errors'
import type { RoomKind, UserBrief } from '../protocol/frames'
import { useSessionStore, type RegistrationMode, type User } from './session'
import { t } from '../i18n'
import { formatDateTime } from '../i18n/format'
import { formatSize } from '../components/chat/attachments'

export interface AdminUser extends User {
  deactivated: boolean
  last_seen: number | null
}

export interface AdminRoom {
  id: number
  kind: RoomKind
  name: string
  topic: string
  members: number
  messages: number
  group: number | null
  last_at: number
  admins: UserBrief[]
}

export interface AdminGroup {
  id: number
  name: string
  members: number
  rooms: number
  admins: UserBrief[]
}

export interface Report {
  id: number
  message: {
    id: number
    room: number
    room_name: string
    author: UserBrief
    text: string
    at: number
    deleted: boolean
  }
  reporter: UserBrief
  reason: string
  created_at: number
  resolved_at: number | null
  resolved_by: UserBrief | number | null // the contract does not say which; both are shown
}

export interface Health {
  version: string
  uptime_s: number
  connections: number
  users_online: number
  messages_last_hour: number
  users: number
  rooms: number
  database_bytes: number
  files_bytes: number
}

export { failure }

export const PAGE_SIZE = 50
export const MAX_NOTICE = 500
export const HEALTH_EVERY_MS = 10_000

// "51–100 of 230", and whether there are pages before and after.
export function pageOf(offset: number, shown: number, total: number) {
  return {
    label: shown
      ? t('admin.users.page', { from: offset + 1, to: offset + shown, total })
      : t('admin.users.pageEmpty', { shown: 0, total }),
    previous: offset > 0,
    next: offset + shown < total,
  }
}

// 512 B, 1.5 KB, 300 MB (1 KB = 1024 bytes), as the chat shows file sizes.
export const formatBytes = formatSize

export function formatUptime(s: number): string {
  const days = Math.floor(s / 86400)
  const hours = Math.floor((s % 86400) / 3600)
  const minutes = Math.floor((s % 3600) / 60)
  if (days) return t('admin.health.days', { days, hours })
  if (hours) return t('admin.health.hours', { hours, minutes })
  return t('admin.health.minutes', { minutes, seconds: Math.floor(s % 60) })
}

// A date and time, short: "6 Dec 2026, 19:59", as the language writes it.
export const when = (ms: number | null): string => (ms ? formatDateTime(ms, 'medium', 'short') : '—')

export const who = (u: { username: string; display_name: string }): string =>
  u.display_name && u.display_name !== u.username
    ? t('admin.who', { name: u.display_name, username: u.username })
    : `@${u.username}`

const query = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()

export const useAdminStore = defineStore('admin', () => {
  const session = useSessionStore()
  const errors = reactive<
    Record<'users' | 'rooms' | 'groups' | 'reports' | 'settings' | 'health', string | null>
  >({
    users: null,
    rooms: null,
    groups: null,
    reports: null,
    settings: null,
    health: null,
  })

  // Users: a search by name or e-mail, a page at a time; the latest question's answer wins.
  const users = ref<AdminUser[]>([])
  const usersTotal = ref(0)
  const usersQuery = ref('')
  const usersOffset = ref(0)
  const usersLoading = ref(false)
  let usersAsked = 0

  async function loadUsers(): Promise<void> {
    const asked = ++usersAsked
    usersLoading.value = true
    try {
      const q = query({ query: usersQuery.value.trim(), offset: usersOffset.value, limit: PAGE_SIZE })
      const r = await api<{ users: AdminUser[]; total: number }>('GET', `/api/admin/users?${q}`)
      if (asked !== usersAsked) return
      users.value = r.users
      usersTotal.value = r.total
      errors.users = null
    } catch (e) {
      if (asked === usersAsked) errors.users = failure(e)
    } finally {
      if (asked === usersAsked) usersLoading.value = false
    }
  }

  function searchUsers(q: string): Promise<void> {
    usersQuery.value = q
    usersOffset.value = 0
    return loadUsers()
  }

  function turnPage(direction: 1 | -1): Promise<void> {
    usersOffset.value = Math.max(0, usersOffset.value + direction * PAGE_SIZE)
    return loadUsers()
  }

  // A few users by name, for a picker (the rooms tab); leaves the users tab as it is.
  async function findUsers(q: string): Promise<AdminUser[]> {
    const r = await api<{ users: AdminUser[] }>(
      'GET',
      `/api/admin/users?${query({ query: q.trim(), limit: 10 })}`,
    )
    return r.users
  }

  async function updateUser(id: number, patch: { is_admin?: boolean; deactivated?: boolean }): Promise<void> {
    const { user } = await api<{ user: AdminUser }>('PATCH', `/api/admin/users/${id}`, { body: patch })
    users.value = users.value.map((u) => (u.id === id ? user : u))
    if (session.user?.id === id) session.user.is_admin = user.is_admin
  }

  async function signOutEverywhere(id: number): Promise<void> {
    await api('POST', `/api/admin/users/${id}/logout`)
  }

  // Rooms: channels and private rooms by name.
  const rooms = ref<AdminRoom[]>([])
  const roomsQuery = ref('')
  let roomsAsked = 0

  async function loadRooms(q = roomsQuery.value): Promise<void> {
    roomsQuery.value = q
    const asked = ++roomsAsked
    try {
      const r = await api<{ rooms: AdminRoom[] }>('GET', `/api/admin/rooms?${query({ query: q.trim() })}`)
      if (asked !== roomsAsked) return
      rooms.value = r.rooms
      errors.rooms = null
    } catch (e) {
      if (asked === roomsAsked) errors.rooms = failure(e)
    }
  }

  async function makeRoomAdmin(room: number, user: number): Promise<void> {
    await api('POST', `/api/admin/rooms/${room}/owner`, { body: { user } })
    await loadRooms()
  }

  // Deletes a room for everyone in it (their clients drop it on the `removed` event each gets).
  async function deleteRoom(id: number): Promise<void> {
    await api('DELETE', `/api/admin/rooms/${id}`)
    rooms.value = rooms.value.filter((r) => r.id !== id)
  }

  // Groups: by name, with their size and admins.
  const groups = ref<AdminGroup[]>([])
  const groupsQuery = ref('')
  let groupsAsked = 0

  async function loadGroups(q = groupsQuery.value): Promise<void> {
    groupsQuery.value = q
    const asked = ++groupsAsked
    try {
      const r = await api<{ groups: AdminGroup[] }>('GET', `/api/admin/groups?${query({ query: q.trim() })}`)
      if (asked !== groupsAsked) return
      groups.value = r.groups
      errors.groups = null
    } catch (e) {
      if (asked === groupsAsked) errors.groups = failure(e)
    }
  }

  // Deletes a group as its own admin would: its channels become private rooms of their members,
  // so the rooms list (kinds, groups) is stale afterwards and is asked again when next shown.
  async function deleteGroup(id: number): Promise<void> {
    await api('DELETE', `/api/admin/groups/${id}`)
    groups.value = groups.value.filter((g) => g.id !== id)
  }

  // Reports: the open ones, or the resolved ones; newest first.
  const reports = ref<Report[]>([])
  const showResolved = ref(false)
  let reportsAsked = 0

  async function loadReports(resolved = showResolved.value): Promise<void> {
    showResolved.value = resolved
    const asked = ++reportsAsked
    try {
      const r = await api<{ reports: Report[] }>('GET', `/api/admin/reports?resolved=${resolved}`)
      if (asked !== reportsAsked) return
      reports.value = r.reports
      errors.reports = null
    } catch (e) {
      if (asked === reportsAsked) errors.reports = failure(e)
    }
  }

  // A report marked (un)resolved leaves the list it was in.
  async function resolveReport(id: number, resolved = true): Promise<void> {
    await api<{ report: Report }>('PATCH', `/api/admin/reports/${id}`, { body: { resolved } })
    reports.value = reports.value.filter((r) => r.id !== id)
  }

  // Settings: who may register. The session's copy follows, so the app's own links agree.
  const registration = ref<RegistrationMode | null>(null)

  async function loadSettings(): Promise<void> {
    try {
      const r = await api<{ settings: { registration: RegistrationMode } }>('GET', '/api/admin/settings')
      registration.value = r.settings.registration
      session.registration = r.settings.registration
      errors.settings = null
    } catch (e) {
      errors.settings = failure(e)
    }
  }

  async function setRegistration(mode: RegistrationMode): Promise<void> {
    const r = await api<{ settings: { registration: RegistrationMode } }>('PATCH', '/api/admin/settings', {
      body: { registration: mode },
    })
    registration.value = r.settings.registration
    session.registration = r.settings.registration
  }

  // The server-wide notice: what is shown comes back through the socket (stores/notice.ts).
  async function postNotice(text: string): Promise<void> {
    await api('POST', '/api/admin/notice', { body: { text: text.trim() } })
  }

  async function clearNotice(): Promise<void> {
    await api('DELETE', '/api/admin/notice')
  }

  const health = ref<Health | null>(null)
  const healthAt = ref<number | null>(null)

  async function loadHealth(): Promise<void> {
    try {
      health.value = await api<Health>('GET', '/api/admin/health')
      healthAt.value = Date.now()
      errors.health = null
    } catch (e) {
      errors.health = failure(e)
    }
  }

  return {
    errors,
    users,
    usersTotal,
    usersQuery,
    usersOffset,
    usersLoading,
    loadUsers,
    searchUsers,
    turnPage,
    findUsers,
    updateUser,
    signOutEverywhere,
    rooms,
    roomsQuery,
    loadRooms,
    makeRoomAdmin,
    deleteRoom,
    groups,
    groupsQuery,
    loadGroups,
    deleteGroup,
    reports,
    showResolved,
    loadReports,
    resolveReport,
    registration,
    loadSettings,
    setRegistration,
    postNotice,
    clearNotice,
    health,
    healthAt,
    loadHealth,
  }
})
