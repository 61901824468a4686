// Entry point: the remembered theme first (no flash), the language (its catalog loaded before the
// first paint, so a German page never flashes English), then Pinia, the router and the app shell.
// The tab's one WebSocket is open while someone is signed in.
import { createApp, watch } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { useCallsStore } from './stores/calls'
import { useChatStore } from './stores/chat'
import { useConnectionStore } from './stores/connection'
import { useSessionStore } from './stores/session'
import { useUploadsStore } from './stores/uploads'
import { registerServiceWorker } from './pwa'
import { startNotifications } from './notify/start'
import { applyTheme, rememberedTheme } from './stores/theme'
import { applyLanguage, rememberedLanguage } from './i18n'
import './theme.css'
import { installEmojiCopy } from './emoji/copy'

applyTheme(rememberedTheme())
await applyLanguage(rememberedLanguage())
const app = createApp(App)
app.use(createPinia())
app.use(router)
app.mount('#app')
registerServiceWorker()
installEmojiCopy()

const session = useSessionStore()
const connection = useConnectionStore()
useChatStore() // listens to the socket from the start
useCallsStore() // the calls running in my rooms, and the one ringing me
useUploadsStore() // resumes the uploads a reload interrupted, once the socket is up
startNotifications()
// The server ended this sign-in (sign-out elsewhere, password change): ask who we are now.
connection.onSignedOut(() => {
  void session.load().then(() => {
    if (session.signedIn) connection.connect()
    else void router.push('/login')
  })
})
// Started with the server unreachable: ask again until it answers (then the socket opens).
let retry = 2000
function retryLoad(): void {
  if (!session.unreachable || session.loaded) return
  setTimeout(() => {
    session
      .load()
      .catch(() => undefined)
      .finally(() => {
        retry = Math.min(retry * 2, 30_000)
        retryLoad()
      })
  }, retry)
}
watch(
  () => session.unreachable,
  (unreachable) => unreachable && retryLoad(),
  { immediate: true },
)
// Started from the cached session: the socket reaching the server is the sign to ask at once.
watch(
  () => connection.state,
  (state) => {
    if (state === 'online' && !session.loaded) void session.load().catch(() => undefined)
  },
)
watch(
  () => session.signedIn,
  (signedIn) => {
    if (signedIn) return connection.connect()
    connection.disconnect()
    // Back online but no longer signed in (e.g. after showing the cached chat): to the sign-in.
    if (session.loaded && router.currentRoute.value.meta.auth) void router.push('/login')
  },
  { immediate: true },
)
