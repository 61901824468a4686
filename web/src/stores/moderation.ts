// Room moderation (docs/protocol.md, `pin`, `unpin`, `pins`, `mute_member`): the pinned messages of
// the rooms shown (asked once per room per connection, then kept from `pinned` events), the room
// whose pinned messages are open beside it, pinning, and muting members. The caller's own mute is
// the room's `muted_until`, which `member_muted` events about them move.
import { defineStore } from 'pinia'
import { computed, reactive, ref, watch, type ComputedRef } from 'vue'
import type { ChatEvent, ServerFrame } from '../protocol/frames'
import { useChatStore } from './chat'
import { useConnectionStore } from './connection'
import { mutesFrom } from './moderationRules'

export const useModerationStore = defineStore('moderation', () => {
  const connection = useConnectionStore()
  const chat = useChatStore()
  const pins = reactive(new Map<number, ChatEvent[]>()) // room → pinned messages, latest pinned first
  const asked = new Set<number>() // rooms whose pins were asked for on this connection
  const panel = ref<number | null>(null) // the room whose pinned messages are shown beside it

  async function loadPins(room: number): Promise<void> {
    asked.add(room)
    const f = await connection.request({ type: 'pins', room }).catch(() => null)
    if (f?.type === 'pins') pins.set(room, f.items)
    else asked.delete(room)
  }

  function isPinned(room: number, id: number | undefined): boolean {
    return id !== undefined && !!pins.get(room)?.some((m) => m.id === id)
  }

  async function setPinned(id: number, on: boolean): Promise<void> {
    await connection.request({ type: on ? 'pin' : 'unpin', id })
  }

  // `minutes` 0 unmutes.
  async function mute(room: number, user: number, minutes: number): Promise<void> {
    await connection.request({ type: 'mute_member', room, user, minutes })
  }

  // The mutes of the room's members its loaded log tells of (the members list does not carry them):
  // read once per change of the log, however many members ask.
  const mutes = new Map<number, ComputedRef<Map<number, number | null>>>()
  function mutesIn(room: number): Map<number, number | null> {
    let list = mutes.get(room)
    if (!list) {
      list = computed(() => mutesFrom(chat.timelines.get(room)?.liveRun().items ?? []))
      mutes.set(room, list)
    }
    return list.value
  }

  function openPanel(room: number): void {
    panel.value = room
    chat.closeThread()
    if (!asked.has(room)) void loadPins(room)
  }

  // A pin shows in the list at once when the message is loaded here; else the list is asked again.
  function onPinned(room: number, e: ChatEvent): void {
    const list = pins.get(room)
    if (!list || e.id === undefined) return
    const rest = list.filter((m) => m.id !== e.id)
    if (!e.on) return void pins.set(room, rest)
    const message = chat.timelines.get(room)?.items.find((m) => m.kind === 'message' && m.id === e.id)
    if (message) pins.set(room, [message, ...rest])
    else void loadPins(room)
  }

  function handle(frame: ServerFrame): void {
    if (frame.type !== 'event') return
    const e = frame.event
    if (e.kind === 'pinned') onPinned(frame.room, e)
    if (e.kind === 'member_muted' && e.target === chat.me?.id) {
      const r = chat.rooms.get(frame.room)
      if (r) r.muted_until = e.until ?? null
    }
  }
  connection.onFrame(handle)

  // Asked for the room shown (its messages carry a pin mark), again after every reconnect: the
  // events missed meanwhile come back through `sync`, which does not pass here.
  watch(
    () => [chat.currentRoom, connection.state] as const,
    ([room, state]) => {
      if (state !== 'online') return asked.clear()
      if (room !== null && !asked.has(room)) void loadPins(room)
    },
    { immediate: true },
  )
  // Another panel (a thread) takes the place beside the room.
  watch(
    () => chat.thread,
    (t) => {
      if (t) panel.value = null
    },
  )

  return { pins, panel, loadPins, isPinned, setPinned, mute, mutesIn, openPanel }
})
