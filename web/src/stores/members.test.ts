// @vitest-environment jsdom
// A members list the tab holds follows joins, invitations, departures and removals in place: a room
// of thousands is not asked for again on every arrival.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { flushPromises } from '@vue/test-utils'
import { useChatStore } from './chat'
import { useConnectionStore, type Command } from './connection'
import { Timeline } from './timeline'
import { testRoom } from './test-room'
import type { ChatEvent, Member } from '../protocol/frames'

const ROOM = 3
const room = testRoom({ id: ROOM, name: 'general', last_seq: 10, read_seq: 10, delivered_seq: 10 })
const member = (id: number, username: string): Member => ({
  ...{ id, username, display_name: '', avatar: null, role: 'member', online: false },
  last_seen: null,
})
let seq = 10
const event = (e: Omit<ChatEvent, 'seq' | 'at'>) => ({
  type: 'event' as const,
  room: ROOM,
  event: { ...e, seq: ++seq, at: 1 },
})

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

// The connection answers `members` with what `page` gives for the command, and records what was
// asked; anything else is refused.
function answerMembers(page: (c: Extract<Command, { type: 'members' }>) => Member[], more = false) {
  const asked: Record<string, unknown>[] = []
  vi.spyOn(useConnectionStore(), 'request').mockImplementation((c) => {
    asked.push({ ...c })
    if (c.type !== 'members') return Promise.reject(new Error('not here'))
    return Promise.resolve({
      type: 'members',
      room: ROOM,
      members: page(c),
      more: more && c.after === undefined,
    })
  })
  return asked
}

describe('a held members list', () => {
  it('changes in place, without asking the server for the list again', () => {
    const chat = useChatStore()
    const request = vi.spyOn(useConnectionStore(), 'request')
    chat.rooms.set(ROOM, { ...room })
    chat.members.set(ROOM, [member(1, 'ann'), member(2, 'bob')])
    chat.profiles.set(4, { display_name: 'Dan Dee', avatar: '/api/avatars/d.webp' })

    chat.handle(event({ kind: 'joined', user: 3, username: 'cat' }))
    chat.handle(event({ kind: 'invited', user: 1, username: 'ann', target: 4, target_name: 'dan' }))
    chat.handle(event({ kind: 'left', user: 2, username: 'bob' }))
    chat.handle(event({ kind: 'removed', user: 1, username: 'ann', target: 3, target_name: 'cat' }))
    chat.handle(event({ kind: 'joined', user: 2, username: 'bob' })) // back, once

    const list = chat.members.get(ROOM) ?? []
    expect(list.map((m) => m.username).sort()).toEqual(['ann', 'bob', 'dan'])
    const dan = list.find((m) => m.id === 4)
    expect(dan).toMatchObject({ display_name: 'Dan Dee', avatar: '/api/avatars/d.webp', online: false })
    expect(list.find((m) => m.id === 2)?.online).toBe(true) // who joins is here
    expect(chat.rooms.get(ROOM)?.members).toBe(3)
    expect(request.mock.calls.filter(([c]) => c.type === 'members')).toEqual([])
  })
})

describe('a room of more members than a page', () => {
  it('holds the first page, adds the next after its last name, and finds others by name', async () => {
    const chat = useChatStore()
    const asked = answerMembers(
      (c) =>
        c.query
          ? [member(9, 'zed')]
          : c.after === undefined
            ? [member(1, 'ann'), member(2, 'bob')]
            : [member(2, 'bob'), member(3, 'cat')],
      true,
    )
    chat.rooms.set(ROOM, { ...room, members: 400 })

    await chat.loadMembers(ROOM)
    expect(chat.membersMore.get(ROOM)).toBe(true)
    await chat.loadMoreMembers(ROOM)
    expect(chat.members.get(ROOM)?.map((m) => m.username)).toEqual(['ann', 'bob', 'cat'])
    expect(chat.membersMore.get(ROOM)).toBe(false)
    expect((await chat.findMembers(ROOM, 'ze')).map((m) => m.username)).toEqual(['zed'])
    expect(asked).toEqual([
      { type: 'members', room: ROOM, limit: 200 },
      { type: 'members', room: ROOM, after: 'bob', limit: 200 },
      { type: 'members', room: ROOM, query: 'ze', limit: 8 },
    ])
  })
})

describe('authors in a room held in part', () => {
  it('are looked up by id when their name and avatar are not known, and so are reactors', async () => {
    const chat = useChatStore()
    const asked = answerMembers(() => [
      { ...member(7, 'zoe'), display_name: 'Zoe Z', avatar: '/api/avatars/z.webp' },
      member(8, 'yan'),
    ])
    chat.rooms.set(ROOM, { ...room, members: 400 })
    chat.members.set(ROOM, [member(1, 'ann')])
    chat.profiles.set(1, { display_name: 'Ann', avatar: null })
    chat.membersMore.set(ROOM, true)
    const t = new Timeline()
    for (const [seq, user, username] of [
      [1, 1, 'ann'],
      [2, 7, 'zoe'],
      [3, 7, 'zoe'],
    ] as const) {
      t.apply({ seq, kind: 'message', at: seq, user, username, id: seq, text: 'hi', files: [] })
    }
    t.apply({ seq: 4, kind: 'reaction', at: 4, user: 8, username: 'yan', id: 1, emoji: '👍', on: true })
    chat.timelines.set(ROOM, t)
    chat.currentRoom = ROOM
    await vi.waitFor(() => expect(chat.profiles.get(7)?.display_name).toBe('Zoe Z'))
    expect(chat.avatarOf(7)).toBe('/api/avatars/z.webp')
    expect(chat.knownName(8)).toBe('yan') // a reactor, who wrote nothing shown
    expect(asked).toEqual([{ type: 'members', room: ROOM, users: [7, 8], limit: 2 }])
  })
})

describe('presence in answers', () => {
  // An answer is read by the server before it is sent: a `presence` event that overtakes it is
  // newer, and stands.
  it('does not undo a presence event that came while a members or watching answer was on its way', async () => {
    const chat = useChatStore()
    const answers: ((f: unknown) => void)[] = []
    vi.spyOn(useConnectionStore(), 'request').mockImplementation(
      () => new Promise((resolve) => answers.push(resolve as (f: unknown) => void)),
    )
    const presence = (user: number, online: boolean) =>
      chat.handle({ type: 'presence', user, online, last_seen: online ? null : 5 })
    chat.rooms.set(ROOM, { ...room })
    presence(1, false) // before the request: the answer is newer

    const loading = chat.loadMembers(ROOM)
    presence(2, true) // overtakes the answer
    answers.shift()!({
      type: 'members',
      room: ROOM,
      members: [
        { ...member(1, 'ann'), online: true },
        { ...member(2, 'bob'), online: false, last_seen: 3 },
      ],
      more: false,
    })
    await loading
    expect(chat.online.get(1)).toBe(true)
    expect(chat.online.get(2)).toBe(true)

    const peer = { id: 9, username: 'dan', display_name: '' }
    chat.handle({
      type: 'hello',
      server: 'parley',
      version: 'test',
      user: { id: 1, username: 'ann', display_name: 'Ann' },
      rooms: [testRoom({ id: 4, kind: 'direct', name: '', peer })],
    })
    await vi.waitFor(() => expect(answers).toHaveLength(1)) // the watch of the direct room's peer
    presence(9, false)
    answers.shift()!({ type: 'watching', users: [{ id: 9, online: true, last_seen: null }] })
    await flushPromises() // the answer is read
    expect(chat.online.get(9)).toBe(false)
  })
})
