// The typed wire contract: the only place in the client that knows frame shapes (docs/protocol.md).
// Every server frame is checked field by field; a frame that does not match is dropped (null).

export interface UserBrief {
  id: number
  username: string
  display_name: string
}

export type RoomKind = 'channel' | 'private' | 'direct'

export interface RoomSummary {
  id: number
  kind: RoomKind
  name: string
  topic: string
  last_seq: number
  read_seq: number
  delivered_seq: number
  unread: number
  mentions: number
  role: 'admin' | 'member'
  members: number
  peer: UserBrief | null
  notify: boolean
  volume: number
  muted: boolean
  hidden: boolean
  // When a room admin's mute of the caller ends (ms); null or absent (a cached room): not muted.
  muted_until?: number | null
  last_at: number
  group: number | null
}

export type EventKind =
  | 'created'
  | 'message'
  | 'edited'
  | 'deleted'
  | 'reaction'
  | 'joined'
  | 'left'
  | 'invited'
  | 'removed'
  | 'renamed'
  | 'user_renamed'
  | 'call'
  | 'pinned'
  | 'member_muted'

export type CallOutcome = 'started' | 'ended' | 'missed' | 'declined'

export interface Reaction {
  emoji: string
  users: number[]
}

export type FileKind = 'image' | 'audio' | 'video' | 'file'

// A file attached to a message (docs/api.md, "Files"): `url` is same-origin; `?v=thumb` (≤ 320 px)
// and `?v=preview` (≤ 1280 px) exist when `thumb` / `preview` say so.
export interface FileInfo {
  id: number
  name: string
  size: number
  type: string
  kind: FileKind
  width: number | null
  height: number | null
  duration: number | null
  animated: boolean
  thumb: boolean
  preview: boolean
  url: string
}

// One entry of a room's log (live `event` frames, `sync`, `history`, `thread`). Fields beyond the
// common ones are present for the kinds that have them.
export interface ChatEvent {
  seq: number
  kind: EventKind
  at: number
  user: number
  username: string
  id?: number
  text?: string
  reply_to?: number | null
  mentions?: number[]
  files?: FileInfo[] // always there on messages ([] when none)
  emoji?: string
  on?: boolean
  target?: number
  target_name?: string
  name?: string
  topic?: string
  room_kind?: RoomKind
  display_name?: string
  // `call` events: what happened, whether it was a video call, and for `ended` how long (ms).
  call?: CallOutcome
  video?: boolean
  duration?: number | null
  // `member_muted` events: when the mute of `target` ends (ms); null: unmuted.
  until?: number | null
  // The message as it is now (sync, history, thread).
  deleted?: boolean
  edited_at?: number | null
  replies?: number
  reactions?: Reaction[]
}

export interface Member extends UserBrief {
  avatar: string | null // the avatar's URL
  role: 'admin' | 'member'
  online: boolean
  last_seen: number | null
}

export interface DirectoryEntry {
  id: number
  group: number | null
  name: string
  topic: string
  members: number
  joined: boolean
}

export interface FoundUser extends UserBrief {
  online: boolean
  last_seen: number | null
}

// A server-wide notice an admin posted (docs/api.md, "Administration").
export interface ServerNotice {
  text: string
  at: number
}

// What the server takes, in bytes (protocol/limits.ts has the defaults).
export interface ServerLimits {
  message_bytes: number // a message's text, UTF-8, after trimming
  frame_bytes: number // one WebSocket message
  upload_bytes: number // one file
}
export interface HelloFrame {
  type: 'hello'
  server: string
  version: string
  user: UserBrief
  rooms: RoomSummary[]
  notice?: ServerNotice | null // absent: none (or a server without notices)
  limits?: ServerLimits // absent: a server that does not say (the defaults)
}
export interface PongFrame {
  type: 'pong'
  cid?: string
}
export interface ErrorFrame {
  type: 'error'
  code: string
  message: string
  cid?: string
  field?: string
}
export interface AckFrame {
  type: 'ack'
  cid: string
  room?: number
  seq?: number
  id?: number
  group?: number
  ice_servers?: IceServer[] // the ack of transfer_offer and of an accepting transfer_answer
}
export interface EventFrame {
  type: 'event'
  room: number
  event: ChatEvent
}
export interface RoomsFrame {
  type: 'rooms'
  cid?: string
  rooms: RoomSummary[]
}
export interface HistoryFrame {
  type: 'history'
  cid?: string
  room: number
  items: ChatEvent[]
  more: boolean
}
export interface SyncFrame {
  type: 'sync'
  cid?: string
  room: number
  events: ChatEvent[]
  more: boolean
  last_seq: number
}
export interface MembersFrame {
  type: 'members'
  cid?: string
  room: number
  members: Member[]
  more: boolean // more after these (by username): ask with `after` the last one's
}
export interface DirectoryFrame {
  type: 'directory'
  cid?: string
  rooms: DirectoryEntry[]
}
export interface UsersFrame {
  type: 'users'
  cid?: string
  users: FoundUser[]
}
// Someone's presence now, as `watching` answers it.
export interface Presence {
  id: number
  online: boolean
  last_seen: number | null
}
export interface WatchingFrame {
  type: 'watching'
  cid?: string
  users: Presence[]
}
export interface ReceiptFrame {
  type: 'receipt'
  room: number
  user: number
  delivered: number
  read: number
}
export interface PresenceFrame {
  type: 'presence'
  user: number
  online: boolean
  last_seen: number | null
}
export interface TypingFrame {
  type: 'typing'
  room: number
  user: number
  username: string
}
export interface ThreadFrame {
  type: 'thread'
  cid?: string
  room: number
  id: number
  items: ChatEvent[]
  more: boolean
}
// Full-text search (docs/protocol.md, `search`): message items as in `history`, each with its room,
// newest first; `terms` is how the server split the query (what to highlight); `next` is the cursor
// of the next page (null when `more` is false); `partial`: the server stopped early (a query too
// broad for its time budget), and `more` is false.
export interface SearchItem extends ChatEvent {
  room: number
}
export interface SearchFrame {
  type: 'search'
  cid?: string
  terms: string[]
  items: SearchItem[]
  more: boolean
  next: number | null
  partial: boolean
}
// The server-wide notice changed; `text` null: it was cleared.
// The pinned messages of a room, as history items, the latest pinned first.
export interface PinsFrame {
  type: 'pins'
  cid?: string
  room: number
  items: ChatEvent[]
}
export interface NoticeFrame {
  type: 'notice'
  text: string | null
  at: number | null
}
export interface GroupsChangedFrame {
  type: 'groups_changed'
}
// A co-member changed their avatar (display names change through `user_renamed` events).
export interface ProfileFrame {
  type: 'profile'
  user: number
  display_name: string
  avatar: string | null
}

// Calls (docs/protocol.md, "Calls"): one tab in a call is a peer, named by the id the tab chose.
export interface CallPeer {
  peer: string
  user: number
  username: string
  since: number
  audio: boolean
  video: boolean
  screen: boolean
  away: boolean // its socket closed; kept for the grace period
}
export interface CallInfo {
  id: string
  room: number
  direct: boolean
  caller: number
  started: number
  answered: number | null
  video: boolean
  ringing: number[] // users being rung
  peers: CallPeer[]
  max_peers: number
}
export interface IceServer {
  urls: string[]
  username?: string
  credential?: string
}
export interface CallStateFrame {
  type: 'call_state'
  room: number
  call: CallInfo | null // null: the room's call ended
}
export interface CallJoinedFrame {
  type: 'call_joined'
  cid?: string
  room: number
  call: CallInfo
  ice_servers: IceServer[]
}
export interface CallsFrame {
  type: 'calls'
  cid?: string
  calls: CallInfo[]
}
export interface CallSignalFrame {
  type: 'call_signal'
  room: number
  from: string // the sending peer
  user: number
  data: Record<string, unknown> // an SDP description, an ICE candidate... (checked by rtc/peer.ts)
}
export interface CallDroppedFrame {
  type: 'call_dropped'
  room: number
  peer: string
  reason: string // "taken" (another tab of this user joined), "removed" (left the room)
}

// Direct file transfers (docs/protocol.md, "Direct file transfers"): named by the sender tab's id.
export interface TransferOfferFrame {
  type: 'transfer_offer'
  room: number
  id: string
  from: number
  username: string
  name: string
  size: number
  mime: string
  sha256: string | null
}
export interface TransferAnswerFrame {
  type: 'transfer_answer'
  id: string
  accept: boolean
}
export interface TransferSignalFrame {
  type: 'transfer_signal'
  id: string
  data: Record<string, unknown>
}
export interface TransferClosedFrame {
  type: 'transfer_closed'
  id: string
  reason: string // cancelled, answered, expired, left
}

export type ServerFrame =
  | HelloFrame
  | PongFrame
  | ErrorFrame
  | AckFrame
  | EventFrame
  | RoomsFrame
  | HistoryFrame
  | SyncFrame
  | MembersFrame
  | DirectoryFrame
  | UsersFrame
  | WatchingFrame
  | ReceiptFrame
  | PresenceFrame
  | TypingFrame
  | GroupsChangedFrame
  | NoticeFrame
  | ThreadFrame
  | SearchFrame
  | PinsFrame
  | ProfileFrame
  | CallStateFrame
  | CallJoinedFrame
  | CallsFrame
  | CallSignalFrame
  | CallDroppedFrame
  | TransferOfferFrame
  | TransferAnswerFrame
  | TransferSignalFrame
  | TransferClosedFrame

// What a tab sends in a call (absent: audio true, the others false).
export interface CallMedia {
  audio?: boolean
  video?: boolean
  screen?: boolean
}

// Client -> server commands (docs/protocol.md); `cid` is added by the connection layer.
export type ClientCommand =
  | { type: 'ping'; cid?: string }
  | { type: 'rooms'; cid?: string }
  | { type: 'directory'; cid?: string; query?: string }
  | { type: 'users'; cid?: string; query: string }
  | { type: 'watch'; cid?: string; users: number[] } // replaces whom this socket watches
  | {
      type: 'create_room'
      cid: string
      kind: 'channel' | 'private'
      name: string
      topic?: string
      members?: number[]
    }
  | { type: 'direct'; cid: string; user: number }
  | { type: 'join'; cid: string; room: number }
  | { type: 'leave'; cid: string; room: number }
  | { type: 'invite'; cid: string; room: number; user: number }
  | { type: 'update_room'; cid: string; room: number; name?: string; topic?: string }
  | {
      type: 'room_settings'
      cid: string
      room: number
      notify?: boolean
      volume?: number
      muted?: boolean
      hidden?: boolean
    }
  | { type: 'post'; cid: string; room: number; text: string; reply_to?: number; files?: number[] }
  | { type: 'edit'; cid: string; id: number; text: string }
  | { type: 'delete'; cid: string; id: number }
  | { type: 'react'; cid: string; id: number; emoji: string }
  | { type: 'pin'; cid: string; id: number }
  | { type: 'unpin'; cid: string; id: number }
  | { type: 'pins'; cid?: string; room: number }
  | { type: 'mute_member'; cid: string; room: number; user: number; minutes: number } // 0 unmutes
  | { type: 'read'; cid?: string; room: number; seq: number }
  | { type: 'history'; cid?: string; room: number; before?: number; limit?: number }
  | { type: 'sync'; cid?: string; room: number; after: number; limit?: number }
  | {
      type: 'members'
      cid?: string
      room: number
      after?: string
      query?: string
      limit?: number
      users?: number[] // only these
    }
  | { type: 'thread'; cid?: string; id: number; before?: number; limit?: number }
  | { type: 'typing'; room: number }
  | {
      type: 'search'
      cid?: string
      query: string
      room?: number
      from?: number
      after?: number // ms: sent at or after
      before?: number // ms: sent strictly before
      cursor?: number // message id: results older than it (the previous page's `next`)
      limit?: number
    }
  | { type: 'calls'; cid?: string }
  | ({ type: 'call_join'; cid: string; room: number; peer: string } & CallMedia)
  | { type: 'call_leave'; cid?: string; room: number; peer: string }
  | { type: 'call_decline'; cid?: string; room: number }
  | ({ type: 'call_media'; cid?: string; room: number; peer: string } & CallMedia)
  | { type: 'call_signal'; room: number; peer: string; to: string; data: Record<string, unknown> }
  | {
      type: 'transfer_offer'
      cid: string
      room: number
      user: number
      id: string
      name: string
      size: number
      mime: string
      sha256?: string
    }
  | { type: 'transfer_answer'; cid?: string; id: string; accept: boolean }
  | { type: 'transfer_signal'; id: string; data: Record<string, unknown> }
  | {
      type: 'transfer_cancel'
      cid?: string
      id: string
      reason?: 'cancelled' | 'done' | 'failed' | 'damaged'
    }
  | { type: 'transfer_resume'; cid?: string; id: string }

export function encodeCommand(command: ClientCommand): string {
  return JSON.stringify(command)
}

type Rec = Record<string, unknown>

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isStr = (v: unknown): v is string => typeof v === 'string'
const isBool = (v: unknown): v is boolean => typeof v === 'boolean'
const isNumOrNull = (v: unknown): v is number | null => v === null || isNum(v)

function isUserBrief(v: unknown): v is UserBrief {
  return isRecord(v) && isNum(v.id) && isStr(v.username) && isStr(v.display_name)
}

function arrayOf<T>(v: unknown, each: (x: unknown) => T | null): T[] | null {
  if (!Array.isArray(v)) return null
  const out: T[] = []
  for (const x of v) {
    const item = each(x)
    if (item === null) return null
    out.push(item)
  }
  return out
}

const ROOM_KINDS = new Set(['channel', 'private', 'direct'])
const EVENT_KINDS = new Set([
  'created',
  'message',
  'edited',
  'deleted',
  'reaction',
  'joined',
  'left',
  'invited',
  'removed',
  'renamed',
  'user_renamed',
  'call',
  'pinned',
  'member_muted',
])

function decodeRoom(v: unknown): RoomSummary | null {
  if (!isRecord(v)) return null
  const ok =
    isNum(v.id) &&
    isStr(v.kind) &&
    ROOM_KINDS.has(v.kind) &&
    isStr(v.name) &&
    isStr(v.topic) &&
    isNum(v.last_seq) &&
    isNum(v.read_seq) &&
    isNum(v.delivered_seq) &&
    isNum(v.unread) &&
    isNum(v.mentions) &&
    (v.role === 'admin' || v.role === 'member') &&
    isNum(v.members) &&
    (v.peer === null || isUserBrief(v.peer)) &&
    isBool(v.notify) &&
    isNum(v.volume) &&
    isBool(v.muted) &&
    isBool(v.hidden) &&
    isNum(v.last_at) &&
    isNumOrNull(v.group ?? null) &&
    isNumOrNull(v.muted_until ?? null)
  return ok
    ? ({ ...v, group: v.group ?? null, muted_until: v.muted_until ?? null } as unknown as RoomSummary)
    : null
}

const FILE_KINDS = new Set(['image', 'audio', 'video', 'file'])
// A same-origin path (never `//host`, `javascript:` or another scheme): it becomes a src and an href.
// A path on this server: it must resolve to this origin, whatever the browser makes of tabs,
// backslashes or a second slash (`/\t/evil.example/x` is another host to a URL parser).
const isLocalPath = (v: unknown): v is string =>
  isStr(v) &&
  /^\/[^/\\]/.test(v) &&
  !/[\u0000-\u001f\\]/.test(v) &&
  new URL(v, 'https://parley.invalid').origin === 'https://parley.invalid'

// `width`, `height` and `duration` may be null (or absent: null); the flags absent mean false.
export function decodeFile(v: unknown): FileInfo | null {
  if (!isRecord(v)) return null
  const { id, name, size, type, kind, url } = v
  if (!isNum(id) || !isStr(name) || !isNum(size) || !isStr(type) || !isLocalPath(url)) return null
  if (!isStr(kind) || !FILE_KINDS.has(kind)) return null
  const width = v.width ?? null
  const height = v.height ?? null
  const duration = v.duration ?? null
  if (!isNumOrNull(width) || !isNumOrNull(height) || !isNumOrNull(duration)) return null
  const animated = v.animated ?? false
  const thumb = v.thumb ?? false
  const preview = v.preview ?? false
  if (!isBool(animated) || !isBool(thumb) || !isBool(preview)) return null
  return {
    id,
    name,
    size,
    type,
    kind: kind as FileKind,
    width,
    height,
    duration,
    animated,
    thumb,
    preview,
    url,
  }
}

const CALL_OUTCOMES = new Set(['started', 'ended', 'missed', 'declined'])

// Optional fields, checked when present.
const OPTIONAL: Record<string, (x: unknown) => boolean> = {
  id: isNum,
  text: isStr,
  reply_to: isNumOrNull,
  mentions: (x) => Array.isArray(x) && x.every(isNum),
  emoji: isStr,
  on: isBool,
  target: isNum,
  target_name: isStr,
  name: isStr,
  topic: isStr,
  room_kind: (x) => isStr(x) && ROOM_KINDS.has(x),
  display_name: isStr,
  call: (x) => isStr(x) && CALL_OUTCOMES.has(x),
  video: isBool,
  duration: isNumOrNull,
  until: isNumOrNull,
  deleted: isBool,
  edited_at: isNumOrNull,
  replies: isNum,
  reactions: (x) =>
    Array.isArray(x) &&
    x.every((r) => isRecord(r) && isStr(r.emoji) && Array.isArray(r.users) && r.users.every(isNum)),
}

export function decodeEvent(v: unknown): ChatEvent | null {
  if (!isRecord(v)) return null
  if (!isNum(v.seq) || !isStr(v.kind) || !EVENT_KINDS.has(v.kind)) return null
  if (!isNum(v.at) || !isNum(v.user) || !isStr(v.username)) return null
  const e: Rec = { seq: v.seq, kind: v.kind, at: v.at, user: v.user, username: v.username }
  for (const [key, check] of Object.entries(OPTIONAL)) {
    if (v[key] === undefined) continue
    if (!check(v[key])) return null
    e[key] = v[key]
  }
  if (v.kind === 'message' || v.files !== undefined) {
    const files = v.files === undefined ? [] : arrayOf(v.files, decodeFile)
    if (!files) return null
    e.files = files
  }
  return e as unknown as ChatEvent
}

// A search result: a message item of `history` with the room it is in.
function decodeSearchItem(v: unknown): SearchItem | null {
  if (!isRecord(v) || !isNum(v.room) || v.kind !== 'message') return null
  const e = decodeEvent(v)
  return e && isNum(e.id) ? { ...e, room: v.room } : null
}

// An avatar is null or a same-origin path (it becomes an img src).
const isAvatar = (v: unknown): v is string | null => v === null || isLocalPath(v)

function decodeMember(v: unknown): Member | null {
  if (!isUserBrief(v)) return null
  const r = v as unknown as Rec
  if ((r.role !== 'admin' && r.role !== 'member') || !isBool(r.online)) return null
  if (!isNumOrNull(r.last_seen)) return null
  const avatar = r.avatar ?? null // older servers send none
  if (!isAvatar(avatar)) return null
  return { ...(v as unknown as Member), avatar }
}

function decodePresence(v: unknown): Presence | null {
  if (!isRecord(v) || !isNum(v.id) || !isBool(v.online) || !isNumOrNull(v.last_seen)) return null
  return { id: v.id, online: v.online, last_seen: v.last_seen }
}

function decodeFoundUser(v: unknown): FoundUser | null {
  if (!isUserBrief(v)) return null
  const r = v as unknown as Rec
  return isBool(r.online) && isNumOrNull(r.last_seen) ? (v as unknown as FoundUser) : null
}

function decodeDirectoryEntry(v: unknown): DirectoryEntry | null {
  if (!isRecord(v)) return null
  const ok =
    isNum(v.id) &&
    isNumOrNull(v.group) &&
    isStr(v.name) &&
    isStr(v.topic) &&
    isNum(v.members) &&
    isBool(v.joined)
  return ok ? (v as unknown as DirectoryEntry) : null
}

const isStrs = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr)
const isNums = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNum)

function decodeCallPeer(v: unknown): CallPeer | null {
  if (!isRecord(v) || !isStr(v.peer) || !isNum(v.user) || !isStr(v.username) || !isNum(v.since)) return null
  const { peer, user, username, since, audio, video, screen, away } = v
  if (!isBool(audio) || !isBool(video) || !isBool(screen) || !isBool(away)) return null
  return { peer, user, username, since, audio, video, screen, away }
}

export function decodeCall(v: unknown): CallInfo | null {
  if (!isRecord(v)) return null
  const peers = arrayOf(v.peers, decodeCallPeer)
  const ok =
    peers &&
    isStr(v.id) &&
    isNum(v.room) &&
    isBool(v.direct) &&
    isNum(v.caller) &&
    isNum(v.started) &&
    isNumOrNull(v.answered) &&
    isBool(v.video) &&
    isNums(v.ringing) &&
    isNum(v.max_peers)
  return ok ? ({ ...v, peers } as unknown as CallInfo) : null
}

function decodeIceServer(v: unknown): IceServer | null {
  if (!isRecord(v) || !isStrs(v.urls)) return null
  const s: IceServer = { urls: v.urls }
  for (const k of ['username', 'credential'] as const) {
    if (v[k] === undefined) continue
    const x = v[k]
    if (!isStr(x)) return null
    s[k] = x
  }
  return s
}

function isNotice(v: unknown): v is ServerNotice {
  return isRecord(v) && isStr(v.text) && isNum(v.at)
}

const isSize = (v: unknown): v is number => isNum(v) && Number.isInteger(v) && v > 0
function isLimits(v: unknown): v is ServerLimits {
  return isRecord(v) && isSize(v.message_bytes) && isSize(v.frame_bytes) && isSize(v.upload_bytes)
}

function withCid<T extends object>(frame: T, v: Rec): (T & { cid?: string }) | null {
  if (v.cid === undefined) return frame
  return isStr(v.cid) ? { ...frame, cid: v.cid } : null
}

function decodeRecord(v: Rec): ServerFrame | null {
  switch (v.type) {
    case 'hello': {
      const rooms = arrayOf(v.rooms, decodeRoom)
      const notice = v.notice ?? null
      if (!isStr(v.server) || !isStr(v.version) || !isUserBrief(v.user) || !rooms) return null
      if (notice !== null && !isNotice(notice)) return null
      if (v.limits !== undefined && !isLimits(v.limits)) return null
      const hello: HelloFrame = { type: 'hello', server: v.server, version: v.version, user: v.user, rooms }
      if (v.limits !== undefined) hello.limits = v.limits
      return notice ? { ...hello, notice } : hello
    }
    case 'notice': {
      const at = v.at ?? null
      if ((v.text !== null && !isStr(v.text)) || !isNumOrNull(at)) return null
      return { type: 'notice', text: v.text, at }
    }
    case 'pong':
      return withCid({ type: 'pong' as const }, v)
    case 'error': {
      if (!isStr(v.code) || !isStr(v.message)) return null
      const frame: ErrorFrame = { type: 'error', code: v.code, message: v.message }
      if (isStr(v.cid)) frame.cid = v.cid
      if (isStr(v.field)) frame.field = v.field
      return frame
    }
    case 'ack': {
      if (!isStr(v.cid)) return null
      const frame: AckFrame = { type: 'ack', cid: v.cid }
      for (const k of ['room', 'seq', 'id', 'group'] as const) {
        if (v[k] === undefined) continue
        const x = v[k]
        if (!isNum(x)) return null
        frame[k] = x
      }
      if (v.ice_servers !== undefined) {
        const ice = arrayOf(v.ice_servers, decodeIceServer)
        if (!ice) return null
        frame.ice_servers = ice
      }
      return frame
    }
    case 'event': {
      const event = decodeEvent(v)
      return isNum(v.room) && event ? { type: 'event', room: v.room, event } : null
    }
    case 'rooms': {
      const rooms = arrayOf(v.rooms, decodeRoom)
      return rooms ? withCid({ type: 'rooms' as const, rooms }, v) : null
    }
    case 'history': {
      const items = arrayOf(v.items, decodeEvent)
      if (!isNum(v.room) || !items || !isBool(v.more)) return null
      return withCid({ type: 'history' as const, room: v.room, items, more: v.more }, v)
    }
    case 'sync': {
      const events = arrayOf(v.events, decodeEvent)
      if (!isNum(v.room) || !events || !isBool(v.more) || !isNum(v.last_seq)) return null
      const frame = { type: 'sync' as const, room: v.room, events, more: v.more }
      return withCid({ ...frame, last_seq: v.last_seq }, v)
    }
    case 'members': {
      const members = arrayOf(v.members, decodeMember)
      if (!isNum(v.room) || !members) return null
      const more = v.more ?? false // older servers send every member
      if (!isBool(more)) return null
      return withCid({ type: 'members' as const, room: v.room, members, more }, v)
    }
    case 'directory': {
      const rooms = arrayOf(v.rooms, decodeDirectoryEntry)
      return rooms ? withCid({ type: 'directory' as const, rooms }, v) : null
    }
    case 'users': {
      const users = arrayOf(v.users, decodeFoundUser)
      return users ? withCid({ type: 'users' as const, users }, v) : null
    }
    case 'watching': {
      const users = arrayOf(v.users, decodePresence)
      return users ? withCid({ type: 'watching' as const, users }, v) : null
    }
    case 'receipt':
      if (!isNum(v.room) || !isNum(v.user) || !isNum(v.delivered) || !isNum(v.read)) return null
      return { type: 'receipt', room: v.room, user: v.user, delivered: v.delivered, read: v.read }
    case 'presence':
      if (!isNum(v.user) || !isBool(v.online) || !isNumOrNull(v.last_seen)) return null
      return { type: 'presence', user: v.user, online: v.online, last_seen: v.last_seen }
    case 'typing':
      if (!isNum(v.room) || !isNum(v.user) || !isStr(v.username)) return null
      return { type: 'typing', room: v.room, user: v.user, username: v.username }
    case 'groups_changed':
      return { type: 'groups_changed' }
    case 'profile': {
      const avatar = v.avatar ?? null
      if (!isNum(v.user) || !isStr(v.display_name) || !isAvatar(avatar)) return null
      return { type: 'profile', user: v.user, display_name: v.display_name, avatar }
    }
    case 'thread': {
      const items = arrayOf(v.items, decodeEvent)
      if (!isNum(v.room) || !isNum(v.id) || !items || !isBool(v.more)) return null
      return withCid({ type: 'thread' as const, room: v.room, id: v.id, items, more: v.more }, v)
    }
    case 'search': {
      const items = arrayOf(v.items, decodeSearchItem)
      const next = v.next ?? null
      const partial = v.partial ?? false
      if (!items || !isStrs(v.terms) || !isBool(v.more) || !isNumOrNull(next) || !isBool(partial)) return null
      return withCid({ type: 'search' as const, terms: v.terms, items, more: v.more, next, partial }, v)
    }
    case 'pins': {
      const items = arrayOf(v.items, decodeEvent)
      if (!isNum(v.room) || !items) return null
      return withCid({ type: 'pins' as const, room: v.room, items }, v)
    }
    case 'call_state': {
      const call = v.call === null ? null : decodeCall(v.call)
      if (!isNum(v.room) || (call === null && v.call !== null)) return null
      return { type: 'call_state', room: v.room, call }
    }
    case 'call_joined': {
      const call = decodeCall(v.call)
      const ice_servers = arrayOf(v.ice_servers, decodeIceServer)
      if (!isNum(v.room) || !call || !ice_servers) return null
      return withCid({ type: 'call_joined' as const, room: v.room, call, ice_servers }, v)
    }
    case 'calls': {
      const calls = arrayOf(v.calls, decodeCall)
      return calls ? withCid({ type: 'calls' as const, calls }, v) : null
    }
    case 'call_signal':
      if (!isNum(v.room) || !isStr(v.from) || !isNum(v.user) || !isRecord(v.data)) return null
      return { type: 'call_signal', room: v.room, from: v.from, user: v.user, data: v.data }
    case 'call_dropped':
      if (!isNum(v.room) || !isStr(v.peer) || !isStr(v.reason)) return null
      return { type: 'call_dropped', room: v.room, peer: v.peer, reason: v.reason }
    case 'transfer_offer': {
      const { room, id, from, username, name, size, mime } = v
      const sha256 = v.sha256 ?? null
      if (!isNum(room) || !isStr(id) || !isNum(from) || !isStr(username) || !isStr(name)) return null
      if (!isNum(size) || !isStr(mime) || !(sha256 === null || isStr(sha256))) return null
      return { type: 'transfer_offer', room, id, from, username, name, size, mime, sha256 }
    }
    case 'transfer_answer':
      return isStr(v.id) && isBool(v.accept) ? { type: 'transfer_answer', id: v.id, accept: v.accept } : null
    case 'transfer_signal':
      return isStr(v.id) && isRecord(v.data) ? { type: 'transfer_signal', id: v.id, data: v.data } : null
    case 'transfer_closed':
      return isStr(v.id) && isStr(v.reason) ? { type: 'transfer_closed', id: v.id, reason: v.reason } : null
    default:
      return null
  }
}

// Decodes one text frame from the server; returns null for anything that is not a known frame.
export function decodeServerFrame(text: string): ServerFrame | null {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  return isRecord(v) ? decodeRecord(v) : null
}
