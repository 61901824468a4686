import { describe, expect, it } from 'vitest'
import type { ChatEvent } from '../protocol/frames'
import { MAX_TIMER_MS, canMute, canPin, isMuted, liftDelay, mutesFrom } from './moderationRules'

const admin = { kind: 'channel' as const, role: 'admin' as const }
const member = { kind: 'channel' as const, role: 'member' as const }
const direct = { kind: 'direct' as const, role: 'member' as const }

describe('canPin', () => {
  it('lets room admins and either person of a direct room pin', () => {
    expect(canPin(admin)).toBe(true)
    expect(canPin({ kind: 'private', role: 'admin' })).toBe(true)
    expect(canPin(direct)).toBe(true)
  })
  it('refuses members, and rooms not known', () => {
    expect(canPin(member)).toBe(false)
    expect(canPin({ kind: 'private', role: 'member' })).toBe(false)
    expect(canPin(undefined)).toBe(false)
  })
  it('lets a server admin pin in channels only', () => {
    expect(canPin(member, true)).toBe(true)
    expect(canPin({ kind: 'private', role: 'member' }, true)).toBe(false)
  })
})

describe('canMute', () => {
  const bob = { id: 2, role: 'member' as const }
  it('lets a room admin mute another member', () => {
    expect(canMute(admin, 1, bob)).toBe(true)
  })
  it('never offers muting oneself, an admin, or anyone in a direct room', () => {
    expect(canMute(admin, 2, bob)).toBe(false)
    expect(canMute(admin, 1, { id: 3, role: 'admin' })).toBe(false)
    expect(canMute({ kind: 'direct', role: 'admin' }, 1, bob)).toBe(false)
  })
  it('refuses members', () => {
    expect(canMute(member, 1, bob)).toBe(false)
    expect(canMute(undefined, 1, bob)).toBe(false)
  })
})

describe('isMuted and liftDelay', () => {
  it('holds until its end, not at it', () => {
    expect(isMuted(1000, 999)).toBe(true)
    expect(isMuted(1000, 1000)).toBe(false)
    expect(isMuted(null, 0)).toBe(false)
    expect(isMuted(undefined, 0)).toBe(false)
  })
  it('waits until the end, in steps setTimeout can hold', () => {
    expect(liftDelay(5000, 1000)).toBe(4000)
    expect(liftDelay(1000, 1000)).toBeNull()
    expect(liftDelay(null, 1000)).toBeNull()
    expect(liftDelay(30 * 86_400_000, 0)).toBe(MAX_TIMER_MS)
  })
})

describe('mutesFrom', () => {
  const ev = (seq: number, target: number, until: number | null): ChatEvent => ({
    seq,
    kind: 'member_muted',
    at: seq,
    user: 1,
    username: 'ann',
    target,
    target_name: `u${target}`,
    until,
  })
  it('keeps the latest mute of each member', () => {
    const m = mutesFrom([ev(1, 2, 5000), ev(2, 3, 6000), ev(3, 2, null)])
    expect(m.get(2)).toBeNull()
    expect(m.get(3)).toBe(6000)
    expect(m.has(4)).toBe(false)
  })
})
