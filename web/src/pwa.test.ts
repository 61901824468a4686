import { afterEach, describe, expect, it, vi } from 'vitest'
import { registerServiceWorker } from './pwa'

function fakeServiceWorker(): ReturnType<typeof vi.fn> {
  const register = vi.fn(() => Promise.resolve())
  Object.defineProperty(navigator, 'serviceWorker', { value: { register }, configurable: true })
  return register
}

afterEach(() => {
  vi.unstubAllEnvs()
  Reflect.deleteProperty(navigator, 'serviceWorker')
})

describe('registerServiceWorker', () => {
  it('registers /sw.js for the whole origin in a production build', () => {
    vi.stubEnv('PROD', true)
    const register = fakeServiceWorker()
    registerServiceWorker() // jsdom's document has finished loading, so this registers at once
    expect(register).toHaveBeenCalledWith('/sw.js', { scope: '/' })
  })

  it('does nothing in development, where a cached shell would hide the dev server', () => {
    vi.stubEnv('PROD', false)
    const register = fakeServiceWorker()
    registerServiceWorker()
    expect(register).not.toHaveBeenCalled()
  })

  it('does nothing in a browser without service workers', () => {
    vi.stubEnv('PROD', true)
    expect(() => registerServiceWorker()).not.toThrow()
  })
})
