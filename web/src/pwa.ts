// Registers the service worker (src/sw.ts, built to /sw.js) that lets the installed app start offline
// and shows Web Push notifications; a click on one asks an open window to show its room (below).
// Production builds only: the dev server has no sw.js and must never be shadowed by a cached shell.
import { openRequest } from './notify/push'
import { router } from './router'

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<unknown>) => {
    const url = openRequest(event.data)
    if (url) void router.push(url)
  })
  const register = (): void => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => {
      console.warn('service worker registration failed', error)
    })
  }
  // After load, so installing (which fetches the shell again) never competes with the first screen.
  if (document.readyState === 'complete') register()
  else window.addEventListener('load', register, { once: true })
}
