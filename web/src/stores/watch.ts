// Whose presence a tab watches (docs/protocol.md `watch`): rooms of up to 100 members tell their
// members of each other's presence unasked, larger ones do not, so a tab names the people it shows
// and learns from the answer who is online already. Those are its direct rooms' peers (the room
// list shows their dot) and the open room's members (its members panel), at most WATCH_MAX.
import type { Member, RoomSummary } from '../protocol/frames'

export const WATCH_MAX = 1000 // the server's bound on one `watch`

// The people to watch, peers first, each once, without oneself; sorted within the bound so the
// same people give the same list (and no new `watch`).
export function peopleToWatch(
  rooms: Iterable<RoomSummary>,
  openRoomMembers: readonly Member[] | undefined,
  me: number | undefined,
): number[] {
  const out = new Set<number>()
  for (const r of rooms) {
    if (r.kind === 'direct' && !r.hidden && r.peer && r.peer.id !== me) out.add(r.peer.id)
  }
  for (const m of openRoomMembers ?? []) {
    if (out.size >= WATCH_MAX) break
    if (m.id !== me) out.add(m.id)
  }
  return [...out].slice(0, WATCH_MAX).sort((a, b) => a - b)
}
