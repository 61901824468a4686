// Rooms and their timelines, kept by the seq rules (stores/timeline.ts); the outbox of messages
// not yet acknowledged, resent with their cid after a reconnect (the server keeps each once);
// presence and typing. Components call these actions; frames come from the connection store.
import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'
import type {
  ChatEvent,
  DirectoryEntry,
  FoundUser,
  Member,
  RoomSummary,
  ServerFrame,
  UserBrief,
} from '../protocol/frames'
import { CommandError, newCid, useConnectionStore, type Command } from './connection'
import { Timeline } from './timeline'

export interface OutboxEntry {
  cid: string
  room: number
  text: string
  reply_to?: number
  failed?: string // why the server refused it
}

const OUTBOX_KEY = 'parley.outbox'
const TYPING_MS = 5000

function loadOutbox(): OutboxEntry[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? '[]')
    return Array.isArray(v) ? (v as OutboxEntry[]) : []
  } catch {
    return []
  }
}

export const useChatStore = defineStore('chat', () => {
  const connection = useConnectionStore()
  const me = ref<UserBrief | null>(null)
  const rooms = reactive(new Map<number, RoomSummary>())
  const timelines = reactive(new Map<number, Timeline>())
  const currentRoom = ref<number | null>(null)
  const outbox = ref<OutboxEntry[]>(loadOutbox())
  const online = reactive(new Map<number, boolean>())
  const typing = reactive(new Map<number, Map<number, { username: string; until: number }>>())
  const members = reactive(new Map<number, Member[]>())
  const syncing = new Set<number>()
  const replyingTo = ref<ChatEvent | null>(null) // the message the composer answers
  const editing = ref<ChatEvent | null>(null) // the message the composer rewrites
  const quoting = ref<{ room: number; text: string } | null>(null) // text to add to the composer
  const thread = ref<{ room: number; parent: ChatEvent; replies: ChatEvent[] } | null>(null)

  const roomList = computed(() =>
    [...rooms.values()].filter((r) => !r.hidden).sort((a, b) => b.last_at - a.last_at),
  )
  const totalUnread = computed(() => [...rooms.values()].reduce((n, r) => n + r.unread, 0))

  function saveOutbox(): void {
    localStorage.setItem(OUTBOX_KEY, JSON.stringify(outbox.value))
  }

  function roomName(r: RoomSummary): string {
    if (r.kind === 'direct') return r.peer ? r.peer.display_name || r.peer.username : 'Direct'
    return r.name
  }

  async function sync(room: number): Promise<void> {
    if (syncing.has(room)) return
    const t = timelines.get(room)
    if (!t) return
    syncing.add(room)
    try {
      for (;;) {
        const f = await connection.request({ type: 'sync', room, after: t.last })
        if (f.type !== 'sync') return
        for (const e of f.events) t.apply(e)
        if (!f.more) return
      }
    } catch {
      // Offline or refused: the next hello syncs again.
    } finally {
      syncing.delete(room)
    }
  }

  // Loads a room's newest page, then catches up from the log.
  async function open(room: number): Promise<void> {
    currentRoom.value = room
    if (!timelines.has(room)) {
      const f = await connection.request({ type: 'history', room, limit: 50 })
      if (f.type !== 'history') return
      const t = new Timeline()
      const newest = f.items[0]?.seq ?? 0
      t.reset(f.items, f.more, newest)
      timelines.set(room, t)
      await sync(room)
    }
    markRead(room)
    void loadMembers(room)
  }

  async function loadOlder(room: number): Promise<void> {
    const t = timelines.get(room)
    const first = t?.items[0]
    if (!t || !t.hasOlder || !first) return
    const f = await connection.request({ type: 'history', room, before: first.seq, limit: 50 })
    if (f.type === 'history') t.prepend(f.items, f.more)
  }

  async function loadMembers(room: number): Promise<void> {
    const f = await connection.request({ type: 'members', room })
    if (f.type !== 'members') return
    members.set(room, f.members)
    for (const m of f.members) online.set(m.id, m.online)
  }

  function markRead(room: number): void {
    const r = rooms.get(room)
    const t = timelines.get(room)
    if (!r || !t) return
    if (r.unread > 0 || r.mentions > 0 || r.read_seq < t.last) {
      r.unread = 0
      r.mentions = 0
      r.read_seq = t.last
      connection.send({ type: 'read', room, seq: t.last })
    }
  }

  function flushOutbox(): void {
    for (const entry of outbox.value) {
      if (entry.failed) continue
      connection.send({
        type: 'post',
        cid: entry.cid,
        room: entry.room,
        text: entry.text,
        ...(entry.reply_to ? { reply_to: entry.reply_to } : {}),
      })
    }
  }

  // Queues a message: it shows as "sending…" until the server acknowledges it.
  function post(room: number, text: string, reply_to?: number): void {
    const entry: OutboxEntry = { cid: newCid(), room, text, ...(reply_to ? { reply_to } : {}) }
    outbox.value.push(entry)
    saveOutbox()
    connection.send({ type: 'post', cid: entry.cid, room, text, ...(reply_to ? { reply_to } : {}) })
  }

  function discard(cid: string): void {
    outbox.value = outbox.value.filter((e) => e.cid !== cid)
    saveOutbox()
  }

  async function command(c: Command): Promise<ServerFrame> {
    return connection.request(c)
  }

  async function edit(id: number, text: string): Promise<void> {
    await connection.request({ type: 'edit', id, text })
  }

  async function remove(id: number): Promise<void> {
    await connection.request({ type: 'delete', id })
  }

  async function react(id: number, emoji: string): Promise<void> {
    await connection.request({ type: 'react', id, emoji })
  }

  // The replies to a message, oldest first, for the thread panel.
  async function openThread(room: number, parent: ChatEvent): Promise<void> {
    if (parent.id === undefined) return
    const f = await connection.request({ type: 'thread', id: parent.id, limit: 100 })
    if (f.type !== 'thread') return
    thread.value = { room, parent, replies: [...f.items].reverse() }
  }

  function closeThread(): void {
    thread.value = null
  }

  // The caller's latest message in a room that can still be edited (for the Up arrow).
  function lastOwnMessage(room: number): ChatEvent | undefined {
    const items = timelines.get(room)?.items ?? []
    for (let i = items.length - 1; i >= 0; i--) {
      const m = items[i]
      if (m && m.kind === 'message' && m.user === me.value?.id && !m.deleted) return m
    }
    return undefined
  }

  async function createRoom(kind: 'channel' | 'private', name: string, topic = ''): Promise<number> {
    const f = await connection.request({ type: 'create_room', kind, name, topic })
    if (f.type !== 'ack' || f.room === undefined) throw new Error('Unexpected answer')
    await refreshRooms()
    return f.room
  }

  async function join(room: number): Promise<void> {
    await connection.request({ type: 'join', room })
    await refreshRooms()
  }

  async function openDirect(user: number): Promise<number> {
    const f = await connection.request({ type: 'direct', user })
    if (f.type !== 'ack' || f.room === undefined) throw new Error('Unexpected answer')
    await refreshRooms()
    return f.room
  }

  async function directory(query = ''): Promise<DirectoryEntry[]> {
    const f = await connection.request({ type: 'directory', query })
    return f.type === 'directory' ? f.rooms : []
  }

  async function findUsers(query: string): Promise<FoundUser[]> {
    const f = await connection.request({ type: 'users', query })
    return f.type === 'users' ? f.users : []
  }

  async function refreshRooms(): Promise<void> {
    const f = await connection.request({ type: 'rooms' })
    if (f.type === 'rooms') adoptRooms(f.rooms)
  }

  function adoptRooms(list: RoomSummary[]): void {
    const seen = new Set<number>()
    for (const r of list) {
      seen.add(r.id)
      rooms.set(r.id, r)
    }
    for (const id of [...rooms.keys()]) {
      if (!seen.has(id)) {
        rooms.delete(id)
        timelines.delete(id)
      }
    }
  }

  function typingIn(room: number): string[] {
    const now = Date.now()
    return [...(typing.get(room)?.values() ?? [])].filter((t) => t.until > now).map((t) => t.username)
  }

  let lastTypingSent = 0
  function sendTyping(room: number): void {
    const now = Date.now()
    if (now - lastTypingSent < 3000) return
    lastTypingSent = now
    connection.send({ type: 'typing', room })
  }

  function onEvent(room: number, e: ChatEvent): void {
    const r = rooms.get(room)
    if (!r) {
      void refreshRooms() // a room this client does not know yet: it was invited or made one
      return
    }
    r.last_seq = Math.max(r.last_seq, e.seq)
    r.last_at = Math.max(r.last_at, e.at)
    if (e.kind === 'renamed') {
      r.name = e.name ?? r.name
      r.topic = e.topic ?? r.topic
    }
    const gone =
      (e.kind === 'left' && e.user === me.value?.id) || (e.kind === 'removed' && e.target === me.value?.id)
    if (gone) {
      rooms.delete(room)
      timelines.delete(room)
      if (currentRoom.value === room) currentRoom.value = null
      return
    }
    const t = timelines.get(room)
    if (t && t.apply(e) === 'gap') void sync(room)
    const open = thread.value
    if (open && open.room === room && e.kind === 'message' && e.reply_to === open.parent.id) {
      open.replies.push(e)
    }
    if (e.kind === 'message' && e.user !== me.value?.id) {
      typing.get(room)?.delete(e.user)
      if (currentRoom.value === room && document.visibilityState === 'visible' && t) {
        markRead(room)
      } else {
        r.unread += 1
        if (me.value && e.mentions?.includes(me.value.id)) r.mentions += 1
      }
    }
  }

  function handle(frame: ServerFrame): void {
    switch (frame.type) {
      case 'hello':
        me.value = frame.user
        adoptRooms(frame.rooms)
        for (const room of timelines.keys()) void sync(room)
        flushOutbox()
        break
      case 'event':
        onEvent(frame.room, frame.event)
        break
      case 'ack':
        if (outbox.value.some((e) => e.cid === frame.cid)) discard(frame.cid)
        break
      case 'error': {
        const entry = frame.cid ? outbox.value.find((e) => e.cid === frame.cid) : undefined
        if (entry) {
          entry.failed = frame.message
          saveOutbox()
        }
        break
      }
      case 'presence':
        online.set(frame.user, frame.online)
        break
      case 'typing': {
        let map = typing.get(frame.room)
        if (!map) {
          map = new Map()
          typing.set(frame.room, map)
        }
        map.set(frame.user, { username: frame.username, until: Date.now() + TYPING_MS })
        break
      }
      case 'groups_changed':
        void refreshRooms()
        break
      case 'receipt':
      case 'pong':
      case 'rooms':
      case 'history':
      case 'sync':
      case 'members':
      case 'directory':
      case 'users':
      case 'thread':
        break
      default: {
        const unhandled: never = frame
        throw new Error(`unhandled frame ${JSON.stringify(unhandled)}`)
      }
    }
  }

  connection.onFrame(handle)

  return {
    me,
    rooms,
    timelines,
    currentRoom,
    outbox,
    online,
    members,
    roomList,
    totalUnread,
    roomName,
    open,
    loadOlder,
    post,
    discard,
    command,
    createRoom,
    join,
    openDirect,
    directory,
    findUsers,
    refreshRooms,
    typingIn,
    sendTyping,
    markRead,
    handle,
    replyingTo,
    editing,
    quoting,
    thread,
    edit,
    remove,
    react,
    openThread,
    closeThread,
    lastOwnMessage,
  }
})

export { CommandError }
