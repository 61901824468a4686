// The one WebSocket of this tab: connects to /ws on the page's own origin, decodes frames and
// reconnects with backoff and jitter when the socket drops. A socket can also die silently (the
// network gone without a close): its own heartbeat and the browser's offline event notice that
// within seconds, and the browser's online event reconnects at once.
import { decodeServerFrame, type ServerFrame } from '../protocol/frames'
import { utf8Bytes } from '../protocol/limits'
import { reconnectDelay } from './backoff'

export type ConnectionState = 'connecting' | 'online' | 'offline'

export interface ConnectionEvents {
  onState(state: ConnectionState, retryInMs?: number): void
  onFrame(frame: ServerFrame): void
  // The server ended this sign-in (close 4001): reconnecting would be refused.
  onSignedOut?(): void
  // The server closed the socket over a message too large (1009): `text`, the largest this socket
  // sent, is one it refused (the one it choked on was over the limit, and this one is no smaller).
  // Sending it again would close the next socket too.
  onTooLarge?(text: string): void
}

export const CLOSE_SIGNED_OUT = 4001
export const CLOSE_TOO_LARGE = 1009

// How long a socket must stay open after `hello` before the backoff starts again from the shortest
// delay. Resetting on open alone let a server that accepts and then drops every socket (overloaded,
// crashing on hello, a proxy timing out) be retried at the shortest delay forever; `hello` shows the
// server really served us, and the wait shows it kept doing so.
export const STABLE_AFTER_HELLO_MS = 10_000

// With nothing heard for HEARTBEAT_MS the tab sends `ping`; with still nothing heard DEAD_AFTER_MS
// later the socket is taken for gone. A browser cannot send WebSocket pings, and a socket whose
// network vanished stays "open" until TCP gives up, which takes minutes.
export const HEARTBEAT_MS = 4_000
export const DEAD_AFTER_MS = 3_000
// A timer this much later than asked means the page was not running, not that the server was silent.
const LATE_TIMER_MS = 2_000

export function socketUrl(loc: Pick<Location, 'protocol' | 'host'>): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`
}

export class Connection {
  private ws: WebSocket | null = null
  private attempt = 0
  private timer: ReturnType<typeof setTimeout> | null = null
  private stableTimer: ReturnType<typeof setTimeout> | null = null
  private stopped = false
  private largest = { text: '', bytes: 0 } // the largest message sent on this socket
  private heartbeat: ReturnType<typeof setTimeout> | null = null
  private deadline: ReturnType<typeof setTimeout> | null = null
  private pings = 0

  constructor(
    private readonly url: string,
    private readonly events: ConnectionEvents,
  ) {}

  start(): void {
    this.stopped = false
    globalThis.addEventListener?.('offline', this.onNetworkLost)
    globalThis.addEventListener?.('online', this.onNetworkBack)
    this.open()
  }

  // Sends a text frame; false when the socket is not open (the caller keeps it for later).
  send(text: string): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false
    this.ws.send(text)
    const bytes = utf8Bytes(text)
    if (bytes > this.largest.bytes) this.largest = { text, bytes }
    return true
  }

  stop(): void {
    this.stopped = true
    globalThis.removeEventListener?.('offline', this.onNetworkLost)
    globalThis.removeEventListener?.('online', this.onNetworkBack)
    if (this.timer) clearTimeout(this.timer)
    this.clearStableTimer()
    this.clearHeartbeat()
    this.ws?.close(1000, 'bye')
    this.ws = null
  }

  // The browser lost its network: the socket is as good as gone, whatever it says.
  private readonly onNetworkLost = (): void => {
    if (this.ws) this.abandon(this.ws)
  }

  // The network is back: try at once, from the shortest delay.
  private readonly onNetworkBack = (): void => {
    if (this.stopped || this.ws) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.attempt = 0
    this.open()
  }

  private open(): void {
    this.events.onState('connecting')
    const ws = new WebSocket(this.url)
    this.ws = ws
    this.largest = { text: '', bytes: 0 }
    // Online once the server said hello: a socket can open through a network (or a proxy) that
    // then carries nothing.
    ws.onopen = () => this.heard(ws)
    ws.onmessage = (ev: MessageEvent) => {
      this.heard(ws)
      if (typeof ev.data !== 'string') return
      const frame = decodeServerFrame(ev.data)
      if (frame?.type === 'hello' && this.ws === ws) {
        this.resetBackoffWhenStable(ws)
        this.events.onState('online')
      }
      if (frame) this.events.onFrame(frame)
    }
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws || this.stopped) return
      this.ws = null
      this.clearStableTimer()
      this.clearHeartbeat()
      if (ev.code === CLOSE_SIGNED_OUT) {
        this.stopped = true
        this.events.onState('offline')
        this.events.onSignedOut?.()
        return
      }
      if (ev.code === CLOSE_TOO_LARGE && this.largest.bytes > 0) this.events.onTooLarge?.(this.largest.text)
      this.retry()
    }
  }

  // Offline until the next attempt. Attempts go on whatever navigator.onLine says: a browser with no
  // network but loopback says false, and a server on the same machine still answers.
  private retry(): void {
    const delay = reconnectDelay(this.attempt++, Math.random())
    this.events.onState('offline', delay)
    this.timer = setTimeout(() => {
      this.timer = null
      this.open()
    }, delay)
  }

  // Leaves a socket that stopped answering: it may never close by itself.
  private abandon(ws: WebSocket): void {
    if (this.ws !== ws) return
    ws.onopen = ws.onmessage = ws.onclose = null
    ws.close()
    this.ws = null
    this.clearStableTimer()
    this.clearHeartbeat()
    this.retry()
  }

  // Anything from the server shows the socket alive: the next ping waits for a quiet moment.
  private heard(ws: WebSocket): void {
    this.clearHeartbeat()
    this.heartbeat = setTimeout(() => {
      this.heartbeat = null
      if (this.ws !== ws) return
      this.armDeadline(ws, true)
      this.send(`{"type":"ping","cid":"heartbeat-${++this.pings}"}`)
    }, HEARTBEAT_MS)
  }

  // The ping's answer is given DEAD_AFTER_MS. When this tab itself did not run for a while (a
  // starved or frozen page: the timer fires far later than asked), the answer may be waiting
  // behind the timer, unread: it gets the same time again, once, counted from now.
  private armDeadline(ws: WebSocket, mayWait: boolean): void {
    const armed = Date.now()
    this.deadline = setTimeout(() => {
      this.deadline = null
      if (this.ws !== ws) return
      if (mayWait && Date.now() - armed > DEAD_AFTER_MS + LATE_TIMER_MS) this.armDeadline(ws, false)
      else this.abandon(ws)
    }, DEAD_AFTER_MS)
  }

  private clearHeartbeat(): void {
    if (this.heartbeat) clearTimeout(this.heartbeat)
    if (this.deadline) clearTimeout(this.deadline)
    this.heartbeat = this.deadline = null
  }

  private resetBackoffWhenStable(ws: WebSocket): void {
    this.clearStableTimer()
    this.stableTimer = setTimeout(() => {
      this.stableTimer = null
      if (this.ws === ws && ws.readyState === WebSocket.OPEN) this.attempt = 0
    }, STABLE_AFTER_HELLO_MS)
  }

  private clearStableTimer(): void {
    if (this.stableTimer) clearTimeout(this.stableTimer)
    this.stableTimer = null
  }
}
