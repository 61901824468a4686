import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { useMutedUntil } from './useMutedUntil'

describe('useMutedUntil', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-12-06T14:00:00Z'))
  })
  afterEach(() => vi.useRealTimers())

  it('lifts itself when the time passes', () => {
    const scope = effectScope()
    const until = ref<number | null>(Date.now() + 15 * 60_000)
    const muted = scope.run(() => useMutedUntil(() => until.value))!
    expect(muted.value).toBe(true)
    vi.advanceTimersByTime(15 * 60_000 - 1)
    expect(muted.value).toBe(true)
    vi.advanceTimersByTime(1)
    expect(muted.value).toBe(false)
    scope.stop()
  })

  it('follows a new end (an unmute, a longer mute)', async () => {
    const scope = effectScope()
    const until = ref<number | null>(null)
    const muted = scope.run(() => useMutedUntil(() => until.value))!
    expect(muted.value).toBe(false)
    until.value = Date.now() + 60_000
    await nextTick()
    expect(muted.value).toBe(true)
    until.value = null
    await nextTick()
    expect(muted.value).toBe(false)
    scope.stop()
  })

  it('waits out a mute longer than a timer can hold', () => {
    const scope = effectScope()
    const month = 30 * 86_400_000
    const until = ref<number | null>(Date.now() + month)
    const muted = scope.run(() => useMutedUntil(() => until.value))!
    vi.advanceTimersByTime(2 ** 31 - 1) // the first timer ends early, not the mute
    expect(muted.value).toBe(true)
    vi.advanceTimersByTime(month - (2 ** 31 - 1))
    expect(muted.value).toBe(false)
    scope.stop()
  })

  it('leaves no timer behind when its scope ends', () => {
    const scope = effectScope()
    scope.run(() => useMutedUntil(() => Date.now() + 60_000))
    scope.stop()
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('muteDurationText', () => {
  it('names a duration by the largest unit that divides it', async () => {
    const { muteDurationText } = await import('./useMutedUntil')
    expect(muteDurationText(15)).toBe('15 minutes')
    expect(muteDurationText(60)).toBe('1 hour')
    expect(muteDurationText(90)).toBe('90 minutes')
    expect(muteDurationText(1440)).toBe('1 day')
    expect(muteDurationText(10080)).toBe('1 week')
    expect(muteDurationText(2880)).toBe('2 days')
  })
})
