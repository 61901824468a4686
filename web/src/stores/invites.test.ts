// Invitations: the code read from the register page's address, the full link to share, the preview
// sentence, and the calls the contract names.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { setLocale } from '../i18n'
import { ApiError } from '../connection/http'
import { fakeFetch } from './fake-fetch'
import {
  createInvite,
  expiresIn,
  inviteCode,
  inviteLink,
  inviteSummary,
  previewInvite,
  revokeInvite,
  type InvitePreview,
} from './invites'

const preview = (rooms: string[], display_name = 'Alice'): InvitePreview => ({
  code: 'abc',
  inviter: { username: 'alice', display_name },
  rooms: rooms.map((name, i) => ({ id: i + 1, name })),
  expires_at: 0,
})

describe('invite codes and links', () => {
  it('reads the code from a query value', () => {
    expect(inviteCode('Xy-12_z')).toBe('Xy-12_z')
    expect(inviteCode(' abc ')).toBe('abc')
    expect(inviteCode(['first', 'second'])).toBe('first')
    expect(inviteCode(undefined)).toBeNull()
    expect(inviteCode(null)).toBeNull()
    expect(inviteCode([null])).toBeNull()
    expect(inviteCode('')).toBeNull()
    expect(inviteCode('x'.repeat(201))).toBeNull()
  })

  it('makes the full link from the relative URL the server gives', () => {
    expect(inviteLink('https://chat.example', '/register?invite=abc')).toBe(
      'https://chat.example/register?invite=abc',
    )
    expect(inviteLink('https://chat.example/', 'register?invite=abc')).toBe(
      'https://chat.example/register?invite=abc',
    )
    expect(inviteLink('https://chat.example', 'https://other.example/register?invite=a')).toBe(
      'https://other.example/register?invite=a',
    )
    // Never anything but http(s) from the server's answer.
    expect(inviteLink('https://chat.example', 'javascript:alert(1)')).toBe(
      'https://chat.example/javascript:alert(1)',
    )
  })

  it('says who invites to what', () => {
    expect(inviteSummary(preview(['design', 'general']))).toBe(
      'Alice invited you to join #design and #general.',
    )
    // The list as Intl.ListFormat writes it (English: a serial comma).
    expect(inviteSummary(preview(['a', 'b', 'c']))).toBe('Alice invited you to join #a, #b, and #c.')
    expect(inviteSummary(preview(['design'], ''))).toBe('alice invited you to join #design.')
    expect(inviteSummary(preview([]))).toBe('Alice invited you to join Parley.')
  })

  it('says roughly when a link expires', () => {
    const now = 1_000_000_000
    expect(expiresIn(now - 1, now)).toBe('expired')
    expect(expiresIn(now + 5 * 60_000, now)).toBe('expires in 5 minutes')
    expect(expiresIn(now + 3 * 3_600_000, now)).toBe('expires in 3 hours')
    expect(expiresIn(now + 7 * 86_400_000, now)).toBe('expires in 7 days')
    expect(expiresIn(now + 3_600_000, now)).toBe('expires in 1 hour')
  })

  it('says it in German and Arabic, the rooms listed as the language lists them', async () => {
    await setLocale('de')
    expect(inviteSummary(preview(['design', 'general']))).toBe(
      'Alice hat dich eingeladen, #design und #general beizutreten.',
    )
    expect(expiresIn(2 * 86_400_000, 0)).toBe('läuft in 2 Tagen ab')
    await setLocale('ar')
    // Right to left, the name and each room are isolated so "#a" does not turn into "a#".
    const iso = (s: string) => `\u2068${s}\u2069`
    const and = new Intl.ListFormat('ar', { type: 'conjunction' }).format([iso('#a'), iso('#b')])
    expect(inviteSummary(preview(['a', 'b']))).toBe(`دعاك ${iso('Alice')} إلى الانضمام إلى ${and}.`)
    expect(expiresIn(2 * 86_400_000, 0)).toBe('ينتهي بعد يومين')
    await setLocale('en')
  })
})

describe('invite calls', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('previews a link; an unusable one is null, a failure is thrown', async () => {
    const server = fakeFetch()
    server.answer(200, { invite: preview(['design']) })
    server.answer(404, { error: 'not_found', message: 'No such invitation' })
    server.answer(500, {})
    expect((await previewInvite('a b'))?.rooms).toEqual([{ id: 1, name: 'design' }])
    expect(server.calls[0]).toMatchObject({ method: 'GET', path: '/api/invites/a%20b' })
    expect(await previewInvite('gone')).toBeNull()
    await expect(previewInvite('x')).rejects.toBeInstanceOf(ApiError)
  })

  it('creates and revokes', async () => {
    const server = fakeFetch()
    server.answer(201, { invite: { code: 'k', url: '/register?invite=k' } })
    server.answer(204)
    const made = await createInvite({ max_uses: 5, expires_hours: 24, rooms: [3], email: 'b@example.com' })
    expect(made.code).toBe('k')
    await revokeInvite('k')
    expect(server.calls).toEqual([
      {
        method: 'POST',
        path: '/api/invites',
        body: { max_uses: 5, expires_hours: 24, rooms: [3], email: 'b@example.com' },
      },
      { method: 'DELETE', path: '/api/invites/k', body: undefined },
    ])
  })
})
