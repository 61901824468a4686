// A small chat client for the integration tests, over npm `ws`, that follows the client rules of
// docs/protocol.md: per room it keeps the last applied `seq`, applies seq == last + 1, ignores
// seq <= last, and answers a gap with `sync` from its last seq (paging while `more`). Every frame it
// receives is kept in order, so a test can wait for one that arrived before it started waiting.
import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'
import { Client, dump } from './harness.mjs'

// Registers an account over the REST API; resolves with its id, name and session cookie.
export async function signUp(server, username) {
  const http = new Client(server)
  const user = await http.register(username)
  return { id: user.id, username: user.username, cookie: http.cookieHeader(), http }
}

let cidCounter = 0
export function newCid(prefix = 'c') {
  cidCounter += 1
  return `${prefix}-${cidCounter}-${randomUUID().slice(0, 8)}`
}

// The fields that identify an event, whether it came live or from `sync` (where message items show
// the message as it is now, so their text is left out here).
export function signature(ev) {
  const s = { seq: ev.seq, kind: ev.kind, user: ev.user }
  for (const k of ['id', 'target', 'emoji', 'on', 'name', 'room_kind']) if (k in ev) s[k] = ev[k]
  return s
}

// Folds a room's applied events into its messages as they are now: id -> {text, deleted, reactions}.
export function foldRoom(events) {
  const messages = new Map()
  for (const ev of events) {
    if (ev.kind === 'message') {
      const reactions = new Map()
      for (const r of ev.reactions ?? []) reactions.set(r.emoji, new Set(r.users))
      messages.set(ev.id, {
        id: ev.id,
        seq: ev.seq,
        user: ev.user,
        reply_to: ev.reply_to ?? null,
        text: ev.deleted ? '' : ev.text,
        deleted: Boolean(ev.deleted),
        reactions,
      })
    } else if (ev.kind === 'edited') {
      const m = messages.get(ev.id)
      if (m && !m.deleted) m.text = ev.text
    } else if (ev.kind === 'deleted') {
      const m = messages.get(ev.id)
      if (m) {
        m.deleted = true
        m.text = ''
      }
    } else if (ev.kind === 'reaction') {
      const m = messages.get(ev.id)
      if (!m) continue
      if (!m.reactions.has(ev.emoji)) m.reactions.set(ev.emoji, new Set())
      if (ev.on) m.reactions.get(ev.emoji).add(ev.user)
      else m.reactions.get(ev.emoji).delete(ev.user)
    }
  }
  // A plain, comparable form.
  return [...messages.values()]
    .sort((a, b) => a.seq - b.seq)
    .map((m) => ({
      ...m,
      reactions: [...m.reactions]
        .filter(([, users]) => users.size > 0)
        .map(([emoji, users]) => ({ emoji, users: [...users].sort((a, b) => a - b) }))
        .sort((a, b) => (a.emoji < b.emoji ? -1 : 1)),
    }))
}

export class ChatClient {
  // Opens a socket with the session cookie and resolves after `hello`; unless `sync: false`, also
  // after the first `sync` of every room it knows (from `hello` and from `logs`, the per-room logs of
  // an earlier connection to continue from).
  static async connect(server, cookie, opts = {}) {
    const client = new ChatClient(server, cookie, opts)
    await client.opened
    if (opts.sync !== false) await client.syncAll()
    return client
  }

  constructor(server, cookie, { logs = new Map(), syncLimit } = {}) {
    this.server = server
    this.frames = [] // every frame received, parsed, in order
    this.logs = logs // room -> {last, events (applied), live (seqs of live event frames), gaps, dups}
    this.pending = new Map() // cid -> [{resolve, reject}] in send order
    this.waiters = new Set()
    this.syncing = new Map() // room -> promise of the sync loop
    this.syncCids = new Set()
    this.syncRequests = [] // {room, after}
    this.syncLimit = syncLimit
    this.anomalies = [] // things a correct server never makes the client see
    this.closeInfo = null
    this.hello = null
    this.user = null
    this.rooms = null

    this.ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
      headers: { origin: server.origin, cookie },
    })
    this.ws.on('error', (e) => {
      this.error = e
    })
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() }
        for (const list of this.pending.values())
          for (const p of list) p.reject(new Error(`socket closed (${code}) before the answer`))
        this.pending.clear()
        this.notify()
        resolve(this.closeInfo)
      })
    })
    this.opened = new Promise((resolve, reject) => {
      this.ws.on('unexpected-response', (req, res) => {
        reject(new Error(`upgrade refused with HTTP ${res.statusCode}`))
        this.ws.terminate()
      })
      this.ws.on('close', () =>
        reject(new Error(`socket closed before hello: ${JSON.stringify(this.closeInfo)}`)),
      )
      this.helloResolve = resolve
    })
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.anomalies.push({ binary: true })
        return
      }
      let frame
      try {
        frame = JSON.parse(data.toString())
      } catch {
        this.anomalies.push({ notJson: data.toString() })
        return
      }
      this.onFrame(frame)
    })
  }

  onFrame(f) {
    this.frames.push(f)
    if (f.type === 'hello') {
      this.hello = f
      this.user = f.user
      this.rooms = f.rooms
      for (const r of f.rooms ?? []) this.log(r.id)
      this.helloResolve(this)
    } else if (f.type === 'event') {
      this.applyLive(f)
    } else if (f.type === 'rooms') {
      this.rooms = f.rooms
    } else if (f.type === 'sync' && this.syncCids.has(f.cid)) {
      // Applied here, before any later frame of the same chunk, not after an await.
      for (const ev of f.events) this.apply(f.room, ev, 'sync')
    }
    if (typeof f.cid === 'string' && this.pending.has(f.cid)) {
      const list = this.pending.get(f.cid)
      const p = list.shift()
      if (list.length === 0) this.pending.delete(f.cid)
      p.resolve(f)
    }
    this.notify()
  }

  log(room) {
    if (!this.logs.has(room)) this.logs.set(room, { last: 0, events: [], live: [], gaps: 0, dups: 0 })
    return this.logs.get(room)
  }

  // The events applied for a room, in seq order, without `type` and `room`.
  events(room) {
    return this.log(room).events
  }

  last(room) {
    return this.log(room).last
  }

  applyLive(f) {
    const known = this.logs.has(f.room)
    const log = this.log(f.room)
    log.live.push(f.seq)
    const { type, room, ...ev } = f
    if (!known) this.command({ type: 'rooms' }).catch(() => {}) // a room we did not know: ask again
    this.apply(room, ev, 'live')
  }

  apply(room, ev, source) {
    const log = this.log(room)
    if (ev.seq <= log.last) {
      log.dups += 1
      return
    }
    if (ev.seq === log.last + 1) {
      log.last = ev.seq
      log.events.push({ ...ev, source })
      return
    }
    if (source === 'sync') {
      // A sync answer is every event after `after`, oldest first: a hole in it is a server bug.
      this.anomalies.push({ room, syncGap: { expected: log.last + 1, got: ev.seq } })
      log.last = ev.seq
      log.events.push({ ...ev, source })
      return
    }
    log.gaps += 1
    this.requestSync(room)
  }

  // Starts (or extends) the sync loop for a room; resolves when it caught up.
  requestSync(room) {
    const log = this.log(room)
    if (this.syncing.has(room)) {
      log.again = true
      return this.syncing.get(room)
    }
    const run = (async () => {
      for (;;) {
        log.again = false
        const cid = newCid('sync')
        this.syncCids.add(cid)
        const after = log.last
        this.syncRequests.push({ room, after })
        const frame = { type: 'sync', room, after, cid }
        if (this.syncLimit) frame.limit = this.syncLimit
        let ans
        try {
          ans = await this.command(frame)
        } catch {
          return // socket closed
        }
        if (ans.type !== 'sync') {
          log.syncError = ans
          return
        }
        if (ans.more && ans.events.length === 0) {
          this.anomalies.push({ room, emptyPageWithMore: ans })
          return
        }
        if (!ans.more && !log.again) return
      }
    })().finally(() => this.syncing.delete(room))
    this.syncing.set(room, run)
    return run
  }

  async syncAll() {
    await Promise.all([...this.logs.keys()].map((room) => this.requestSync(room)))
  }

  // Resolves when no sync loop is running.
  async settled() {
    while (this.syncing.size) await Promise.all([...this.syncing.values()])
  }

  notify() {
    for (const w of [...this.waiters]) w()
  }

  // Resolves with the first truthy value of `fn`, re-evaluated after every frame; rejects if the
  // socket closes first.
  until(fn, what = fn.toString()) {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v
        try {
          v = fn()
        } catch (e) {
          this.waiters.delete(check)
          reject(e)
          return
        }
        if (v) {
          this.waiters.delete(check)
          resolve(v)
        } else if (this.closeInfo) {
          this.waiters.delete(check)
          reject(new Error(`socket closed (${JSON.stringify(this.closeInfo)}) while waiting for ${what}`))
        }
      }
      this.waiters.add(check)
      check()
    })
  }

  // Index of the next frame to arrive: pass it to waitFor to skip what came before.
  mark() {
    return this.frames.length
  }

  // Resolves with the first frame (from index `since`) matching `pred`, already received or not.
  waitFor(pred, since = 0) {
    return this.until(() => {
      for (let i = since; i < this.frames.length; i++) if (pred(this.frames[i])) return this.frames[i]
      return null
    }, pred.toString())
  }

  // Resolves with the first applied event of `room` matching `pred`.
  waitForEvent(room, pred) {
    return this.until(() => this.events(room).find(pred), `event in room ${room}: ${pred}`)
  }

  // Resolves when the room's log reached `seq`.
  waitForSeq(room, seq) {
    return this.until(() => this.last(room) >= seq, `room ${room} seq ${seq}`)
  }

  framesSince(since, pred = () => true) {
    return this.frames.slice(since).filter(pred)
  }

  // Sends a command with a fresh cid (unless it has one; `cid: null` sends none) and resolves with
  // the answer carrying that cid: `ack`, the named answer frame, or an `error` frame.
  command(frame) {
    const f = { ...frame }
    if (!('cid' in f)) f.cid = newCid()
    if (f.cid === null) delete f.cid
    if (typeof f.cid !== 'string') {
      this.send(f)
      return Promise.resolve(null)
    }
    return new Promise((resolve, reject) => {
      if (this.closeInfo) {
        reject(new Error('socket is closed'))
        return
      }
      if (!this.pending.has(f.cid)) this.pending.set(f.cid, [])
      this.pending.get(f.cid).push({ resolve, reject })
      this.send(f)
    })
  }

  // Like command, but an `error` answer throws.
  async must(frame) {
    const ans = await this.command(frame)
    if (ans.type === 'error')
      throw new Error(
        `${frame.type} refused: ${JSON.stringify(ans)} (sent ${JSON.stringify(frame).slice(0, 300)})`,
      )
    return ans
  }

  post(room, text, extra = {}) {
    return this.must({ type: 'post', room, text, ...extra })
  }

  // Sends a frame as it is: an object as JSON, a string as it is.
  send(frame) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  // A round trip on this socket: every frame the server queued for it before the pong has arrived.
  async ping() {
    const ans = await this.command({ type: 'ping' })
    if (ans.type !== 'pong') throw new Error(`ping answered with ${JSON.stringify(ans)}`)
    return ans
  }

  async close() {
    if (!this.closeInfo) this.ws.close()
    return this.closed
  }
}

// An error as the caller sees it, with the ids it named replaced, so two can be compared.
export function shape(answer) {
  return {
    type: answer?.type,
    code: answer?.code,
    field: answer?.field,
    message: String(answer?.message).replace(/\d+/g, 'N'),
  }
}

// Connects a signed-up user (see signUp).
export function connect(server, who, opts) {
  return ChatClient.connect(server, who.cookie, opts)
}

// Server options for the chat tests: fast password hashing, and per-connection request limits high
// enough that a test pipelining hundreds of commands is not cut off (the limits have their own tests).
export const CHAT_ARGS = ['--requests-per-second', '100000', '--request-burst', '100000']

// Registers the first account (the server admin) so that the people a test uses are plain users.
export async function signUpAdminFirst(server) {
  return signUp(server, 'root')
}

// Keeps the clients a test opens so that afterEach can close them all.
export class Tabs {
  constructor(server) {
    this.server = server
    this.open = []
  }

  async connect(who, opts) {
    const c = await connect(this.server, who, opts)
    this.open.push(c)
    return c
  }

  async closeAll() {
    const all = this.open.splice(0)
    await Promise.all(all.map((c) => c.close()))
  }
}

// Matches a `presence` frame of `user` (online or offline, or either when `online` is undefined).
export const presenceOf = (user, online) => (f) =>
  f.type === 'presence' && f.user === user.id && (online === undefined || f.online === online)

export function findRoom(roomsAnswer, id) {
  const list = Array.isArray(roomsAnswer) ? roomsAnswer : roomsAnswer.rooms
  return list.find((r) => r.id === id)
}

// The database as SQL, without the rows of `users` and `sessions`, which connecting and
// disconnecting touch (last_seen): for "a refused command stored nothing" while other sockets come
// and go.
export function chatDump(server) {
  return dump(server)
    .split('\n')
    .filter((line) => !/^INSERT INTO "?(users|sessions)"? /.test(line))
    .join('\n')
}
