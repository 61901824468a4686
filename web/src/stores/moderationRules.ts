// Room moderation's rules as the client applies them (docs/protocol.md, `pin`, `mute_member`): who
// gets the Pin and Mute actions, whether a mute holds at a given time, and the mutes a room's log
// tells of. The server decides; these only choose what to offer.
import type { ChatEvent, Member, RoomSummary } from '../protocol/frames'

type Room = Pick<RoomSummary, 'kind' | 'role'>

// Room admins pin; in a direct room either person; a server admin in a channel they are in.
export function canPin(room: Room | undefined, serverAdmin = false): boolean {
  if (!room) return false
  return room.kind === 'direct' || room.role === 'admin' || (serverAdmin && room.kind === 'channel')
}

// Room admins mute other members who are not admins; nobody is muted in a direct room.
export function canMute(
  room: Room | undefined,
  me: number | undefined,
  member: Pick<Member, 'id' | 'role'>,
  serverAdmin = false,
): boolean {
  if (!room || room.kind === 'direct' || member.id === me || member.role === 'admin') return false
  return room.role === 'admin' || (serverAdmin && room.kind === 'channel')
}

// A mute holds until its end; null or a time past: not muted.
export const isMuted = (until: number | null | undefined, now: number): until is number =>
  typeof until === 'number' && until > now

// The durations offered, in minutes: 15 minutes, an hour, a day, a week.
export const MUTE_MINUTES = [15, 60, 1440, 10080] as const

// setTimeout keeps its delay in 32 bits: a longer wait (a 30-day mute) fires at once. Past this the
// wait is taken in steps.
export const MAX_TIMER_MS = 2 ** 31 - 1

// How long to wait before looking again whether a mute ended; null: nothing to wait for.
export function liftDelay(until: number | null | undefined, now: number): number | null {
  if (!isMuted(until, now)) return null
  return Math.min(until - now, MAX_TIMER_MS)
}

// The latest mute of each member a run of the log tells of (user → end, null when unmuted).
export function mutesFrom(items: readonly ChatEvent[]): Map<number, number | null> {
  const out = new Map<number, number | null>()
  for (const e of items) {
    if (e.kind === 'member_muted' && e.target !== undefined) out.set(e.target, e.until ?? null)
  }
  return out
}
