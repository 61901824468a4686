// The account across a start without the server: shown as cached, and a sign-out made offline
// that forgets it here at once and ends the sign-in on the server when it answers again.
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import { closeCacheForTests, loadSession, rememberedUser } from './cache'
import { useChatStore } from './chat'
import { useSessionStore, type Settings, type User } from './session'

const user = { id: 7, username: 'ann', display_name: 'Ann Admin', avatar_url: null } as User
const settings = { theme: 'dark', send_on: 'ctrl-enter' } as Settings
const signedIn = { csrf: 't', user, settings, guest_signin: false }
const signedOut = { csrf: 't', user: null, settings: null, guest_signin: false }

// The server, played by fetch: `answer` says what GET /api/session returns; null = unreachable.
let answer: object | null
let calls: string[]
function serve(): void {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init: { method: string }) => {
      calls.push(`${init.method} ${path}`)
      if (answer === null) throw new TypeError('Failed to fetch')
      if (path === '/api/session') return new Response(JSON.stringify(answer), { status: 200 })
      if (path === '/api/auth/logout') answer = signedOut
      return new Response(null, { status: 204 })
    }),
  )
}

// A page load: fresh stores, the session asked for.
async function start() {
  setActivePinia(createPinia())
  const session = useSessionStore()
  const chat = useChatStore()
  await session.load().catch(() => undefined)
  await vi.waitFor(() => expect(chat.cacheReady).toBe(true))
  return session
}

describe('the session without the server', () => {
  beforeEach(() => {
    closeCacheForTests()
    globalThis.indexedDB = new IDBFactory()
    localStorage.clear()
    calls = []
    serve()
  })
  afterEach(() => vi.unstubAllGlobals())

  it('shows the cached account when the server cannot be reached', async () => {
    answer = signedIn
    await start()
    await vi.waitFor(async () =>
      expect((await loadSession<typeof signedIn>(7))?.user.display_name).toBe('Ann Admin'),
    )

    answer = null
    const session = await start()
    expect(session.unreachable).toBe(true)
    expect(session.loaded).toBe(false)
    expect(session.signedIn).toBe(true)
    expect(session.user?.display_name).toBe('Ann Admin')
    expect(session.settings?.send_on).toBe('ctrl-enter')
  })

  it('forgets the account at a sign-out without the server, and ends the sign-in once it answers', async () => {
    answer = signedIn
    await start()
    await vi.waitFor(async () => expect(await loadSession(7)).not.toBeNull())
    answer = null
    const session = await start()
    await session.logout()
    await nextTick()
    expect(session.signedIn).toBe(false)
    expect(rememberedUser()).toBeNull()
    await vi.waitFor(async () => expect(await loadSession(7)).toBeNull())

    // Still offline, a reload shows nobody; then the server answers, still holding the sign-in.
    expect((await start()).signedIn).toBe(false)
    answer = signedIn
    calls = []
    const back = await start()
    expect(calls).toEqual(['GET /api/session', 'POST /api/auth/logout', 'GET /api/session'])
    expect(back.signedIn).toBe(false)
    expect(back.loaded).toBe(true)
  })

  it('lets go of this browser’s push subscription at a sign-out', async () => {
    const unsubscribe = vi.fn(async () => true)
    const pushManager = { getSubscription: vi.fn(async () => ({ unsubscribe })) }
    vi.stubGlobal('navigator', {
      ...navigator,
      serviceWorker: { getRegistration: vi.fn(async () => ({ pushManager })) },
    })
    answer = signedIn
    const session = await start()
    expect(unsubscribe).not.toHaveBeenCalled()
    await session.logout()
    expect(calls).toContain('POST /api/auth/logout')
    await vi.waitFor(() => expect(unsubscribe).toHaveBeenCalledOnce())
  })
})
