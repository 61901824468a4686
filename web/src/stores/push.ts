// Web Push on this device (docs/api.md, "Web Push"): whether this browser can receive it, turning it
// on (permission → the push service's subscription with the server's VAPID key → the server) and
// off, the account's devices, and a test notification. Loaded with the Settings page only.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '../connection/http'
import { failure } from './errors'

// unsupported: no service worker, Push API or notifications here (or a development build, which
// registers no worker); denied: the user blocked notifications for this site.
export type PushState = 'checking' | 'unsupported' | 'denied' | 'off' | 'on'
// no-service: the browser has the API but no push service to subscribe with (Chromium built without
// Google's keys, as Debian's is); dismissed: the permission prompt was closed without an answer.
export type PushProblem = 'no-service' | 'dismissed' | null

export interface PushDevice {
  id: number
  endpoint: string
  user_agent: string
  created_at: number
}

// How long to wait for the service worker to be active before calling push unavailable.
const READY_MS = 5000

function supported(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    'serviceWorker' in navigator &&
    typeof window !== 'undefined' &&
    'PushManager' in window &&
    typeof Notification !== 'undefined'
  )
}

async function registration(): Promise<ServiceWorkerRegistration | null> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<null>((ok) => (timer = setTimeout(() => ok(null), READY_MS)))
  try {
    return await Promise.race([navigator.serviceWorker.ready, late])
  } finally {
    clearTimeout(timer)
  }
}

function base64url(bytes: ArrayBuffer): string {
  let s = ''
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export const usePushStore = defineStore('push', () => {
  const state = ref<PushState>('checking')
  const problem = ref<PushProblem>(null)
  const error = ref<string | null>(null) // the server's refusal, as it said it
  const busy = ref(false)
  const devices = ref<PushDevice[]>([])
  const endpoint = ref<string | null>(null) // this browser's subscription, when it has one
  const testSent = ref<number | null>(null) // devices the last test went to

  async function loadDevices(): Promise<void> {
    devices.value = (await api<{ devices: PushDevice[] }>('GET', '/api/push/subscriptions')).devices
  }

  // One action at a time; a failure shows as `error` and leaves the state as it was.
  async function run(action: () => Promise<void>): Promise<void> {
    busy.value = true
    error.value = null
    problem.value = null
    testSent.value = null
    try {
      await action()
    } catch (e) {
      error.value = failure(e)
    } finally {
      busy.value = false
    }
  }

  // Reads where this device stands: on only when the browser holds a subscription the server knows.
  async function refresh(): Promise<void> {
    await run(async () => {
      await loadDevices() // the account's other devices can be removed from any browser
      const reg = supported() ? await registration() : null
      if (!reg) {
        state.value = 'unsupported'
        return
      }
      const sub = await reg.pushManager.getSubscription()
      endpoint.value = sub?.endpoint ?? null
      if (Notification.permission === 'denied') state.value = 'denied'
      else
        state.value =
          sub &&
          Notification.permission === 'granted' &&
          devices.value.some((d) => d.endpoint === sub.endpoint)
            ? 'on'
            : 'off'
    })
  }

  // Called from the user's click: the permission prompt needs one.
  async function turnOn(): Promise<void> {
    await run(async () => {
      const permission =
        Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission()
      if (permission === 'denied') {
        state.value = 'denied'
        return
      }
      if (permission !== 'granted') {
        problem.value = 'dismissed'
        return
      }
      const reg = await registration()
      if (!reg) {
        state.value = 'unsupported'
        return
      }
      const { key } = await api<{ key: string }>('GET', '/api/push/key')
      let sub = await reg.pushManager.getSubscription()
      // A subscription made with another key (the server's was replaced) cannot be reused.
      const old = sub?.options.applicationServerKey
      if (sub && old && base64url(old) !== key) {
        await sub.unsubscribe()
        sub = null
      }
      if (!sub) {
        try {
          sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key })
        } catch (e) {
          // Chromium without a push service rejects with an AbortError ("push service not available"):
          // the raw text means nothing to a user.
          console.warn('push: subscribe failed', e)
          problem.value = 'no-service'
          state.value = 'off'
          return
        }
      }
      try {
        await api('POST', '/api/push/subscriptions', { body: sub.toJSON() })
      } catch (e) {
        await sub.unsubscribe().catch(() => undefined) // the server will not send to it
        throw e
      }
      endpoint.value = sub.endpoint
      state.value = 'on'
      await loadDevices()
    })
  }

  // The server forgets this device first, so a failure leaves it on as shown.
  async function turnOff(): Promise<void> {
    await run(async () => {
      const reg = await registration()
      const sub = (await reg?.pushManager.getSubscription()) ?? null
      const mine = devices.value.find((d) => d.endpoint === (sub?.endpoint ?? endpoint.value))
      if (mine) await api('DELETE', `/api/push/subscriptions/${mine.id}`)
      await sub?.unsubscribe()
      endpoint.value = null
      state.value = 'off'
      await loadDevices()
    })
  }

  async function remove(device: PushDevice): Promise<void> {
    if (device.endpoint === endpoint.value && state.value === 'on') return turnOff()
    await run(async () => {
      await api('DELETE', `/api/push/subscriptions/${device.id}`)
      await loadDevices()
    })
  }

  async function sendTest(): Promise<void> {
    await run(async () => {
      testSent.value = (await api<{ devices: number }>('POST', '/api/push/test')).devices
    })
  }

  return {
    state,
    problem,
    error,
    busy,
    devices,
    endpoint,
    testSent,
    refresh,
    turnOn,
    turnOff,
    remove,
    sendTest,
  }
})
