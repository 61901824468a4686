// Rooms and their timelines, kept by the seq rules (stores/timeline.ts); the outbox of messages
// not yet acknowledged, resent with their cid after a reconnect (the server keeps each once);
// presence and typing. Components call these actions; frames come from the connection store.
// Rooms, timelines and people's names are also kept offline (stores/cache.ts): shown at once on
// start, then synced from their cached `last` seq when hello comes.
import { defineStore } from 'pinia'
import { computed, reactive, ref, toRaw, watch } from 'vue'
import type {
  ChatEvent,
  ClientCommand,
  DirectoryEntry,
  FoundUser,
  Member,
  RoomSummary,
  ServerFrame,
  UserBrief,
} from '../protocol/frames'
import * as cache from './cache'
import { utf8Bytes } from '../protocol/limits'
import { adoptLimits, serverLimits } from './serverLimits'
import { eraseMediaCache } from '../media-cache'
import { noteMembers, noteProfile, noteRename, type Profile } from './profiles'
import { CommandError, fitsFrame, newCid, useConnectionStore, type Command } from './connection'
import { useSessionStore } from './session'
import { Timeline } from './timeline'
import { isMuted } from './moderationRules'
import { peopleToWatch } from './watch'
import { t } from '../i18n'

export interface OutboxEntry {
  cid: string
  room: number
  text: string
  reply_to?: number
  files?: number[] // uploaded files (stores/uploads.ts), in the order shown
  failed?: string // why the server refused it
}

// Why a message is not sent: the server cannot take it, so it would be refused after every reconnect.
export const TOO_LARGE = (): string => t('errors.tooLargeServer')

const OUTBOX_KEY = 'parley.outbox'
const TYPING_MS = 5000
const MEMBERS_PAGE = 200 // members asked for at a time
const SAVE_DELAY_MS = 300 // cache writes wait for a pause in the changes

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
  const session = useSessionStore()
  const me = ref<UserBrief | null>(null)
  const rooms = reactive(new Map<number, RoomSummary>())
  const timelines = reactive(new Map<number, Timeline>())
  const currentRoom = ref<number | null>(null)
  const outbox = ref<OutboxEntry[]>(loadOutbox())
  const online = reactive(new Map<number, boolean>())
  const lastSeen = reactive(new Map<number, number>()) // when people went offline, as pushed
  let presenceHeard = 0 // `presence` events this tab has had
  const heardAt = new Map<number, number>() // person → presenceHeard at their last event
  const typing = reactive(new Map<number, Map<number, { username: string; until: number }>>())
  const members = reactive(new Map<number, Member[]>())
  const membersAsked = new Set<number>() // rooms whose members were asked for on this connection
  // Rooms whose held list is a first part (by username) of a longer one, and where it stops: a
  // room of thousands is not sent whole on every reconnect.
  const membersMore = reactive(new Map<number, boolean>())
  const membersCursor = new Map<number, string>()
  const peopleAsked = new Set<number>() // people looked up by id on this connection
  const profiles = reactive(new Map<number, Profile>()) // others' display names and avatars
  const syncing = new Set<number>()
  const unreadFrom = reactive(new Map<number, number>()) // room -> read_seq when it was opened
  const replyingTo = ref<ChatEvent | null>(null) // the message the composer answers
  const editing = ref<ChatEvent | null>(null) // the message the composer rewrites
  const quoting = ref<{ room: number; text: string } | null>(null) // text to add to the composer
  const thread = ref<{ room: number; parent: ChatEvent; replies: ChatEvent[] } | null>(null)
  // A message to show in its room (a search result): the room pane scrolls to it once it is loaded.
  const focus = ref<{ room: number; seq: number } | null>(null)
  let jumps = 0 // the latest jump wins
  const loading = new Map<number, Promise<boolean>>() // rooms whose first page is on its way
  const extending = new Set<number>() // rooms whose shown older run is being extended forward
  const cacheReady = ref(false) // the cached rooms and timelines (if any) are in place
  let cacheUser: number | null = cache.rememberedUser() // whose chat is in memory and cached
  let helloSeen = false // since the last sign-in: the server's rooms have replaced the cached ones
  let generation = 0 // bumped when the signed-in user changes: late cache reads are dropped
  const dirty = new Set<number>() // rooms whose timeline changed since the last cache write
  const persisted = new Set<number>() // rooms whose timeline is in the cache
  let saveTimer: ReturnType<typeof setTimeout> | null = null

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
        if (f.events.length > 0) saveSoon(room)
        if (!f.more) break
      }
      if (currentRoom.value === room && document.visibilityState === 'visible') markRead(room)
    } catch {
      // Offline or refused: the next hello syncs again.
    } finally {
      syncing.delete(room)
    }
  }

  // Loads a room's newest page, then catches up from the log.
  async function loadNewest(room: number): Promise<boolean> {
    const f = await connection.request({ type: 'history', room, limit: 50 })
    if (f.type !== 'history') return false
    const t = new Timeline()
    const newest = f.items[0]?.seq ?? 0
    t.reset(f.items, f.more, newest)
    timelines.set(room, t)
    saveSoon(room)
    await sync(room)
    return true
  }

  // The room's timeline, loading its newest page when neither memory nor the cache has it (once,
  // however many ask at the same time).
  async function ensureTimeline(room: number): Promise<boolean> {
    if (timelines.has(room)) return true
    let p = loading.get(room)
    if (!p) {
      p = loadNewest(room).finally(() => loading.delete(room))
      loading.set(room, p)
    }
    return p
  }

  // Shows a room; its timeline is fetched only when neither memory nor the cache has it (a cached
  // one is brought up to date by the sync every hello starts). A room left showing an older run
  // opens at its newest messages again, unless it opens for a jump.
  async function open(room: number): Promise<void> {
    currentRoom.value = room
    // Where the reader stopped: the room opens there, with a "New messages" line.
    const r = rooms.get(room)
    if (r && r.unread > 0) unreadFrom.set(room, r.read_seq)
    else unreadFrom.delete(room)
    if (focus.value?.room !== room) timelines.get(room)?.backToLive()
    try {
      if (!(await ensureTimeline(room))) return
    } catch {
      return // offline: the next hello loads it
    }
    markRead(room)
    if (!membersAsked.has(room)) void loadMembers(room) // for the avatars and @ completion
  }

  async function loadOlder(room: number): Promise<void> {
    const t = timelines.get(room)
    const first = t?.items[0]
    if (!t || !t.hasOlder || !first) return
    const run = t.run
    const f = await connection.request({ type: 'history', room, before: first.seq, limit: 50 })
    // A page for a run no longer shown (a jump, or back to the newest) would show a gap as contiguous.
    if (f.type === 'history' && t.run === run) t.prepend(f.items, f.more)
    saveSoon(room)
  }

  // Shows a message of a room with the log around it: the room's own run when it holds it, else a
  // page of history around it (about 25 items each side) in place of the newest messages, which
  // wait aside (stores/timeline.ts). The room pane scrolls to it (`focus`).
  async function jumpTo(room: number, seq: number): Promise<void> {
    const jump = ++jumps
    focus.value = { room, seq }
    try {
      if (!(await ensureTimeline(room))) throw new Error(t('errors.loadRoom'))
      const tl = timelines.get(room)
      if (!tl || jump !== jumps) return
      if (tl.shows(seq) || tl.backToLive(seq)) return
      const before = seq + 26
      const f = await connection.request({ type: 'history', room, before, limit: 51 })
      if (f.type !== 'history' || jump !== jumps || timelines.get(room) !== tl) return
      tl.jump(f.items, f.more, before)
    } catch (e) {
      if (jump === jumps) focus.value = null
      throw e
    }
  }

  // Extends a shown older run forward, a page of the log at a time, until it meets the newest.
  async function loadNewer(room: number): Promise<void> {
    const t = timelines.get(room)
    if (!t?.live || extending.has(room)) return
    extending.add(room)
    const run = t.run
    try {
      const f = await connection.request({ type: 'sync', room, after: t.upTo, limit: 100 })
      if (f.type === 'sync' && t.run === run) t.extend(f.events, f.more)
    } finally {
      extending.delete(room)
    }
  }

  // Leaves an older run for the newest messages.
  function backToLive(room: number): void {
    timelines.get(room)?.backToLive()
  }

  async function loadMembers(room: number): Promise<void> {
    membersAsked.add(room)
    const asked = presenceHeard
    const f = await connection.request({ type: 'members', room, limit: MEMBERS_PAGE }).catch(() => null)
    if (f?.type !== 'members') {
      membersAsked.delete(room)
      return
    }
    members.set(room, f.members)
    notePage(room, f.members, f.more, asked)
  }

  // Per room, the usernames that can be mentioned there, when this tab holds all its members (in a
  // room held in part any @name reads as a mention): one set for all of a room's messages.
  const mentionable = computed(() => {
    const out = new Map<number, Set<string>>()
    for (const [room, list] of members) {
      if (!membersMore.get(room) && list.length > 0) out.set(room, new Set(list.map((m) => m.username)))
    }
    return out
  })

  // The next page of a room's members (the members panel's "Show more").
  async function loadMoreMembers(room: number): Promise<void> {
    const after = membersCursor.get(room)
    if (!membersMore.get(room) || after === undefined) return
    const asked = presenceHeard
    const f = await connection
      .request({ type: 'members', room, after, limit: MEMBERS_PAGE })
      .catch(() => null)
    if (f?.type !== 'members' || membersCursor.get(room) !== after) return
    const held = members.get(room) ?? []
    const ids = new Set(held.map((m) => m.id))
    members.set(room, [...held, ...f.members.filter((m) => !ids.has(m.id))])
    notePage(room, f.members, f.more, asked)
  }

  function notePage(room: number, page: Member[], more: boolean, asked: number): void {
    membersMore.set(room, more)
    const last = page.at(-1)
    if (last) membersCursor.set(room, last.username)
    noteMembers(profiles, page)
    for (const m of page) noteAnsweredPresence(asked, m.id, m.online, m.last_seen)
  }

  // The people shown in the open room whose names and avatars this tab does not know (authors
  // without a known avatar, reactors without a known name): where the room's members are held in
  // part, they are asked for by id (up to 100 at a time), once each per connection.
  const unknownPeople = computed(() => {
    const room = currentRoom.value
    if (room === null || !membersMore.get(room)) return []
    const out = new Set<number>()
    const ask = (u: number) => {
      if (u !== me.value?.id && !peopleAsked.has(u)) out.add(u)
    }
    for (const e of timelines.get(room)?.items ?? []) {
      if (!profiles.has(e.user)) ask(e.user)
      for (const r of e.reactions ?? []) for (const u of r.users) if (!knownName(u)) ask(u)
    }
    return [...out].sort((a, b) => a - b).slice(0, 100)
  })
  async function lookUpPeople(room: number, users: number[]): Promise<void> {
    for (const u of users) peopleAsked.add(u)
    const f = await connection
      .request({ type: 'members', room, users, limit: users.length })
      .catch(() => null)
    if (f?.type !== 'members') {
      for (const u of users) peopleAsked.delete(u)
      return
    }
    noteMembers(profiles, f.members)
  }

  // Members whose username or display name starts with `query` (@ completion in a room whose list
  // is not all held).
  async function findMembers(room: number, query: string): Promise<Member[]> {
    const f = await connection.request({ type: 'members', room, query, limit: 8 }).catch(() => null)
    return f?.type === 'members' ? f.members : []
  }

  // The name a person goes by: their display name when known (the session for oneself, members
  // lists, profile frames and renames for others, a direct room's peer), else their username.
  function nameOf(user: number, username: string): string {
    if (user === session.user?.id) return session.user.display_name || username
    const known = profiles.get(user)?.display_name
    if (known) return known
    for (const r of rooms.values()) if (r.peer?.id === user && r.peer.display_name) return r.peer.display_name
    return username
  }
  // The name of someone known only by id (a reactor), when this tab knows it.
  function knownName(user: number): string | undefined {
    const username =
      user === session.user?.id
        ? session.user.username
        : (profiles.get(user)?.username ??
          [...rooms.values()].find((r) => r.peer?.id === user)?.peer?.username)
    const name = nameOf(user, username ?? '')
    return name || undefined
  }

  // The avatar URL of a user, when known; the signed-in user's own comes from the session.
  function avatarOf(user: number): string | null {
    if (user === session.user?.id) return session.user.avatar_url
    return profiles.get(user)?.avatar ?? null
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

  function postCommand(entry: OutboxEntry): Extract<ClientCommand, { type: 'post' }> {
    const { cid, room, text, reply_to, files } = entry
    return {
      type: 'post',
      cid,
      room,
      text,
      ...(reply_to ? { reply_to } : {}),
      ...(files?.length ? { files } : {}),
    }
  }

  // Whether a message can go to the server as it is; the composer asks before it lets go of the text.
  function fits(room: number, text: string, reply_to?: number, files?: number[]): boolean {
    return (
      utf8Bytes(text) <= serverLimits.message_bytes &&
      fitsFrame(postCommand({ cid: newCid(), room, text, reply_to, files }))
    )
  }

  // An outbox entry goes out as the same command every time: same cid, same text. One the server
  // cannot take is not sent at all: it would close the socket (1009), again after every reconnect.
  function sendEntry(entry: OutboxEntry): void {
    const { room, text, reply_to, files } = entry
    if (!fits(room, text, reply_to, files)) return refuse(entry, TOO_LARGE())
    connection.send(postCommand(entry))
  }

  function refuse(entry: OutboxEntry, why: string): void {
    entry.failed = why
    saveOutbox()
  }

  function flushOutbox(): void {
    for (const entry of outbox.value) if (!entry.failed) sendEntry(entry)
  }

  // Queues a message: it shows as "sending…" until the server acknowledges it. `files` are ids of
  // files already uploaded to the room. A `cid` chosen earlier (stores/uploads.ts keeps it across a
  // reload) that is already queued adds nothing.
  function post(room: number, text: string, reply_to?: number, files?: number[], cid = newCid()): void {
    if (outbox.value.some((e) => e.cid === cid)) return
    const entry: OutboxEntry = {
      cid,
      room,
      text,
      ...(reply_to ? { reply_to } : {}),
      ...(files?.length ? { files: [...files] } : {}),
    }
    outbox.value.push(entry)
    saveOutbox()
    sendEntry(entry)
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
    const items = timelines.get(room)?.liveRun().items ?? []
    for (let i = items.length - 1; i >= 0; i--) {
      const m = items[i]
      if (m && m.kind === 'message' && m.user === me.value?.id && !m.deleted) return m
    }
    return undefined
  }

  async function createRoom(kind: 'channel' | 'private', name: string, topic = ''): Promise<number> {
    const f = await connection.request({ type: 'create_room', kind, name, topic })
    if (f.type !== 'ack' || f.room === undefined) throw new Error(t('errors.unexpected'))
    await refreshRooms()
    return f.room
  }

  async function join(room: number): Promise<void> {
    await connection.request({ type: 'join', room })
    await refreshRooms()
  }

  async function openDirect(user: number): Promise<number> {
    const f = await connection.request({ type: 'direct', user })
    if (f.type !== 'ack' || f.room === undefined) throw new Error(t('errors.unexpected'))
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

  // Asks the server for the rooms again; offline, the next hello brings them anyway.
  async function refreshRooms(): Promise<void> {
    const f = await connection.request({ type: 'rooms' }).catch(() => null)
    if (f?.type === 'rooms') adoptRooms(f.rooms)
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
    return [...(typing.get(room)?.entries() ?? [])]
      .filter(([, t]) => t.until > now)
      .map(([user, t]) => nameOf(user, t.username))
  }

  let lastTypingSent = 0
  function sendTyping(room: number): void {
    const now = Date.now()
    if (now - lastTypingSent < 3000) return
    lastTypingSent = now
    connection.send({ type: 'typing', room })
  }

  // A membership event changes a members list this tab holds in place. Asking for the whole list
  // again on every arrival would cost each open page of a room of thousands (#general) a full list
  // per new account. A list not held is asked for when the room is shown.
  function applyMembership(room: number, e: ChatEvent): void {
    const list = members.get(room)
    if (!list) return
    const byOther = e.kind === 'invited' || e.kind === 'removed' // `user` did it to `target`
    const who = byOther ? e.target : e.user
    const username = byOther ? e.target_name : e.username
    if (who === undefined || username === undefined) {
      membersAsked.delete(room) // an event without its person: ask again when shown
      return
    }
    const rest = list.filter((m) => m.id !== who)
    if (e.kind === 'joined' || e.kind === 'invited') {
      const known = profiles.get(who)
      rest.push({
        id: who,
        username,
        display_name: known?.display_name ?? '',
        avatar: known?.avatar ?? null,
        role: 'member',
        online: online.get(who) ?? e.kind === 'joined', // who joins is here
        last_seen: lastSeen.get(who) ?? null,
      })
    }
    members.set(room, rest)
  }

  function onEvent(room: number, e: ChatEvent): void {
    const r = rooms.get(room)
    if (!r) {
      void refreshRooms() // a room this client does not know yet: it was invited or made one
      return
    }
    r.last_seq = Math.max(r.last_seq, e.seq)
    r.last_at = Math.max(r.last_at, e.at)
    if (e.kind === 'joined' || e.kind === 'invited') r.members += 1
    if (e.kind === 'left' || e.kind === 'removed') r.members = Math.max(0, r.members - 1)
    if (e.kind === 'renamed') {
      r.name = e.name ?? r.name
      r.topic = e.topic ?? r.topic
    }
    if (e.kind === 'user_renamed' && e.display_name !== undefined)
      noteRename(profiles, e.user, e.display_name)
    if (e.kind === 'joined' || e.kind === 'left' || e.kind === 'invited' || e.kind === 'removed') {
      applyMembership(room, e)
    }
    if (leavesMe(e)) {
      rooms.delete(room)
      timelines.delete(room)
      members.delete(room)
      membersAsked.delete(room)
      membersMore.delete(room)
      if (currentRoom.value === room) currentRoom.value = null
      return
    }
    const t = timelines.get(room)
    if (t && t.apply(e) === 'gap') void sync(room)
    if (t) saveSoon(room)
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

  // This user read the room on another device (its `read` comes back as a receipt to every socket
  // of the room): the badge and the title's count follow at once.
  function onOwnRead(room: number, read: number): void {
    const r = rooms.get(room)
    if (!r || read <= r.read_seq) return
    r.read_seq = read
    if (read >= r.last_seq) {
      r.unread = 0
      r.mentions = 0
      return
    }
    // Read part of the way: counted here when this tab holds everything after it, else asked.
    const t = timelines.get(room)
    const first = t?.items[0]
    if (!t || t.last < r.last_seq || (t.hasOlder && (!first || first.seq > read + 1))) {
      void refreshRooms()
      return
    }
    const mine = me.value?.id
    const after = t.items.filter((m) => m.seq > read && m.kind === 'message' && m.user !== mine)
    r.unread = Math.min(after.length, 1000)
    r.mentions = after.filter((m) => mine !== undefined && m.mentions?.includes(mine)).length
  }

  // Whether this event takes the signed-in user out of the room.
  function leavesMe(e: ChatEvent): boolean {
    return (
      (e.kind === 'left' && e.user === me.value?.id) || (e.kind === 'removed' && e.target === me.value?.id)
    )
  }

  // Presence of the people this tab shows (stores/watch.ts). A new socket watches nobody: the list
  // goes on each hello, and again whenever it changes.
  const toWatch = computed(() =>
    peopleToWatch(
      rooms.values(),
      currentRoom.value === null ? undefined : members.get(currentRoom.value),
      me.value?.id,
    ),
  )
  function notePresence(user: number, isOnline: boolean, seen: number | null): void {
    online.set(user, isOnline)
    if (seen !== null) lastSeen.set(user, seen)
  }
  // An answer (`watching`, `members`) tells presence as the server read it; a `presence` event that
  // came while the answer was on its way is newer, and the answer does not undo it.
  function noteAnsweredPresence(asked: number, user: number, isOnline: boolean, seen: number | null): void {
    if ((heardAt.get(user) ?? 0) <= asked) notePresence(user, isOnline, seen)
  }
  let watched: string | null = null // the list this socket watches; null: no socket past hello
  function sendWatch(): void {
    const users = toWatch.value
    const key = users.join(',')
    if (watched === null || key === watched) return
    watched = key
    const asked = presenceHeard
    connection
      .request({ type: 'watch', users })
      .then((f) => {
        if (f.type === 'watching')
          for (const u of f.users) noteAnsweredPresence(asked, u.id, u.online, u.last_seen)
      })
      .catch(() => {
        if (watched === key) watched = null // the next hello sends it again
      })
  }

  function handle(frame: ServerFrame): void {
    switch (frame.type) {
      case 'hello':
        if (me.value && me.value.id !== frame.user.id) forget()
        helloSeen = true
        adoptLimits(frame.limits)
        me.value = frame.user
        adoptRooms(frame.rooms)
        dropStale()
        watched = ''
        sendWatch()
        // After an outage the open room's members are asked again (changes were not pushed meanwhile).
        if (
          currentRoom.value !== null &&
          timelines.has(currentRoom.value) &&
          !membersAsked.has(currentRoom.value)
        ) {
          void loadMembers(currentRoom.value)
        }
        for (const room of timelines.keys()) void sync(room)
        // The open room's first load may have been cut by the outage: load it now.
        if (currentRoom.value !== null && !timelines.has(currentRoom.value)) {
          void open(currentRoom.value)
        }
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
        // A post refused for a room admin's mute this page knows of says so in the reader's language.
        const muted =
          frame.code === 'forbidden' && isMuted(entry && rooms.get(entry.room)?.muted_until, Date.now())
        if (entry) refuse(entry, muted ? t('moderation.mutedNow') : frame.message)
        break
      }
      case 'presence':
        heardAt.set(frame.user, ++presenceHeard)
        notePresence(frame.user, frame.online, frame.last_seen)
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
      case 'profile':
        noteProfile(profiles, frame)
        // Another tab of this account changed it.
        if (session.user && frame.user === session.user.id) session.user.avatar_url = frame.avatar
        break
      case 'receipt':
        if (frame.user === me.value?.id) onOwnRead(frame.room, frame.read)
        break
      case 'pong':
      case 'rooms':
      case 'history':
      case 'sync':
      case 'members':
      case 'directory':
      case 'users':
      case 'watching': // sendWatch reads it
      case 'thread':
      case 'search': // stores/search.ts asks and reads these
      case 'pins': // stores/moderation.ts
      case 'notice': // stores/notice.ts
      case 'call_state': // calls are the calls store's (stores/calls.ts)
      case 'call_joined':
      case 'calls':
      case 'call_signal':
      case 'call_dropped':
      case 'transfer_offer': // direct transfers are stores/transfers.ts's
      case 'transfer_answer':
      case 'transfer_signal':
      case 'transfer_closed':
        break
      default: {
        const unhandled: never = frame
        throw new Error(`unhandled frame ${JSON.stringify(unhandled)}`)
      }
    }
  }

  // A cached timeline past the room's log (the server's data was replaced) cannot be synced: it is
  // dropped, and the open room loads afresh.
  function dropStale(): void {
    for (const [id, t] of timelines) {
      const r = rooms.get(id)
      if (!r || r.last_seq >= t.last) continue
      timelines.delete(id)
      if (currentRoom.value === id) void loadNewest(id).catch(() => undefined)
    }
  }

  // Fills the store from the cache of `user`. When hello came first, only the timelines of rooms
  // still known are taken, and synced from their cached `last`.
  async function restore(user: number): Promise<void> {
    const gen = generation
    try {
      const cached = await cache.loadChat(user)
      if (!cached || gen !== generation || cached.me.id !== user) return
      for (const c of cached.timelines) persisted.add(c.room)
      if (!helloSeen) {
        me.value = cached.me
        for (const r of cached.rooms) if (!rooms.has(r.id)) rooms.set(r.id, r)
      }
      // Names and faces as last known, until members lists and profile frames bring newer ones.
      for (const [id, p] of cached.profiles ?? []) if (!profiles.has(id)) profiles.set(id, p)
      for (const c of cached.timelines) {
        if (!rooms.has(c.room) || timelines.has(c.room)) continue
        const t = new Timeline()
        t.reset([...c.items].reverse(), c.hasOlder, c.last)
        timelines.set(c.room, t)
        if (helloSeen) void sync(c.room)
      }
      if (helloSeen) saveSoon() // drops the cached rooms left meanwhile
    } catch {
      // No usable cache (private browsing, quota): the server fills the store.
    } finally {
      if (gen === generation) cacheReady.value = true
    }
  }

  function saveSoon(room?: number): void {
    if (room !== undefined) dirty.add(room)
    saveTimer ??= setTimeout(saveNow, SAVE_DELAY_MS)
  }

  // Writes the rooms list, `me`, the changed timelines, and drops the timelines of rooms gone.
  function saveNow(): void {
    if (saveTimer) clearTimeout(saveTimer)
    saveTimer = null
    const user = cacheUser
    const who = me.value
    if (user === null || !who || who.id !== user || !cache.cacheAvailable()) return
    if (!cacheReady.value) return saveSoon() // the cache is still being read
    const changed = [...dirty].flatMap((id) => {
      const t = timelines.get(id)
      const live = t?.liveRun() // not an older run a search result showed
      return t && live
        ? [cache.snapshotTimeline(id, { last: t.last, hasOlder: live.hasOlder, items: live.items })]
        : []
    })
    const dropped = [...persisted].filter((id) => !timelines.has(id))
    dirty.clear()
    dropped.forEach((id) => persisted.delete(id))
    changed.forEach((t) => persisted.add(t.room))
    const head = { me: toRaw(who), rooms: [...rooms.values()], profiles: [...profiles.entries()] }
    void cache.saveChat(user, head, changed, dropped).catch(() => undefined) // best effort
  }

  // Empties the store (another user signed in, or nobody).
  function forget(): void {
    generation += 1
    helloSeen = false
    if (saveTimer) clearTimeout(saveTimer)
    saveTimer = null
    dirty.clear()
    persisted.clear()
    me.value = null
    rooms.clear()
    timelines.clear()
    members.clear()
    membersAsked.clear()
    membersMore.clear()
    membersCursor.clear()
    peopleAsked.clear()
    profiles.clear()
    online.clear()
    lastSeen.clear()
    heardAt.clear()
    typing.clear()
    currentRoom.value = null
    thread.value = null
    focus.value = null
    replyingTo.value = null
    editing.value = null
    quoting.value = null
  }

  if (cacheUser !== null && cache.cacheAvailable()) void restore(cacheUser)
  else cacheReady.value = true

  // The cache follows the session: a sign-in loads that user's cache, a sign-out erases it, so the
  // next person on this machine sees nothing. A session that could not be loaded (offline) keeps it.
  // The service worker's copies of pictures (media-cache.ts) are not per user: any change erases them.
  watch(
    [() => session.user?.id ?? null, () => session.loaded],
    ([id, loaded]) => {
      if (id === cacheUser || (id === null && !loaded)) return
      const previous = cacheUser
      cacheUser = id
      cache.rememberUser(id)
      forget()
      // Unsent messages belong to whoever wrote them: never sent as the next person.
      outbox.value = []
      saveOutbox()
      if (previous !== null && cache.cacheAvailable()) void cache.clearChat(previous).catch(() => undefined)
      void eraseMediaCache().catch(() => undefined)
      cacheReady.value = id === null || !cache.cacheAvailable()
      if (!cacheReady.value && id !== null) void restore(id)
    },
    { flush: 'sync', immediate: true },
  )
  watch([me, rooms, profiles], () => saveSoon(), { deep: true })
  // Members are asked once per room per connection.
  watch(
    () => connection.state,
    (state) => {
      if (state !== 'online') {
        membersAsked.clear()
        peopleAsked.clear()
        watched = null
      }
    },
  )
  watch(unknownPeople, (users) => {
    if (users.length > 0 && currentRoom.value !== null) void lookUpPeople(currentRoom.value, users)
  })
  watch(toWatch, sendWatch)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') saveNow()
  })

  connection.onFrame(handle)
  // A message the server refused by closing the socket is never sent again; the others are, after
  // the reconnect, and go through.
  connection.onRefused((cid) => {
    const entry = outbox.value.find((e) => e.cid === cid)
    if (entry) refuse(entry, TOO_LARGE())
  })

  return {
    me,
    cacheReady,
    rooms,
    timelines,
    currentRoom,
    outbox,
    online,
    lastSeen,
    members,
    profiles,
    avatarOf,
    nameOf,
    knownName,
    loadMembers,
    loadMoreMembers,
    findMembers,
    membersMore,
    mentionable,
    roomList,
    totalUnread,
    roomName,
    open,
    loadOlder,
    loadNewer,
    jumpTo,
    backToLive,
    focus,
    post,
    fits,
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
    unreadFrom,
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
