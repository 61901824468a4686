import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

// A stand-in for the browser's AudioContext (jsdom has none): records resume and suspend.
class FakeContext {
  static made = 0
  state: 'running' | 'suspended' = 'suspended'
  constructor() {
    FakeContext.made++
  }
  resume(): Promise<void> {
    this.state = 'running'
    return Promise.resolve()
  }
  suspend(): Promise<void> {
    this.state = 'suspended'
    return Promise.resolve()
  }
}

describe('holdAudio', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.resetModules()
    FakeContext.made = 0
    vi.stubGlobal('AudioContext', FakeContext)
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('runs one context while held and suspends it once the last user let go', async () => {
    const { holdAudio } = await import('./audio')
    const a = holdAudio()!
    const b = holdAudio()!
    const ctx = a.ctx as unknown as FakeContext
    expect(b.ctx).toBe(a.ctx)
    expect(FakeContext.made).toBe(1)
    expect(ctx.state).toBe('running')
    a.release()
    a.release() // twice counts once
    vi.advanceTimersByTime(5000)
    expect(ctx.state).toBe('running') // b still holds it
    b.release()
    vi.advanceTimersByTime(999)
    expect(ctx.state).toBe('running')
    vi.advanceTimersByTime(1)
    expect(ctx.state).toBe('suspended')
  })

  it('a hold within the grace period keeps it running', async () => {
    const { holdAudio } = await import('./audio')
    const a = holdAudio()!
    const ctx = a.ctx as unknown as FakeContext
    a.release()
    vi.advanceTimersByTime(500)
    const c = holdAudio()!
    vi.advanceTimersByTime(5000)
    expect(ctx.state).toBe('running')
    c.release()
    vi.advanceTimersByTime(1000)
    expect(ctx.state).toBe('suspended')
  })

  it('is null without WebAudio', async () => {
    vi.unstubAllGlobals()
    vi.stubGlobal('AudioContext', undefined)
    const { holdAudio } = await import('./audio')
    expect(holdAudio()).toBeNull()
  })
})
