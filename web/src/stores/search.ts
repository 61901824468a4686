// Full-text search of messages (docs/protocol.md, `search`): the query, where to look (the open room
// or every room) and the filters (sender, room, dates); the results page by page (`cursor`), asked
// as the user types after a pause, and only the answer to the latest question kept. Results follow
// edits and deletions that arrive while they are shown. Loaded with the search panel, not before.
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { SearchItem, UserBrief } from '../protocol/frames'
import { CommandError, useConnectionStore, type Command } from './connection'
import { t } from '../i18n'

export type Scope = 'room' | 'all'
export type SearchStatus = 'idle' | 'searching' | 'done' | 'error'

export const TYPING_PAUSE_MS = 250
export const MAX_QUERY = 200 // characters, after trimming
const PAGE = 20

// A day of an <input type="date"> ("2025-11-26") as the local midnight starting it, in ms; `days`
// later for the end of a range.
export function dayStart(day: string, days = 0): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return undefined
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).getTime()
}

export const useSearchStore = defineStore('search', () => {
  const connection = useConnectionStore()
  const query = ref('')
  const scope = ref<Scope>('room')
  const here = ref<number | null>(null) // the room "this room" means: the open one
  const room = ref<number | null>(null) // with every room: only this one
  const from = ref<UserBrief | null>(null)
  const since = ref('') // first day, as <input type="date"> gives it
  const until = ref('') // last day, included
  const items = ref<SearchItem[]>([])
  const answered = ref('') // the query the items answer
  const terms = ref<string[]>([])
  const more = ref(false)
  const partial = ref(false) // the server stopped early: a narrower query finds the rest
  const status = ref<SearchStatus>('idle')
  const error = ref<string | null>(null)
  const loadingMore = ref(false)
  let next: number | null = null
  let asked = 0 // the latest question; older answers are dropped
  let lastKey = '' // what was asked last, so the same question is not asked twice
  let lastQuery = ''
  let timer: ReturnType<typeof setTimeout> | null = null

  // The room searched: the open one, or the one picked among all.
  const target = computed(() => (scope.value === 'room' && here.value !== null ? here.value : room.value))
  const filtered = computed(
    () => (scope.value === 'all' && room.value !== null) || !!from.value || !!since.value || !!until.value,
  )

  function command(cursor?: number): Command | null {
    const q = query.value.trim()
    if (!q) return null
    const after = dayStart(since.value)
    const before = dayStart(until.value, 1)
    return {
      type: 'search',
      query: q,
      ...(target.value !== null ? { room: target.value } : {}),
      ...(from.value ? { from: from.value.id } : {}),
      ...(after !== undefined ? { after } : {}),
      ...(before !== undefined ? { before } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
      limit: PAGE,
    }
  }
  const key = (): string => JSON.stringify(command())

  function cancelTimer(): void {
    if (timer) clearTimeout(timer)
    timer = null
  }

  function clear(): void {
    items.value = []
    terms.value = []
    more.value = false
    partial.value = false
    next = null
    loadingMore.value = false
  }

  function failure(e: unknown): string {
    if (e instanceof CommandError) {
      if (e.frame.code === 'not_found') return t('search.roomNotSearchable')
      return e.frame.message
    }
    return t('search.offline')
  }

  // Asks now (the first page), replacing what is shown.
  async function run(): Promise<void> {
    cancelTimer()
    const id = ++asked
    lastKey = key()
    const asking = (lastQuery = query.value.trim())
    const c = command()
    error.value = null
    if (!c) {
      clear()
      status.value = 'idle'
      return
    }
    if ([...query.value.trim()].length > MAX_QUERY) {
      clear()
      status.value = 'error'
      error.value = t('search.tooLong', { max: MAX_QUERY })
      return
    }
    status.value = 'searching'
    try {
      const f = await connection.request(c)
      if (id !== asked || f.type !== 'search') return
      items.value = f.items
      answered.value = asking
      terms.value = f.terms
      more.value = f.more
      partial.value = f.partial
      next = f.next
      loadingMore.value = false
      status.value = 'done'
    } catch (e) {
      if (id !== asked) return
      clear()
      status.value = 'error'
      error.value = failure(e)
    }
  }

  // Asks after a pause in the typing.
  function schedule(): void {
    cancelTimer()
    timer = setTimeout(() => void run(), TYPING_PAUSE_MS)
  }

  // The next page, after the last result shown.
  async function loadMore(): Promise<void> {
    if (!more.value || next === null || loadingMore.value) return
    const id = asked
    const c = command(next)
    if (!c) return
    loadingMore.value = true
    try {
      const f = await connection.request(c)
      if (id !== asked || f.type !== 'search') return
      const seen = new Set(items.value.map((i) => `${i.room}:${i.id}`))
      items.value = [...items.value, ...f.items.filter((i) => !seen.has(`${i.room}:${i.id}`))]
      more.value = f.more
      partial.value = f.partial
      next = f.next
    } catch (e) {
      if (id === asked) error.value = failure(e)
    } finally {
      if (id === asked) loadingMore.value = false
    }
  }

  // Searches for `text` in every room at once (the quick switcher's "Search messages for").
  function ask(text: string): void {
    query.value = text
    scope.value = 'all'
    void run()
  }

  // A new query waits for a pause in the typing; a change of where or what to look for asks at once;
  // the question asked last is not asked again.
  watch(key, (k) => {
    if (k === lastKey) cancelTimer()
    else if (query.value.trim() !== lastQuery) schedule()
    else void run()
  })

  // Shown results follow what happens to their messages.
  connection.onFrame((f) => {
    if (f.type !== 'event' || items.value.length === 0) return
    const e = f.event
    const at = items.value.findIndex((i) => i.room === f.room && i.id === e.id)
    if (at < 0) return
    if (e.kind === 'deleted') items.value.splice(at, 1)
    else if (e.kind === 'edited') Object.assign(items.value[at]!, { text: e.text ?? '', edited_at: e.at })
  })

  return {
    query,
    scope,
    here,
    room,
    from,
    since,
    until,
    items,
    answered,
    terms,
    more,
    partial,
    status,
    error,
    loadingMore,
    filtered,
    run,
    loadMore,
    ask,
  }
})
