// Client routes. The first screen is in the main bundle; the account pages load on demand.
// Pages marked `auth` need a signed-in user; `guest` pages send a signed-in user home.
import { createRouter, createWebHistory } from 'vue-router'
import ChatView from './views/ChatView.vue'
import { useSessionStore } from './stores/session'
import { rememberedUser } from './stores/cache'

declare module 'vue-router' {
  interface RouteMeta {
    auth?: boolean
    guest?: boolean
    title?: string
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: ChatView, meta: { auth: true, title: 'Parley' } },
    { path: '/room/:room(\\d+)', name: 'room', component: ChatView, meta: { auth: true, title: 'Parley' } },
    {
      path: '/login',
      component: () => import('./views/LoginView.vue'),
      meta: { guest: true, title: 'Sign in' },
    },
    {
      path: '/register',
      component: () => import('./views/RegisterView.vue'),
      meta: { guest: true, title: 'Create an account' },
    },
    {
      path: '/forgot-password',
      component: () => import('./views/ForgotPasswordView.vue'),
      meta: { title: 'Forgot password' },
    },
    {
      path: '/reset-password',
      component: () => import('./views/ResetPasswordView.vue'),
      meta: { title: 'New password' },
    },
    {
      path: '/confirm-email',
      component: () => import('./views/ConfirmEmailView.vue'),
      meta: { title: 'Confirm e-mail' },
    },
    {
      path: '/profile',
      component: () => import('./views/ProfileView.vue'),
      meta: { auth: true, title: 'Profile' },
    },
    {
      path: '/settings',
      component: () => import('./views/SettingsView.vue'),
      meta: { auth: true, title: 'Settings' },
    },
    {
      path: '/sessions',
      component: () => import('./views/SessionsView.vue'),
      meta: { auth: true, title: 'Active sessions' },
    },
    {
      path: '/admin',
      component: () => import('./views/AdminView.vue'),
      meta: { auth: true, title: 'Administration' },
    },
    { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue') },
  ],
})

router.beforeEach(async (to) => {
  const session = useSessionStore()
  if (!session.loaded) {
    try {
      await session.load()
    } catch {
      // Offline or server down: let the page render; its actions will report the error.
    }
  }
  // Server unreachable at start: whoever used this browser last sees their cached chat.
  const offlineUser = session.unreachable && rememberedUser() !== null
  if (to.meta.auth && !session.signedIn && !offlineUser)
    return { path: '/login', query: to.path === '/' ? {} : { next: to.fullPath } }
  if (to.meta.guest && session.signedIn) return { path: '/' }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title && to.meta.title !== 'Parley' ? `${to.meta.title} · Parley` : 'Parley'
})
