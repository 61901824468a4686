// @vitest-environment jsdom
// The register page follows the server's registration mode: a form when anyone may register, a
// word about invitations when one is needed and none was given, a preview of the invitation in the
// address (sent with the form), a clear message for a link that no longer works, nothing for closed.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import RegisterView from './RegisterView.vue'
import { fakeFetch } from '../stores/fake-fetch'
import { useSessionStore, type RegistrationMode } from '../stores/session'

async function open(mode: RegistrationMode, path: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/register', component: RegisterView },
      { path: '/login', component: { template: '<p>login</p>' } },
      { path: '/', component: { template: '<p>home</p>' } },
      { path: '/room/:room', name: 'room', component: { template: '<p>room</p>' } },
    ],
  })
  await router.push(path)
  useSessionStore().registration = mode
  const w = mount(RegisterView, { global: { plugins: [router] } })
  await flushPromises()
  return { w, router }
}

const preview = {
  code: 'k1',
  inviter: { username: 'alice', display_name: 'Alice' },
  rooms: [{ id: 7, name: 'design' }],
  expires_at: 0,
}

describe('RegisterView', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('shows the form when registration is open', async () => {
    fakeFetch()
    const { w } = await open('open', '/register')
    expect(w.find('form').exists()).toBe(true)
  })

  it('says an invitation is needed, with no form, when there is no code', async () => {
    fakeFetch()
    const { w } = await open('invite', '/register')
    expect(w.text()).toContain('needs an invitation')
    expect(w.find('form').exists()).toBe(false)
  })

  it('says registration is closed, and does not look at the link', async () => {
    const server = fakeFetch()
    const { w } = await open('closed', '/register?invite=k1')
    expect(w.text()).toContain('Registration is closed')
    expect(w.find('form').exists()).toBe(false)
    expect(server.calls).toEqual([])
  })

  it('previews the invitation, sends its code and opens its room', async () => {
    const server = fakeFetch()
    server.answer(200, { invite: preview })
    const { w, router } = await open('invite', '/register?invite=k1')
    expect(server.calls[0]?.path).toBe('/api/invites/k1')
    expect(w.text()).toContain('Alice invited you to join #design.')
    server.answer(201, { user: { id: 3 }, settings: null })
    await w.find('input[autocomplete="username"]').setValue('dana')
    await w.find('input[type="password"]').setValue('a fine long secret')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(server.calls[1]).toEqual({
      method: 'POST',
      path: '/api/auth/register',
      body: { username: 'dana', password: 'a fine long secret', invite: 'k1' },
    })
    expect(router.currentRoute.value.fullPath).toBe('/room/7')
  })

  it('says so when the link cannot be used', async () => {
    const server = fakeFetch()
    server.answer(404, { error: 'not_found', message: 'This invitation has expired' })
    const { w } = await open('invite', '/register?invite=old')
    expect(w.find('[role="alert"]').text()).toContain('cannot be used')
    expect(w.find('form').exists()).toBe(false)
  })
})
