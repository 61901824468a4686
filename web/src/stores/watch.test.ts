import { describe, expect, it } from 'vitest'
import type { Member, RoomSummary } from '../protocol/frames'
import { WATCH_MAX, peopleToWatch } from './watch'
import { testRoom } from './test-room'

const room = (id: number, peer: number | null, hidden = false): RoomSummary =>
  peer === null
    ? testRoom({ id, members: 500, hidden })
    : testRoom({
        id,
        kind: 'direct',
        name: '',
        hidden,
        peer: { id: peer, username: `u${peer}`, display_name: '' },
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
