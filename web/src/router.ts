// Client routes. The first screen is in the main bundle; the account pages load on demand.
// Pages marked `auth` need a signed-in user; `guest` pages send a signed-in user home.
import { watch } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import ChatView from './views/ChatView.vue'
import { useSessionStore } from './stores/session'
import { rememberedUser } from './stores/cache'
import { locale, t, type MessageKey } from './i18n'

declare module 'vue-router' {
  interface RouteMeta {
    auth?: boolean
    guest?: boolean
    title?: MessageKey // the page's name in the catalogs
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: ChatView, meta: { auth: true, title: 'titles.parley' } },
    {
      path: '/room/:room(\\d+)',
      name: 'room',
      component: ChatView,
      meta: { auth: true, title: 'titles.parley' },
    },
    {
      path: '/login',
      component: () => import('./views/LoginView.vue'),
      meta: { guest: true, title: 'titles.signIn' },
    },
    {
      path: '/register',
      component: () => import('./views/RegisterView.vue'),
      meta: { guest: true, title: 'titles.register' },
    },
    {
      path: '/forgot-password',
      component: () => import('./views/ForgotPasswordView.vue'),
      meta: { title: 'titles.forgotPassword' },
    },
    {
      path: '/reset-password',
      component: () => import('./views/ResetPasswordView.vue'),
      meta: { title: 'titles.newPassword' },
    },
    {
      path: '/confirm-email',
      component: () => import('./views/ConfirmEmailView.vue'),
      meta: { title: 'titles.confirmEmail' },
    },
    {
      path: '/profile',
      component: () => import('./views/ProfileView.vue'),
      meta: { auth: true, title: 'titles.profile' },
    },
    {
      path: '/settings',
      component: () => import('./views/SettingsView.vue'),
      meta: { auth: true, title: 'titles.settings' },
    },
    {
      path: '/sessions',
      component: () => import('./views/SessionsView.vue'),
      meta: { auth: true, title: 'titles.sessions' },
    },
    {
      path: '/admin',
      component: () => import('./views/AdminView.vue'),
      meta: { auth: true, title: 'titles.admin' },
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
  if (to.meta.guest && session.signedIn) {
    // A provider that could not be linked sends the browser back to the sign-in page with the
    // reason: the signed-in user reads it where they started, on the profile.
    const oidcError = to.query.oidc_error
    if (to.path === '/login' && oidcError) return { path: '/profile', query: { oidc_error: oidcError } }
    return { path: '/' }
  }
  return true
})

// The window's title names the page in the current language (the chat sets its own, with unread).
function setTitle(key: MessageKey | undefined): void {
  document.title = key && key !== 'titles.parley' ? t('titles.page', { page: t(key) }) : t('titles.parley')
}
router.afterEach((to) => setTitle(to.meta.title))
watch(locale, () => {
  const { meta, name } = router.currentRoute.value
  if (name !== 'home' && name !== 'room') setTitle(meta.title)
})
