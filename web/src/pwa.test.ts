import { afterEach, describe, expect, it, vi } from 'vitest'
import { registerServiceWorker } from './pwa'
import { router } from './router'

function fakeServiceWorker(): ReturnType<typeof vi.fn> {
  const register = vi.fn(() => Promise.resolve())
  Object.defineProperty(navigator, 'serviceWorker', {
    value: { register, addEventListener: vi.fn() },
    configurable: true,
  })
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

  it('shows the room a notification’s click asks for, in the app itself', () => {
    vi.stubEnv('PROD', true)
    const listen = vi.fn()
    Object.defineProperty(navigator, 'serviceWorker', {
      value: { register: vi.fn(() => Promise.resolve()), addEventListener: listen },
      configurable: true,
    })
    const push = vi.spyOn(router, 'push').mockResolvedValue(undefined)
    registerServiceWorker()
    const [type, onMessage] = listen.mock.calls[0] as [string, (e: { data: unknown }) => void]
    expect(type).toBe('message')
    onMessage({ data: { type: 'parley:open', url: '/room/7' } })
    onMessage({ data: { type: 'parley:open', url: 'https://evil.example/' } })
    expect(push.mock.calls).toEqual([['/room/7']])
    push.mockRestore()
  })
})
