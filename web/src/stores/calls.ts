// Calls as the app sees them: the call running in each room (from `call_state`, and `calls` after
// every hello, since call_state is not replayed), whether one rings this tab, and this tab's own
// call. The call itself (media, peer connections) is rtc/session.ts, loaded only when one starts.
import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef, watch } from 'vue'
import type { CallInfo, ServerFrame } from '../protocol/frames'
import type { CallSession } from '../rtc/session'
import { useChatStore } from './chat'
import { useConnectionStore } from './connection'
import { useSessionStore } from './session'

// A tab rings when the call rings its user and none of that user's tabs is in it yet.
export function ringsMe(call: CallInfo, me: number | undefined): boolean {
  return me !== undefined && call.ringing.includes(me) && !call.peers.some((p) => p.user === me)
}

// The call this tab is in, kept in sessionStorage (per tab, kept across a reload).
interface RememberedCall {
  room: number
  audio: boolean
  video: boolean
  user: number
}
const CALL_KEY = 'parley.call'
function rememberCall(c: RememberedCall): void {
  try {
    sessionStorage.setItem(CALL_KEY, JSON.stringify(c))
  } catch {
    // storage refused: a reload then leaves the call
  }
}
function forgetCall(): void {
  try {
    sessionStorage.removeItem(CALL_KEY)
  } catch {
    // nothing kept
  }
}
export function rememberedCall(): RememberedCall | null {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(CALL_KEY) ?? 'null')
    if (typeof v !== 'object' || v === null) return null
    const o = v as Record<string, unknown>
    if (typeof o.room !== 'number' || typeof o.user !== 'number') return null
    return { room: o.room, user: o.user, audio: o.audio !== false, video: o.video === true }
  } catch {
    return null
  }
}

export const useCallsStore = defineStore('calls', () => {
  const connection = useConnectionStore()
  const chat = useChatStore()
  const session = useSessionStore()
  const running = reactive(new Map<number, CallInfo>())
  const active = shallowRef<CallSession | null>(null)
  const lobby = ref<number | null>(null) // the room whose pre-join lobby is open
  const message = ref<{ room: number; text: string; error: boolean } | null>(null)
  const declined = reactive(new Set<string>()) // call ids this tab said no to
  const ringing = computed(() =>
    [...running.values()].filter((c) => ringsMe(c, chat.me?.id) && !declined.has(c.id)),
  )

  async function refresh(): Promise<void> {
    const f = await connection.request({ type: 'calls' }).catch(() => null)
    if (f?.type !== 'calls') return
    running.clear()
    for (const c of f.calls) running.set(c.room, c)
    if (active.value) active.value.resume(running.get(active.value.room))
    else rejoinAfterReload()
  }

  // This tab was in a call when it was reloaded (or crashed): it joins again, as a new peer that
  // takes the place of its old one, while the server still holds that one (the grace period).
  function rejoinAfterReload(): void {
    const was = rememberedCall()
    forgetCall()
    const me = chat.me?.id
    if (!was || was.user !== me) return
    const call = running.get(was.room)
    if (call?.peers.some((p) => p.user === me)) void join(was.room, was)
  }

  function handle(f: ServerFrame): void {
    const s = active.value
    if (f.type === 'hello') void refresh()
    else if (f.type === 'call_state') {
      if (f.call) running.set(f.room, f.call)
      else running.delete(f.room)
      s?.onState(f.room, f.call)
    } else if (f.type === 'call_joined') running.set(f.room, f.call)
    else if (f.type === 'call_signal') s?.onSignal(f)
    else if (f.type === 'call_dropped') s?.onDropped(f)
  }

  // Joins the room's call, or starts one; a call this tab is in elsewhere is left first.
  async function join(room: number, media: { audio: boolean; video: boolean }): Promise<void> {
    hangUp()
    lobby.value = null
    message.value = null
    const { CallSession } = await import('../rtc/session')
    const s = new CallSession(room, media, {
      user: chat.me?.id ?? 0,
      send: connection.send,
      request: connection.request,
      prefs: () => {
        const p = session.settings
        return {
          camera: p?.call_camera ?? '',
          microphone: p?.call_microphone ?? '',
          speaker: p?.call_speaker ?? '',
        }
      },
    })
    s.onEnd = (text, error) => {
      if (active.value === s) active.value = null
      forgetCall()
      if (text) message.value = { room, text, error }
    }
    active.value = s
    rememberCall({ room, audio: media.audio, video: media.video, user: chat.me?.id ?? 0 })
    await s.start()
  }

  function hangUp(): void {
    active.value?.leave()
    active.value = null
    forgetCall()
  }

  function decline(room: number): void {
    const id = running.get(room)?.id
    if (id) declined.add(id)
    void connection.request({ type: 'call_decline', room }).catch(() => undefined)
  }

  // Another user signed in (or nobody): their calls are not ours.
  watch(
    () => chat.me?.id,
    (_, before) => {
      if (active.value) hangUp()
      // Signing in (from nobody) keeps what a reloaded tab remembers; another user forgets it.
      if (before !== undefined) forgetCall()
      running.clear()
    },
  )
  connection.onFrame(handle)

  return { running, active, lobby, message, ringing, join, hangUp, decline, handle }
})
