import { describe, expect, it } from 'vitest'
import { reconnectDelay } from './backoff'

describe('reconnectDelay', () => {
  const opts = { baseMs: 500, maxMs: 30_000 }

  it('grows with the attempt number', () => {
    expect(reconnectDelay(0, 0.999, opts)).toBeLessThanOrEqual(500)
    expect(reconnectDelay(3, 0.999, opts)).toBeGreaterThan(3000)
  })

  it('is never above the cap nor below half the base', () => {
    for (const attempt of [0, 1, 5, 10, 100, 10_000]) {
      for (const r of [0, 0.5, 0.999]) {
        const d = reconnectDelay(attempt, r, opts)
        expect(d).toBeLessThanOrEqual(30_000)
        expect(d).toBeGreaterThanOrEqual(250)
      }
    }
  })

  it('spreads clients apart with jitter', () => {
    expect(reconnectDelay(4, 0.1, opts)).not.toBe(reconnectDelay(4, 0.9, opts))
  })
})
