import { describe, expect, it } from 'vitest'
import type { ChatEvent } from '../protocol/frames'
import { Timeline } from './timeline'
import { plainFile } from '../protocol/files.fixture'

const msg = (seq: number, id: number, text: string, user = 1): ChatEvent => ({
  seq,
  kind: 'message',
  at: seq,
  user,
  username: `u${user}`,
  id,
  text,
  reply_to: null,
  mentions: [],
})

describe('Timeline', () => {
  it('applies events in seq order and ignores duplicates', () => {
    const t = new Timeline()
    expect(t.apply(msg(1, 10, 'a'))).toBe('applied')
    expect(t.apply(msg(1, 10, 'a'))).toBe('duplicate')
    expect(t.apply(msg(2, 11, 'b'))).toBe('applied')
    expect(t.items.map((m) => m.text)).toEqual(['a', 'b'])
    expect(t.last).toBe(2)
  })

  it('shows call events as lines of their own', () => {
    const t = new Timeline()
    t.apply(msg(1, 10, 'a'))
    t.apply({
      seq: 2,
      kind: 'call',
      at: 2,
      user: 1,
      username: 'u1',
      call: 'ended',
      video: false,
      duration: 65000,
    })
    expect(t.items.map((e) => e.kind)).toEqual(['message', 'call'])
  })

  it('holds events past a gap until the gap is filled, then applies them in order', () => {
    const t = new Timeline()
    t.apply(msg(1, 10, 'a'))
    expect(t.apply(msg(3, 12, 'c'))).toBe('gap')
    expect(t.items).toHaveLength(1)
    expect(t.apply(msg(2, 11, 'b'))).toBe('applied')
    expect(t.items.map((m) => m.text)).toEqual(['a', 'b', 'c'])
    expect(t.last).toBe(3)
  })

  it('folds edits, deletions and reactions into their message, idempotently', () => {
    const t = new Timeline()
    t.apply(msg(1, 10, 'first'))
    const edit: ChatEvent = { seq: 2, kind: 'edited', at: 2, user: 1, username: 'u1', id: 10, text: 'second' }
    t.apply(edit)
    expect(t.message(10)?.text).toBe('second')
    const react = (seq: number, on: boolean): ChatEvent => ({
      seq,
      kind: 'reaction',
      at: seq,
      user: 2,
      username: 'u2',
      id: 10,
      emoji: '👍',
      on,
    })
    t.apply(react(3, true))
    expect(t.message(10)?.reactions).toEqual([{ emoji: '👍', users: [2] }])
    t.apply(react(4, false))
    expect(t.message(10)?.reactions).toEqual([])
    t.apply({ seq: 5, kind: 'deleted', at: 5, user: 1, username: 'u1', id: 10 })
    expect(t.message(10)?.deleted).toBe(true)
    expect(t.message(10)?.text).toBe('')
  })

  it('puts older history in front without duplicating what is shown', () => {
    const t = new Timeline()
    t.reset([msg(5, 15, 'e'), msg(4, 14, 'd')], true, 5)
    t.prepend([msg(4, 14, 'd'), msg(3, 13, 'c')], false)
    expect(t.items.map((m) => m.seq)).toEqual([3, 4, 5])
    expect(t.hasOlder).toBe(false)
  })

  it('counts a reply on its parent', () => {
    const t = new Timeline()
    t.apply(msg(1, 10, 'q'))
    t.apply({ ...msg(2, 11, 'a'), reply_to: 10 })
    expect(t.message(10)?.replies).toBe(1)
  })

  it('keeps the files of a message, and lets go of them when it is deleted', () => {
    const t = new Timeline()
    const notes = plainFile(4, 'notes.txt', 3)
    t.apply({ ...msg(1, 10, ''), files: [notes] })
    t.apply(msg(2, 11, 'no files')) // e.g. from a cache written before files existed
    expect(t.message(10)?.files).toEqual([notes])
    expect(t.message(11)?.files).toEqual([])
    t.apply({ seq: 3, kind: 'deleted', at: 3, user: 1, username: 'u1', id: 10 })
    expect(t.message(10)?.files).toEqual([])
  })
})
