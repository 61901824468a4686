// One room's timeline as the client keeps it, by the seq rules of docs/protocol.md: an event with
// seq = last + 1 is applied, one at or below `last` is a duplicate, one further ahead reveals a gap
// (the caller syncs from `last`). Edits, deletions and reactions fold into the message they touch,
// as absolute changes, so applying one twice does no harm.
//
// What is shown is one run of the log with nothing missing inside it. Usually that run ends at
// `last` and takes new events. A jump to an older message (a search result) shows a run around it
// instead, which ends at `upTo`: the run that reaches `last` waits aside in `live`, still taking new
// events, until the shown run is extended forward (`extend`, from `sync` pages) far enough to meet it,
// or the reader goes back to it (`backToLive`).
import type { ChatEvent } from '../protocol/frames'

export type ApplyResult = 'applied' | 'duplicate' | 'gap'

// A run of shown items, oldest first, and whether history before its first item may exist.
export interface Run {
  items: ChatEvent[]
  hasOlder: boolean
}

// The kinds that show as a line in the timeline (the others change a message in it).
const SHOWN = new Set([
  'created',
  'message',
  'joined',
  'left',
  'invited',
  'removed',
  'renamed',
  'user_renamed',
  'call',
  'pinned',
  'member_muted',
])

export class Timeline {
  last = 0 // the last applied seq
  items: ChatEvent[] = [] // shown items, oldest first
  hasOlder = true // history before items[0] may exist
  live: Run | null = null // while an older run is shown: the run that ends at `last`
  upTo = 0 // while `live` is set: the shown run holds the log up to this seq
  run = 0 // changes whenever the shown run is replaced (not when it grows)
  private ahead = new Map<number, ChatEvent>() // events past a gap, until the gap is filled

  // Applies a live or synced event. Events past a gap wait until it is filled.
  apply(e: ChatEvent): ApplyResult {
    if (e.seq <= this.last) return 'duplicate'
    if (e.seq > this.last + 1) {
      this.ahead.set(e.seq, e)
      return 'gap'
    }
    this.fold(e)
    this.last = e.seq
    for (let next = this.ahead.get(this.last + 1); next; next = this.ahead.get(this.last + 1)) {
      this.ahead.delete(next.seq)
      this.fold(next)
      this.last = next.seq
    }
    return 'applied'
  }

  // A page of history (newest first, as the server sends it) in front of what is shown.
  prepend(page: ChatEvent[], more: boolean): void {
    const oldest = this.items[0]?.seq ?? Infinity
    const older = page.filter((e) => e.seq < oldest).reverse()
    this.items = [...older, ...this.items]
    this.hasOlder = more
  }

  // The first load: the newest page of history; `last` continues from the room's log position,
  // which the caller then syncs from.
  reset(page: ChatEvent[], more: boolean, last: number): void {
    this.items = [...page].reverse()
    this.hasOlder = more
    this.last = last
    this.live = null
    this.run += 1
    this.ahead.clear()
  }

  // The run that ends at `last`: the one new events go to, and the one worth keeping offline.
  liveRun(): Run {
    return this.live ?? this
  }

  // Whether the message with this seq is in the shown run.
  shows(seq: number): boolean {
    return this.items.some((m) => m.seq === seq)
  }

  // Shows the run that ends at `last` again, when it holds `seq` (any seq when absent).
  backToLive(seq?: number): boolean {
    const live = this.live
    if (!live) return seq === undefined || this.shows(seq)
    if (seq !== undefined && !live.items.some((m) => m.seq === seq)) return false
    this.items = live.items
    this.hasOlder = live.hasOlder
    this.live = null
    this.run += 1
    return true
  }

  // A page of history (newest first) holding the log below `before`, around an older message: shown
  // in place of the current run. A page that reaches the run ending at `last` is joined to it.
  jump(page: ChatEvent[], more: boolean, before: number): void {
    const live = this.liveRun()
    const liveItems = live.items
    const liveHasOlder = live.hasOlder
    const liveStart = liveItems[0]?.seq ?? this.last + 1
    const older = page.filter((e) => e.seq < liveStart).reverse()
    this.run += 1
    if (before >= liveStart) {
      this.items = [...older, ...liveItems]
      this.hasOlder = older.length ? more : liveHasOlder
      this.live = null
      return
    }
    this.live = { items: liveItems, hasOlder: liveHasOlder }
    this.items = older
    this.hasOlder = more
    this.upTo = before - 1
  }

  // A page of `sync` after `upTo` (oldest first) under a shown run that does not reach `last`: the
  // run grows, and becomes the live run again once the page meets it. `more: false` means the page
  // reached the log's end, so nothing lies between it and the live run.
  extend(events: ChatEvent[], more: boolean): void {
    const live = this.live
    if (!live) return
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!
      if (e.seq <= this.upTo) continue
      if (e.seq >= (live.items[0]?.seq ?? this.last + 1)) {
        this.rejoin(live)
        for (const rest of events.slice(i)) this.apply(rest)
        return
      }
      // A sync item already counts its replies: none are added for the replies that follow it.
      this.fold(e, this.items, false)
      this.upTo = e.seq
    }
    if (!more) this.rejoin(live)
  }

  message(id: number): ChatEvent | undefined {
    const find = (items: ChatEvent[]) => items.find((m) => m.kind === 'message' && m.id === id)
    return find(this.items) ?? (this.live ? find(this.live.items) : undefined)
  }

  private rejoin(live: Run): void {
    this.items = [...this.items, ...live.items]
    this.live = null
  }

  private fold(e: ChatEvent, into = this.liveRun().items, countReplies = true): void {
    if (SHOWN.has(e.kind)) {
      into.push(e.kind === 'message' ? { reactions: [], replies: 0, deleted: false, files: [], ...e } : e)
      if (countReplies && e.kind === 'message' && e.reply_to) {
        const parent = this.message(e.reply_to)
        if (parent) parent.replies = (parent.replies ?? 0) + 1
      }
      return
    }
    const m = e.id === undefined ? undefined : this.message(e.id)
    if (!m) return
    if (e.kind === 'edited') {
      m.text = e.text
      m.edited_at = e.at
    } else if (e.kind === 'deleted') {
      m.deleted = true
      m.text = ''
      m.reactions = []
      m.files = [] // a deleted message lets go of its files too
    } else if (e.kind === 'reaction' && e.emoji) {
      const reactions = m.reactions ?? []
      let r = reactions.find((x) => x.emoji === e.emoji)
      if (!r && e.on) {
        r = { emoji: e.emoji, users: [] }
        reactions.push(r)
      }
      if (r) {
        r.users = r.users.filter((u) => u !== e.user)
        if (e.on) r.users.push(e.user)
      }
      m.reactions = reactions.filter((x) => x.users.length > 0)
    }
  }
}
