// The typed wire contract: the only place in the client that knows frame shapes (docs/protocol.md).

export interface UserBrief {
  id: number
  username: string
  display_name: string
}

// A room as its member sees it (docs/protocol.md, `rooms`). The chat client (issue 5) narrows
// these fields one by one; until then they are passed through as the server sent them.
export type RoomSummary = Record<string, unknown>

export interface HelloFrame {
  type: 'hello'
  server: string
  version: string
  user: UserBrief
  rooms: RoomSummary[]
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

export type ServerFrame = HelloFrame | PongFrame | ErrorFrame

// Client -> server commands.
export interface PingCommand {
  type: 'ping'
  cid?: string
}

export type ClientCommand = PingCommand

export function encodeCommand(command: ClientCommand): string {
  return JSON.stringify(command)
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isUserBrief(v: unknown): v is UserBrief {
  return (
    isRecord(v) &&
    typeof v.id === 'number' &&
    typeof v.username === 'string' &&
    typeof v.display_name === 'string'
  )
}

// Decodes one text frame from the server; returns null for anything that is not a known frame.
export function decodeServerFrame(text: string): ServerFrame | null {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (!isRecord(v)) return null
  switch (v.type) {
    case 'hello':
      if (
        typeof v.server === 'string' &&
        typeof v.version === 'string' &&
        isUserBrief(v.user) &&
        Array.isArray(v.rooms) &&
        v.rooms.every(isRecord)
      ) {
        return { type: 'hello', server: v.server, version: v.version, user: v.user, rooms: v.rooms }
      }
      return null
    case 'pong':
      if (v.cid === undefined) return { type: 'pong' }
      return typeof v.cid === 'string' ? { type: 'pong', cid: v.cid } : null
    case 'error': {
      if (typeof v.code !== 'string' || typeof v.message !== 'string') return null
      const frame: ErrorFrame = { type: 'error', code: v.code, message: v.message }
      if (typeof v.cid === 'string') frame.cid = v.cid
      if (typeof v.field === 'string') frame.field = v.field
      return frame
    }
    default:
      return null
  }
}
