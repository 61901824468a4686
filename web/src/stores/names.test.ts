// @vitest-environment jsdom
// The name a person goes by, wherever the client shows one: the display name when known.
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useChatStore } from './chat'
import { useSessionStore, type User } from './session'
import { testRoom } from './test-room'

describe('nameOf', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  it('prefers the display name: the session for oneself, profiles and direct peers for others', () => {
    const session = useSessionStore()
    session.user = { id: 1, username: 'ann', display_name: 'Ann Admin' } as User
    const chat = useChatStore()
    chat.profiles.set(2, { display_name: 'Bob Builder', avatar: null })
    chat.profiles.set(4, { display_name: '', avatar: null })
    chat.rooms.set(
      9,
      testRoom({
        id: 9,
        kind: 'direct',
        name: '',
        peer: { id: 3, username: 'cid', display_name: 'Cid Chef' },
      }),
    )
    expect(chat.nameOf(1, 'ann')).toBe('Ann Admin')
    expect(chat.nameOf(2, 'bob')).toBe('Bob Builder')
    expect(chat.nameOf(3, 'cid')).toBe('Cid Chef')
    expect(chat.nameOf(4, 'dan')).toBe('dan') // no display name set
    expect(chat.nameOf(5, 'eve')).toBe('eve') // not known at all
  })

  it('names who is typing by their display name', () => {
    const chat = useChatStore()
    chat.profiles.set(2, { display_name: 'Bob Builder', avatar: null })
    chat.handle({ type: 'typing', room: 3, user: 2, username: 'bob' })
    expect(chat.typingIn(3)).toEqual(['Bob Builder'])
  })
})
