// @vitest-environment jsdom
// The search store: it asks once the typing pauses, keeps only the latest answer, pages with the
// server's cursor, sends the filters the contract names, and keeps shown results true to edits and
// deletions.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import type { SearchFrame, SearchItem, ServerFrame } from '../protocol/frames'
import { CommandError, useConnectionStore, type Command } from './connection'
import { dayStart, TYPING_PAUSE_MS, useSearchStore } from './search'

const item = (id: number, room = 3, text = `message ${id}`): SearchItem => ({
  seq: id,
  kind: 'message',
  at: 1764140000000 + id,
  user: 2,
  username: 'bob',
  id,
  text,
  reply_to: null,
  mentions: [],
  files: [],
  deleted: false,
  edited_at: null,
  replies: 0,
  reactions: [],
  room,
})
const answer = (items: SearchItem[], next: number | null, terms = ['deploy']): SearchFrame => ({
  type: 'search',
  terms,
  items,
  more: next !== null,
  next,
  partial: false,
})

// The connection's requests, each answered when the test says so.
function fakeServer() {
  const connection = useConnectionStore()
  const asked: { command: Command; answer(f: ServerFrame): void; fail(e: Error): void }[] = []
  vi.spyOn(connection, 'request').mockImplementation(
    (command) =>
      new Promise<ServerFrame>((answer, fail) => {
        asked.push({ command, answer, fail })
      }),
  )
  return { connection, asked }
}
const settle = async () => {
  for (let i = 0; i < 5; i++) await nextTick()
}

describe('search store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('asks once the typing pauses, with the latest text', async () => {
    const { asked } = fakeServer()
    const search = useSearchStore()
    search.here = 3
    for (const text of ['d', 'de', 'dep', 'deploy']) {
      search.query = text
      await settle()
      vi.advanceTimersByTime(TYPING_PAUSE_MS - 50)
    }
    expect(asked).toHaveLength(0)
    vi.advanceTimersByTime(60)
    expect(asked.map((a) => a.command)).toEqual([{ type: 'search', query: 'deploy', room: 3, limit: 20 }])
    // A trailing space asks nothing new.
    search.query = 'deploy '
    await settle()
    vi.advanceTimersByTime(TYPING_PAUSE_MS * 2)
    expect(asked).toHaveLength(1)
  })

  it('drops an answer that comes after a newer question', async () => {
    const { asked } = fakeServer()
    const search = useSearchStore()
    search.query = 'old'
    void search.run()
    search.query = 'new'
    void search.run()
    asked[1]!.answer(answer([item(2)], null, ['new']))
    await settle()
    asked[0]!.answer(answer([item(1)], null, ['old']))
    await settle()
    expect(search.items.map((i) => i.id)).toEqual([2])
    expect(search.terms).toEqual(['new'])
    expect(search.status).toBe('done')
    // A late failure of the old question changes nothing either.
    search.query = 'newer'
    void search.run()
    search.query = 'newest'
    void search.run()
    asked[3]!.answer(answer([item(4)], null))
    asked[2]!.fail(new Error('Connection lost'))
    await settle()
    expect(search.status).toBe('done')
    expect(search.error).toBeNull()
  })

  it('pages with the cursor of the previous answer, and a new question starts over', async () => {
    const { asked } = fakeServer()
    const search = useSearchStore()
    search.query = 'deploy'
    void search.run()
    asked[0]!.answer(answer([item(120), item(118)], 97))
    await settle()
    expect(search.more).toBe(true)
    void search.loadMore()
    void search.loadMore() // one page at a time
    expect(asked).toHaveLength(2)
    expect(asked[1]!.command).toEqual({ type: 'search', query: 'deploy', cursor: 97, limit: 20 })
    asked[1]!.answer(answer([item(97), item(118)], null))
    await settle()
    expect(search.items.map((i) => i.id)).toEqual([120, 118, 97])
    expect(search.more).toBe(false)
    void search.loadMore()
    expect(asked).toHaveLength(2)

    // A page that comes after a new question is dropped.
    void search.run()
    asked[2]!.answer(answer([item(50)], 40))
    await settle()
    void search.loadMore()
    search.query = 'other'
    void search.run()
    asked[3]!.answer(answer([item(39)], null))
    await settle()
    expect(search.items.map((i) => i.id)).toEqual([50]) // shown until the new answer comes
    expect(search.status).toBe('searching')
  })

  it('sends where to look and the filters, and asks again at once when they change', async () => {
    const { asked } = fakeServer()
    const search = useSearchStore()
    search.here = 3
    search.query = 'deploy'
    void search.run()
    expect(asked[0]!.command).toMatchObject({ room: 3 })
    search.scope = 'all'
    await settle()
    expect(asked[1]!.command).toEqual({ type: 'search', query: 'deploy', limit: 20 })
    search.room = 5
    search.from = { id: 2, username: 'bob', display_name: 'Bob' }
    search.since = '2025-11-26'
    search.until = '2025-11-27'
    await settle()
    expect(asked).toHaveLength(3) // one question for the changes made together
    expect(asked[2]!.command).toEqual({
      type: 'search',
      query: 'deploy',
      room: 5,
      from: 2,
      after: new Date(2025, 10, 26).getTime(),
      before: new Date(2025, 10, 28).getTime(), // the last day is included
      limit: 20,
    })
    expect(search.filtered).toBe(true)
    expect(dayStart('')).toBeUndefined()
  })

  it('shows why a search failed, and asks nothing for an empty or too long query', async () => {
    const { asked } = fakeServer()
    const search = useSearchStore()
    search.query = 'x'
    void search.run()
    asked[0]!.fail(
      new CommandError({ type: 'error', code: 'invalid', message: 'query too short', field: 'query' }),
    )
    await settle()
    expect(search.status).toBe('error')
    expect(search.error).toBe('query too short')
    search.query = '   '
    void search.run()
    expect(search.status).toBe('idle')
    search.query = 'y'.repeat(201)
    void search.run()
    expect(search.status).toBe('error')
    expect(asked).toHaveLength(1)
  })

  it('asks at once for the quick switcher, in every room', async () => {
    const { asked } = fakeServer()
    const search = useSearchStore()
    search.here = 3
    search.ask('friday')
    await settle()
    vi.advanceTimersByTime(TYPING_PAUSE_MS * 2)
    expect(asked.map((a) => a.command)).toEqual([{ type: 'search', query: 'friday', limit: 20 }])
  })

  it('follows edits and deletions of the results shown', async () => {
    const { connection, asked } = fakeServer()
    const search = useSearchStore()
    search.query = 'deploy'
    void search.run()
    asked[0]!.answer(answer([item(2, 3, 'deploy now'), item(1, 3, 'deploy later')], null))
    await settle()
    const event = (kind: 'edited' | 'deleted', id: number, text?: string) =>
      connection.handleFrame({
        type: 'event',
        room: 3,
        event: { seq: 50, kind, at: 99, user: 2, username: 'bob', id, ...(text ? { text } : {}) },
      })
    event('edited', 2, 'deploy tomorrow')
    event('deleted', 1)
    expect(search.items.map((i) => [i.id, i.text, i.edited_at])).toEqual([[2, 'deploy tomorrow', 99]])
  })
})
