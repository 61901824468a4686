// A room summary for tests: a channel of two that the caller has read, with what a test sets.
import type { RoomSummary } from '../protocol/frames'

export function testRoom(over: Partial<RoomSummary> & { id: number }): RoomSummary {
  return {
    ...{ kind: 'channel', name: `room${over.id}`, topic: '', last_seq: 0, read_seq: 0 },
    ...{ delivered_seq: 0, unread: 0, mentions: 0, role: 'member', members: 2, peer: null },
    ...{ notify: true, volume: 100, muted: false, hidden: false, last_at: 0, group: null },
    ...over,
  }
}
