import { describe, expect, it } from 'vitest'
import type { Member, RoomSummary } from '../protocol/frames'
import { WATCH_MAX, peopleToWatch } from './watch'

const room = (id: number, peer: number | null, hidden = false): RoomSummary => ({
  id,
  kind: peer === null ? 'channel' : 'direct',
  name: peer === null ? `room${id}` : '',
  topic: '',
  last_seq: 0,
  read_seq: 0,
  delivered_seq: 0,
  unread: 0,
  mentions: 0,
  role: 'member',
  members: peer === null ? 500 : 2,
  peer: peer === null ? null : { id: peer, username: `u${peer}`, display_name: '' },
  notify: true,
  volume: 100,
  muted: false,
  hidden,
  last_at: 0,
  group: null,
})

const member = (id: number): Member => ({
  id,
  username: `u${id}`,
  display_name: '',
  avatar: null,
  role: 'member',
  online: false,
  last_seen: null,
})

describe('whom a tab watches', () => {
  it('watches the peers of its shown direct rooms and the open room’s members, each once, not itself', () => {
    const rooms = [room(1, 7), room(2, 9, true), room(3, null), room(4, 5)]
    expect(peopleToWatch(rooms, [member(1), member(5), member(6)], 1)).toEqual([5, 6, 7])
    expect(peopleToWatch(rooms, undefined, 1)).toEqual([5, 7])
  })

  it('stays within the server’s bound, keeping the peers', () => {
    const members = Array.from({ length: 5000 }, (_, i) => member(i + 100))
    const list = peopleToWatch([room(1, 42)], members, 100)
    expect(list).toHaveLength(WATCH_MAX)
    expect(list).toContain(42)
    expect(list).not.toContain(100)
    expect([...list].sort((a, b) => a - b)).toEqual(list)
  })
})
