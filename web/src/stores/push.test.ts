// Web Push on this device: the settings' states (unsupported, denied, off, on) and each move between
// them, against a fake push manager and a fake server.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fakeFetch } from './fake-fetch'
import { usePushStore, type PushDevice } from './push'

const KEY = 'BPwv9PjYp3Qy2WZyHyo0l4oUKq5bUlXhNbr4Q2qCk2x2TTf6w4Z3bWrOCxBq0h2Yw0F2V2QmF9c0z8n2V1r2m9s'
const keyBytes = (key: string) =>
  Uint8Array.from(atob(key.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer

class FakeSubscription {
  unsubscribed = false
  constructor(
    readonly endpoint: string,
    readonly key = KEY,
  ) {}
  get options() {
    return { userVisibleOnly: true, applicationServerKey: keyBytes(this.key) }
  }
  toJSON() {
    return { endpoint: this.endpoint, expirationTime: null, keys: { p256dh: 'P256', auth: 'AUTH' } }
  }
  unsubscribe = vi.fn(async () => {
    this.unsubscribed = true
    browser.subscription = null
    return true
  })
}

// What the browser holds: its permission, its subscription, and whether it has a push service.
const browser = {
  permission: 'default' as NotificationPermission,
  answer: 'granted' as NotificationPermission, // to the permission prompt
  subscription: null as FakeSubscription | null,
  pushService: true,
}
const pushManager = {
  getSubscription: vi.fn(async () => browser.subscription),
  subscribe: vi.fn(async (options: PushSubscriptionOptionsInit) => {
    if (!browser.pushService)
      throw new DOMException('Registration failed - push service not available', 'AbortError')
    browser.subscription = new FakeSubscription(
      'https://push.example/send/new',
      String(options.applicationServerKey),
    )
    return browser.subscription
  }),
}
const requestPermission = vi.fn(async () => (browser.permission = browser.answer))

function installBrowser(): void {
  Object.defineProperty(navigator, 'serviceWorker', {
    value: { ready: Promise.resolve({ pushManager }) },
    configurable: true,
  })
  vi.stubGlobal('PushManager', class {})
  vi.stubGlobal('Notification', {
    get permission() {
      return browser.permission
    },
    requestPermission,
  })
}

const device = (id: number, endpoint: string): PushDevice => ({
  id,
  endpoint,
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0',
  created_at: 1,
})

describe('Web Push on this device', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    Object.assign(browser, {
      permission: 'default',
      answer: 'granted',
      subscription: null,
      pushService: true,
    })
    vi.clearAllMocks()
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    Reflect.deleteProperty(navigator, 'serviceWorker')
  })

  it('is unsupported without the Push API, yet lists the account’s devices', async () => {
    const server = fakeFetch()
    server.answer(200, { devices: [device(1, 'https://push.example/a')] })
    const push = usePushStore()
    await push.refresh()
    expect(push.state).toBe('unsupported')
    expect(push.devices.map((d) => d.id)).toEqual([1])
  })

  it('is off at first; turning on asks permission, subscribes with the server’s key and registers', async () => {
    installBrowser()
    const server = fakeFetch()
    server.answer(200, { devices: [] })
    const push = usePushStore()
    await push.refresh()
    expect(push.state).toBe('off')

    server.answer(200, { key: KEY })
    server.answer(201, { device: device(5, 'https://push.example/send/new') })
    server.answer(200, { devices: [device(5, 'https://push.example/send/new')] })
    await push.turnOn()
    expect(requestPermission).toHaveBeenCalledOnce()
    expect(pushManager.subscribe).toHaveBeenCalledWith({ userVisibleOnly: true, applicationServerKey: KEY })
    expect(server.calls.slice(1).map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/push/key',
      'POST /api/push/subscriptions',
      'GET /api/push/subscriptions',
    ])
    expect(server.calls[2]!.body).toEqual({
      endpoint: 'https://push.example/send/new',
      expirationTime: null,
      keys: { p256dh: 'P256', auth: 'AUTH' },
    })
    expect(push.state).toBe('on')
    expect(push.endpoint).toBe('https://push.example/send/new')
    expect(push.error).toBeNull()
  })

  it('is on after a reload when the server knows this browser’s subscription, off when it does not', async () => {
    installBrowser()
    browser.permission = 'granted'
    browser.subscription = new FakeSubscription('https://push.example/mine')
    const server = fakeFetch()
    server.answer(200, { devices: [device(2, 'https://push.example/mine')] })
    const push = usePushStore()
    await push.refresh()
    expect(push.state).toBe('on')
    server.answer(200, { devices: [device(3, 'https://push.example/other')] })
    await push.refresh()
    expect(push.state).toBe('off') // removed from another device
  })

  it('says denied when notifications are blocked, and does not subscribe', async () => {
    installBrowser()
    browser.answer = 'denied'
    const server = fakeFetch()
    const push = usePushStore()
    await push.turnOn()
    expect(push.state).toBe('denied')
    expect(pushManager.subscribe).not.toHaveBeenCalled()
    expect(server.calls).toEqual([])
    server.answer(200, { devices: [] })
    await push.refresh()
    expect(push.state).toBe('denied')
  })

  it('a dismissed prompt stays off with a note', async () => {
    installBrowser()
    browser.answer = 'default'
    fakeFetch()
    const push = usePushStore()
    await push.turnOn()
    expect(push.problem).toBe('dismissed')
    expect(pushManager.subscribe).not.toHaveBeenCalled()
  })

  it('a browser without a push service gets a clear problem, not the raw error', async () => {
    installBrowser()
    browser.pushService = false
    const server = fakeFetch()
    server.answer(200, { key: KEY })
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const push = usePushStore()
    await push.turnOn()
    expect(push.state).toBe('off')
    expect(push.problem).toBe('no-service')
    expect(push.error).toBeNull()
    expect(server.calls.map((c) => c.path)).toEqual(['/api/push/key']) // nothing registered
  })

  it('replaces a subscription made with another server key', async () => {
    installBrowser()
    browser.permission = 'granted'
    const stale = new FakeSubscription('https://push.example/stale', 'AAAA')
    browser.subscription = stale
    const server = fakeFetch()
    server.answer(200, { key: KEY })
    server.answer(201, { device: device(6, 'https://push.example/send/new') })
    server.answer(200, { devices: [] })
    const push = usePushStore()
    await push.turnOn()
    expect(stale.unsubscribed).toBe(true)
    expect(pushManager.subscribe).toHaveBeenCalledOnce()
    expect(push.state).toBe('on')
  })

  it('a server refusal shows its message, stays off and drops the unused subscription', async () => {
    installBrowser()
    const server = fakeFetch()
    server.answer(200, { key: KEY })
    server.answer(409, { error: 'conflict', message: 'At most 20 devices' })
    const push = usePushStore()
    await push.turnOn()
    expect(push.error).toBe('At most 20 devices')
    expect(push.state).not.toBe('on')
    expect(browser.subscription).toBeNull()
  })

  it('turning off forgets this device on the server, then unsubscribes', async () => {
    installBrowser()
    browser.permission = 'granted'
    const mine = new FakeSubscription('https://push.example/mine')
    browser.subscription = mine
    const server = fakeFetch()
    server.answer(200, {
      devices: [device(2, 'https://push.example/mine'), device(3, 'https://push.example/b')],
    })
    const push = usePushStore()
    await push.refresh()
    server.answer(204)
    server.answer(200, { devices: [device(3, 'https://push.example/b')] })
    await push.turnOff()
    expect(server.calls[1]).toMatchObject({ method: 'DELETE', path: '/api/push/subscriptions/2' })
    expect(mine.unsubscribed).toBe(true)
    expect(push.state).toBe('off')
    expect(push.devices.map((d) => d.id)).toEqual([3])
  })

  it('a failed turn-off stays on', async () => {
    installBrowser()
    browser.permission = 'granted'
    browser.subscription = new FakeSubscription('https://push.example/mine')
    const server = fakeFetch()
    server.answer(200, { devices: [device(2, 'https://push.example/mine')] })
    const push = usePushStore()
    await push.refresh()
    server.answer(500, { error: 'internal', message: 'Try later' })
    await push.turnOff()
    expect(push.state).toBe('on')
    expect(push.error).toBe('Try later')
    expect(browser.subscription).not.toBeNull()
  })

  it('removes another device, and sends a test notification', async () => {
    installBrowser()
    const server = fakeFetch()
    server.answer(200, { devices: [device(3, 'https://push.example/b')] })
    const push = usePushStore()
    await push.refresh()
    server.answer(204)
    server.answer(200, { devices: [] })
    await push.remove(push.devices[0]!)
    expect(server.calls[1]).toMatchObject({ method: 'DELETE', path: '/api/push/subscriptions/3' })
    expect(push.devices).toEqual([])
    server.answer(202, { devices: 2 })
    await push.sendTest()
    expect(server.calls[3]).toMatchObject({ method: 'POST', path: '/api/push/test' })
    expect(push.testSent).toBe(2)
  })
})
