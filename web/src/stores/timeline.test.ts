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

// History as the server gives it: items with seq in [from, to], newest first.
const page = (from: number, to: number): ChatEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) => msg(to - i, 1000 + to - i, `m${to - i}`))
const seqs = (items: ChatEvent[]) => items.map((m) => m.seq)

describe('Timeline: a jump to an older message', () => {
  // A room of 300 messages whose newest 50 are shown.
  const room = () => {
    const t = new Timeline()
    t.reset(page(251, 300), true, 300)
    return t
  }

  it('shows the run around the message apart from the live one, which keeps taking events', () => {
    const t = room()
    const run = t.run
    t.jump(page(75, 125), true, 126)
    expect(t.run).not.toBe(run)
    expect(seqs(t.items)).toEqual(seqs(page(75, 125)).reverse())
    expect(t.hasOlder).toBe(true)
    expect(t.upTo).toBe(125)
    // Live events go to the live run, not after the shown one (that would hide a gap).
    t.apply(msg(301, 1301, 'new'))
    expect(t.items.at(-1)?.seq).toBe(125)
    expect(t.liveRun().items.at(-1)?.seq).toBe(301)
    // An edit of a shown message still lands.
    t.apply({ seq: 302, kind: 'edited', at: 302, user: 1, username: 'u1', id: 1100, text: 'changed' })
    expect(t.message(1100)?.text).toBe('changed')
    expect(t.shows(100)).toBe(true)
    expect(t.shows(280)).toBe(false)
  })

  it('grows forward from sync pages and joins the live run where they meet', () => {
    const t = room()
    t.jump(page(75, 125), true, 126)
    t.apply(msg(301, 1301, 'new'))
    const sync = (from: number, to: number) => page(from, to).reverse()
    t.extend(sync(126, 200), true)
    expect(t.live).not.toBeNull()
    expect(t.upTo).toBe(200)
    t.extend([...sync(201, 260)], true) // reaches 251, the live run's first item
    expect(t.live).toBeNull()
    expect(seqs(t.items)).toEqual(Array.from({ length: 301 - 75 + 1 }, (_, i) => 75 + i))
    // Joined: new events follow the shown run again.
    t.apply(msg(302, 1302, 'newer'))
    expect(t.items.at(-1)?.seq).toBe(302)
  })

  it('joins at the end of the log when the live run has nothing the page lacks', () => {
    const t = new Timeline()
    t.reset([msg(10, 110, 'only')], true, 12) // seq 11 and 12 are not shown (edits)
    t.jump(page(1, 5), false, 6)
    expect(t.live).not.toBeNull()
    t.extend([msg(6, 106, 'six'), msg(10, 110, 'only')], false)
    expect(t.live).toBeNull()
    expect(seqs(t.items)).toEqual([1, 2, 3, 4, 5, 6, 10])
    expect(t.hasOlder).toBe(false)
  })

  it('ignores a page that no longer fits, and counts no reply twice', () => {
    const t = room()
    t.jump(page(75, 125), true, 126)
    t.extend(page(100, 110).reverse(), true) // already shown
    expect(t.items).toHaveLength(51)
    const parent = t.message(1125)!
    parent.replies = 1 // as history counted it
    t.extend([{ ...msg(126, 1126, 'reply'), reply_to: 1125 }], true)
    expect(parent.replies).toBe(1)
  })

  it('joins the live run at once when the page reaches it', () => {
    const t = room()
    t.jump(page(200, 260), true, 261)
    expect(t.live).toBeNull()
    expect(seqs(t.items)).toEqual(Array.from({ length: 101 }, (_, i) => 200 + i))
    expect(t.hasOlder).toBe(true)
  })

  it('goes back to the live run, at once and with what came meanwhile', () => {
    const t = room()
    t.jump(page(75, 125), true, 126)
    t.apply(msg(301, 1301, 'new'))
    expect(t.backToLive(100)).toBe(false) // not in the live run
    expect(t.backToLive(280)).toBe(true)
    expect(t.live).toBeNull()
    expect(seqs(t.items).slice(-2)).toEqual([300, 301])
    expect(t.hasOlder).toBe(true)
  })

  it('jumps again from an older run, keeping the live run aside', () => {
    const t = room()
    t.jump(page(75, 125), true, 126)
    t.jump(page(10, 40), true, 41)
    expect(seqs(t.items)[0]).toBe(10)
    expect(t.liveRun().items[0]?.seq).toBe(251)
    t.reset(page(300, 300), true, 300)
    expect(t.live).toBeNull()
  })
})
