// The one WebSocket of this tab: connects to /ws on the page's own origin, decodes frames and
// reconnects with backoff and jitter when the socket drops.
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

  constructor(
    private readonly url: string,
    private readonly events: ConnectionEvents,
  ) {}

  start(): void {
    this.stopped = false
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
    if (this.timer) clearTimeout(this.timer)
    this.clearStableTimer()
    this.ws?.close(1000, 'bye')
    this.ws = null
  }

  private open(): void {
    this.events.onState('connecting')
    const ws = new WebSocket(this.url)
    this.ws = ws
    this.largest = { text: '', bytes: 0 }
    ws.onopen = () => {
      this.events.onState('online')
    }
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return
      const frame = decodeServerFrame(ev.data)
      if (frame?.type === 'hello' && this.ws === ws) this.resetBackoffWhenStable(ws)
      if (frame) this.events.onFrame(frame)
    }
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws || this.stopped) return
      this.clearStableTimer()
      if (ev.code === CLOSE_SIGNED_OUT) {
        this.stopped = true
        this.events.onState('offline')
        this.events.onSignedOut?.()
        return
      }
      if (ev.code === CLOSE_TOO_LARGE && this.largest.bytes > 0) this.events.onTooLarge?.(this.largest.text)
      const delay = reconnectDelay(this.attempt++, Math.random())
      this.events.onState('offline', delay)
      this.timer = setTimeout(() => this.open(), delay)
    }
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
