import { describe, expect, it } from 'vitest'
import type { Member } from '../protocol/frames'
import { noteMembers, noteProfile, noteRename, type Profiles } from './profiles'

const member = (id: number, display_name: string, avatar: string | null): Member => ({
  id,
  username: `u${id}`,
  display_name,
  avatar,
  role: 'member',
  online: false,
  last_seen: null,
})

describe('the profile map', () => {
  it('learns names and avatars from a members list', () => {
    const p: Profiles = new Map()
    noteMembers(p, [member(1, 'Ann', '/api/avatars/a.webp'), member(2, 'Bob', null)])
    expect(p.get(1)).toEqual({ display_name: 'Ann', avatar: '/api/avatars/a.webp', username: 'u1' })
    expect(p.get(2)).toEqual({ display_name: 'Bob', avatar: null, username: 'u2' })
  })

  it('takes a profile frame as the newest word, a removed avatar included', () => {
    const p: Profiles = new Map()
    noteMembers(p, [member(1, 'Ann', '/api/avatars/a.webp')])
    noteProfile(p, { type: 'profile', user: 1, display_name: 'Ann', avatar: '/api/avatars/b.webp' })
    expect(p.get(1)).toEqual({ display_name: 'Ann', avatar: '/api/avatars/b.webp', username: 'u1' })
    noteProfile(p, { type: 'profile', user: 1, display_name: 'Ann', avatar: null })
    expect(p.get(1)?.avatar).toBeNull()
    noteProfile(p, { type: 'profile', user: 5, display_name: 'Eve', avatar: '/api/avatars/e.webp' })
    expect(p.get(5)).toEqual({ display_name: 'Eve', avatar: '/api/avatars/e.webp' })
  })

  it('keeps the avatar when someone is renamed', () => {
    const p: Profiles = new Map()
    noteMembers(p, [member(1, 'Ann', '/api/avatars/a.webp')])
    noteRename(p, 1, 'Annie')
    expect(p.get(1)).toEqual({ display_name: 'Annie', avatar: '/api/avatars/a.webp', username: 'u1' })
    noteRename(p, 9, 'Newcomer')
    expect(p.get(9)).toEqual({ display_name: 'Newcomer', avatar: null })
  })

  it('lets a later members list replace what a frame said', () => {
    const p: Profiles = new Map()
    noteProfile(p, { type: 'profile', user: 1, display_name: 'Ann', avatar: '/api/avatars/a.webp' })
    noteMembers(p, [member(1, 'Ann B.', '/api/avatars/c.webp')])
    expect(p.get(1)).toEqual({ display_name: 'Ann B.', avatar: '/api/avatars/c.webp', username: 'u1' })
  })
})
