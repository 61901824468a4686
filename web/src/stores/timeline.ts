// One room's timeline as the client keeps it, by the seq rules of docs/protocol.md: an event with
// seq = last + 1 is applied, one at or below `last` is a duplicate, one further ahead reveals a gap
// (the caller syncs from `last`). Edits, deletions and reactions fold into the message they touch,
// as absolute changes, so applying one twice does no harm.
import type { ChatEvent } from '../protocol/frames'

export type ApplyResult = 'applied' | 'duplicate' | 'gap'

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
])

export class Timeline {
  last = 0 // the last applied seq
  items: ChatEvent[] = [] // shown items, oldest first
  hasOlder = true // history before items[0] may exist
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
    this.ahead.clear()
  }

  message(id: number): ChatEvent | undefined {
    return this.items.find((m) => m.kind === 'message' && m.id === id)
  }

  private fold(e: ChatEvent): void {
    if (SHOWN.has(e.kind)) {
      this.items.push(
        e.kind === 'message' ? { reactions: [], replies: 0, deleted: false, files: [], ...e } : e,
      )
      if (e.kind === 'message' && e.reply_to) {
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
