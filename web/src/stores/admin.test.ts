// @vitest-environment jsdom
// The admin store: the users' search and pages (latest answer wins), changes to a user, the
// registration mode shared with the session, reports leaving their list once resolved, rooms and
// groups deleted (and kept when the server refuses), and the small formatting helpers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fakeFetch } from './fake-fetch'
import { setLocale } from '../i18n'
import { formatBytes, formatUptime, pageOf, PAGE_SIZE, useAdminStore, who } from './admin'
import { useSessionStore, type User } from './session'

const user = (id: number, extra: object = {}) => ({
  id,
  username: `u${id}`,
  display_name: '',
  about: '',
  email: null,
  email_confirmed: false,
  avatar_url: null,
  is_admin: false,
  is_guest: false,
  created_at: 0,
  deactivated: false,
  last_seen: null,
  ...extra,
})

describe('admin helpers', () => {
  it('labels a page', () => {
    expect(pageOf(0, 50, 120)).toEqual({ label: '1–50 of 120', previous: false, next: true })
    expect(pageOf(100, 20, 120)).toEqual({ label: '101–120 of 120', previous: true, next: false })
    expect(pageOf(0, 0, 0)).toEqual({ label: '0 of 0', previous: false, next: false })
  })
  it('formats sizes, uptimes and names', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB')
    expect(formatUptime(59)).toBe('0 min 59 s')
    expect(formatUptime(3 * 3600 + 120)).toBe('3 h 2 min')
    expect(formatUptime(2 * 86400 + 3600)).toBe('2 d 1 h')
    expect(who({ username: 'al', display_name: 'Alice' })).toBe('Alice (@al)')
    expect(who({ username: 'al', display_name: '' })).toBe('@al')
  })
  it('says them in German and Arabic', async () => {
    await setLocale('de')
    expect(pageOf(0, 50, 1200).label).toBe('1–50 von 1.200')
    expect(formatUptime(2 * 86400 + 3600)).toBe('2 T. 1 Std.')
    await setLocale('ar')
    expect(formatUptime(2 * 86400 + 3 * 3600)).toBe(`يومان و${new Intl.NumberFormat('ar').format(3)} ساعات`)
    await setLocale('en')
  })
})

describe('admin store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('searches users a page at a time', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    server.answer(200, { users: [user(1), user(2)], total: 120 })
    await admin.searchUsers(' ann ')
    expect(server.calls[0]?.path).toBe(`/api/admin/users?query=ann&offset=0&limit=${PAGE_SIZE}`)
    expect(admin.usersTotal).toBe(120)
    server.answer(200, { users: [user(3)], total: 120 })
    await admin.turnPage(1)
    expect(server.calls[1]?.path).toBe(`/api/admin/users?query=ann&offset=${PAGE_SIZE}&limit=${PAGE_SIZE}`)
    expect(admin.users.map((u) => u.id)).toEqual([3])
    server.answer(200, { users: [], total: 0 })
    await admin.searchUsers('zed') // a new search starts at the first page
    expect(server.calls[2]?.path).toContain('offset=0')
  })

  it('keeps only the latest answer', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    const slow = server.hold()
    server.answer(200, { users: [user(2)], total: 1 })
    const first = admin.searchUsers('a')
    await admin.searchUsers('ab')
    slow(200, { users: [user(1)], total: 1 })
    await first
    expect(admin.users.map((u) => u.id)).toEqual([2])
    expect(admin.usersLoading).toBe(false)
  })

  it('shows why a list failed', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    server.answer(403, { error: 'forbidden', message: 'Admins only' })
    await admin.loadUsers()
    expect(admin.errors.users).toBe('Admins only')
  })

  it('updates a user in place, and the session when it is me', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    const session = useSessionStore()
    session.user = user(1, { is_admin: true }) as User
    admin.users = [user(1, { is_admin: true }), user(2)]
    server.answer(200, { user: user(2, { deactivated: true }) })
    await admin.updateUser(2, { deactivated: true })
    expect(server.calls[0]).toEqual({
      method: 'PATCH',
      path: '/api/admin/users/2',
      body: { deactivated: true },
    })
    expect(admin.users[1]?.deactivated).toBe(true)
    server.answer(200, { user: user(1, { is_admin: false }) })
    await admin.updateUser(1, { is_admin: false })
    expect(session.user.is_admin).toBe(false)
  })

  it('refuses a change the server refuses, leaving the list as it was', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    admin.users = [user(1, { is_admin: true })]
    server.answer(409, { error: 'conflict', message: 'There must be an active admin' })
    await expect(admin.updateUser(1, { is_admin: false })).rejects.toThrow('There must be an active admin')
    expect(admin.users[0]?.is_admin).toBe(true)
  })

  it('changes the registration mode for the session too', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    const session = useSessionStore()
    server.answer(200, { settings: { registration: 'invite' } })
    await admin.setRegistration('invite')
    expect(server.calls[0]).toEqual({
      method: 'PATCH',
      path: '/api/admin/settings',
      body: { registration: 'invite' },
    })
    expect(session.registration).toBe('invite')
  })

  it('lists reports and drops a resolved one from the open list', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    server.answer(200, { reports: [{ id: 7 }, { id: 8 }] })
    await admin.loadReports(false)
    expect(server.calls[0]?.path).toBe('/api/admin/reports?resolved=false')
    server.answer(200, { report: { id: 7 } })
    await admin.resolveReport(7)
    expect(server.calls[1]).toEqual({
      method: 'PATCH',
      path: '/api/admin/reports/7',
      body: { resolved: true },
    })
    expect(admin.reports.map((r) => r.id)).toEqual([8])
  })

  it('makes a room admin, then reloads the rooms', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    server.answer(204)
    server.answer(200, { rooms: [] })
    await admin.makeRoomAdmin(4, 9)
    expect(server.calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['POST', '/api/admin/rooms/4/owner', { user: 9 }],
      ['GET', '/api/admin/rooms?query=', undefined],
    ])
  })

  it('deletes a room and drops it from the list', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    server.answer(200, { rooms: [{ id: 4 }, { id: 5 }] })
    await admin.loadRooms('')
    server.answer(204)
    await admin.deleteRoom(4)
    expect(server.calls[1]).toEqual({ method: 'DELETE', path: '/api/admin/rooms/4', body: undefined })
    expect(admin.rooms.map((r) => r.id)).toEqual([5])
  })

  it('keeps a room the server would not delete', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    server.answer(200, { rooms: [{ id: 4 }] })
    await admin.loadRooms('')
    server.answer(404, { error: 'not_found', message: 'No such room' })
    await expect(admin.deleteRoom(4)).rejects.toThrow('No such room')
    expect(admin.rooms.map((r) => r.id)).toEqual([4])
  })

  it('searches groups, the latest answer winning, and says why the list failed', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    const slow = server.hold()
    server.answer(200, { groups: [{ id: 2, name: 'Design team', members: 3, rooms: 1, admins: [] }] })
    const first = admin.loadGroups('d')
    await admin.loadGroups(' design ')
    slow(200, { groups: [{ id: 1 }] })
    await first
    expect(server.calls.map((c) => c.path)).toEqual([
      '/api/admin/groups?query=d',
      '/api/admin/groups?query=design',
    ])
    expect(admin.groups.map((g) => g.id)).toEqual([2])
    expect(admin.groupsQuery).toBe(' design ')
    server.answer(403, { error: 'forbidden', message: 'Admins only' })
    await admin.loadGroups()
    expect(server.calls[2]?.path).toBe('/api/admin/groups?query=design')
    expect(admin.errors.groups).toBe('Admins only')
    expect(admin.groups.map((g) => g.id)).toEqual([2])
  })

  it('deletes a group and drops it from the list', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    server.answer(200, { groups: [{ id: 1 }, { id: 2 }] })
    await admin.loadGroups('')
    server.answer(204)
    await admin.deleteGroup(1)
    expect(server.calls[1]).toEqual({ method: 'DELETE', path: '/api/admin/groups/1', body: undefined })
    expect(admin.groups.map((g) => g.id)).toEqual([2])
    server.answer(404, { error: 'not_found', message: 'No such group' })
    await expect(admin.deleteGroup(2)).rejects.toThrow('No such group')
    expect(admin.groups.map((g) => g.id)).toEqual([2])
  })

  it('posts and clears the notice', async () => {
    const server = fakeFetch()
    const admin = useAdminStore()
    server.answer(204)
    server.answer(204)
    await admin.postNotice('  Maintenance at 6  ')
    await admin.clearNotice()
    expect(server.calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['POST', '/api/admin/notice', { text: 'Maintenance at 6' }],
      ['DELETE', '/api/admin/notice', undefined],
    ])
  })
})
