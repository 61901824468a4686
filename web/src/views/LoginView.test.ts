// @vitest-environment jsdom
// The sign-in page: a button per OpenID provider the server offers, and the error a provider's
// sign-in came back with, shown as text and taken out of the address.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import LoginView from './LoginView.vue'
import { fakeFetch } from '../stores/fake-fetch'

async function open(path: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', component: LoginView },
      { path: '/', component: { template: '<p>home</p>' } },
      { path: '/register', component: { template: '<p>register</p>' } },
      { path: '/forgot-password', component: { template: '<p>forgot</p>' } },
    ],
  })
  await router.push(path)
  const w = mount(LoginView, { global: { plugins: [router] } })
  await flushPromises()
  return { w, router }
}

describe('LoginView and OpenID providers', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('offers one button per provider, which goes to its start URL', async () => {
    const server = fakeFetch()
    server.answer(200, { providers: [{ id: 'local', name: 'Local ID' }] })
    const assign = vi.fn()
    vi.stubGlobal('location', { ...window.location, assign })
    const { w } = await open('/login')
    const button = w.findAll('button').find((b) => b.text() === 'Continue with Local ID')
    expect(button).toBeDefined()
    await button!.trigger('click')
    expect(assign).toHaveBeenCalledWith('/api/auth/oidc/local/start')
  })

  it('shows no provider buttons when the server has none', async () => {
    const server = fakeFetch()
    server.answer(200, { providers: [] })
    const { w } = await open('/login')
    expect(w.text()).not.toContain('Continue with')
  })

  it('shows the error as text and takes it out of the address', async () => {
    const server = fakeFetch()
    server.answer(200, { providers: [] })
    const { w, router } = await open('/login?oidc_error=%3Cb%3Ewrong%3C%2Fb%3E+nonce&next=%2Froom%2F2')
    const alert = w.get('[role="alert"]')
    expect(alert.text()).toContain('<b>wrong</b> nonce')
    expect(alert.find('b').exists()).toBe(false)
    expect(router.currentRoute.value.query).toEqual({ next: '/room/2' })
  })
})
