// @vitest-environment jsdom
// The health tab asks again every 10 s while the page is on screen, not while it is hidden, and
// stops once the tab is left.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import AdminHealth from './AdminHealth.vue'
import { fakeFetch } from '../../stores/fake-fetch'
import { HEALTH_EVERY_MS } from '../../stores/admin'

const health = {
  version: '0.3.0',
  uptime_s: 3700,
  connections: 4,
  users_online: 3,
  messages_last_hour: 12,
  users: 9,
  rooms: 2,
  database_bytes: 2048,
  files_bytes: 0,
}

function setVisibility(v: 'visible' | 'hidden'): void {
  Object.defineProperty(document, 'visibilityState', { value: v, configurable: true })
  document.dispatchEvent(new Event('visibilitychange'))
}

describe('AdminHealth', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.useFakeTimers()
    setVisibility('visible')
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('shows the numbers and refreshes them every 10 s while visible', async () => {
    const server = fakeFetch()
    for (let i = 0; i < 4; i++) server.answer(200, health)
    const w = mount(AdminHealth)
    await flushPromises()
    expect(w.text()).toContain('People online')
    expect(w.text()).toContain('1 h 1 min')
    expect(server.calls).toHaveLength(1)
    vi.advanceTimersByTime(HEALTH_EVERY_MS)
    await flushPromises()
    expect(server.calls).toHaveLength(2)
    setVisibility('hidden')
    vi.advanceTimersByTime(HEALTH_EVERY_MS * 3)
    await flushPromises()
    expect(server.calls).toHaveLength(2) // nothing asked while hidden
    setVisibility('visible') // back on screen: asked at once
    await flushPromises()
    expect(server.calls).toHaveLength(3)
    w.unmount()
    vi.advanceTimersByTime(HEALTH_EVERY_MS * 3)
    await flushPromises()
    expect(server.calls).toHaveLength(3)
    expect(server.calls.every((c) => c.path === '/api/admin/health')).toBe(true)
  })
})
