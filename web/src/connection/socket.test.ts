import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  CLOSE_TOO_LARGE,
  Connection,
  DEAD_AFTER_MS,
  HEARTBEAT_MS,
  STABLE_AFTER_HELLO_MS,
  type ConnectionState,
} from './socket'

// Just enough of a WebSocket for Connection: the test plays the server through its handlers.
class FakeSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSED = 3
  static all: FakeSocket[] = []

  readyState = FakeSocket.CONNECTING
  onopen: (() => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number }) => void) | null = null

  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }

  static answersPings = true // a live server; false plays one whose network went silent
  sent: string[] = []
  send(text: string): void {
    this.sent.push(text)
    const frame = JSON.parse(text) as { type?: string; cid?: string }
    if (frame.type === 'ping' && FakeSocket.answersPings) this.serverSays({ type: 'pong', cid: frame.cid })
  }
  close(): void {
    this.readyState = FakeSocket.CLOSED
  }

  serverOpens(): void {
    this.readyState = FakeSocket.OPEN
    this.onopen?.()
  }
  serverSays(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
  serverCloses(code = 1006): void {
    this.readyState = FakeSocket.CLOSED
    this.onclose?.({ code })
  }
}

const hello = {
  type: 'hello',
  server: 'parley',
  version: '0.2.0',
  user: { id: 1, username: 'alice', display_name: 'Alice' },
  rooms: [],
}

function latest(): FakeSocket {
  const ws = FakeSocket.all.at(-1)
  if (!ws) throw new Error('no socket opened')
  return ws
}

describe('Connection: reconnect backoff', () => {
  let retries: number[]
  let conn: Connection

  beforeEach(() => {
    vi.useFakeTimers()
    vi.stubGlobal('WebSocket', FakeSocket)
    vi.spyOn(Math, 'random').mockReturnValue(0.5) // the same jitter every time, so delays compare
    FakeSocket.all = []
    retries = []
    conn = new Connection('ws://x/ws', {
      onState(state: ConnectionState, retryInMs?: number) {
        if (state === 'offline' && retryInMs !== undefined) retries.push(retryInMs)
      },
      onFrame() {},
    })
    conn.start()
  })

  afterEach(() => {
    conn.stop()
    vi.useRealTimers()
    vi.unstubAllGlobals()
    vi.restoreAllMocks()
  })

  // The server accepts the socket (and maybe says hello), then drops it after `upMs`.
  async function dropAfter(upMs: number, sayHello: boolean): Promise<void> {
    const ws = latest()
    ws.serverOpens()
    if (sayHello) ws.serverSays(hello)
    await vi.advanceTimersByTimeAsync(upMs)
    ws.serverCloses()
    await vi.advanceTimersByTimeAsync(retries.at(-1) ?? 0) // the retry opens the next socket
  }

  it('keeps growing the delay while the server drops every socket right after opening', async () => {
    for (let i = 0; i < 12; i++) await dropAfter(0, false)
    expect(FakeSocket.all).toHaveLength(13)
    for (let i = 1; i < 7; i++) expect(retries[i]).toBeGreaterThan(retries[i - 1] ?? Infinity)
    expect(Math.max(...retries)).toBeLessThanOrEqual(30_000)
    expect(retries.at(-1)).toBeGreaterThan(10_000)
  })

  it('does not start over when a socket got hello but closed soon after', async () => {
    for (let i = 0; i < 4; i++) await dropAfter(STABLE_AFTER_HELLO_MS - 1, true)
    expect(retries).toHaveLength(4)
    for (let i = 1; i < 4; i++) expect(retries[i]).toBeGreaterThan(retries[i - 1] ?? Infinity)
  })

  it('starts over from the shortest delay once a socket with hello has stayed up', async () => {
    for (let i = 0; i < 4; i++) await dropAfter(0, false)
    await dropAfter(STABLE_AFTER_HELLO_MS, true)
    expect(retries).toHaveLength(5)
    expect(retries[4]).toBe(retries[0])
  })
})

describe('Connection: a message too large for the server', () => {
  let refused: string[]
  let conn: Connection

  beforeEach(() => {
    vi.useFakeTimers()
    vi.stubGlobal('WebSocket', FakeSocket)
    FakeSocket.all = []
    refused = []
    conn = new Connection('ws://x/ws', {
      onState() {},
      onFrame() {},
      onTooLarge: (text) => refused.push(text),
    })
    conn.start()
  })

  afterEach(() => {
    conn.stop()
    vi.useRealTimers()
    vi.unstubAllGlobals()
    vi.restoreAllMocks()
  })

  it('names the largest message the socket sent when the server closes it with 1009', async () => {
    latest().serverOpens()
    conn.send('{"type":"read"}')
    conn.send(`{"type":"post","text":"${'é'.repeat(40)}"}`) // more bytes than characters
    conn.send(`{"type":"post","text":"${'x'.repeat(60)}"}`)
    latest().serverCloses(CLOSE_TOO_LARGE)
    expect(refused).toEqual([`{"type":"post","text":"${'é'.repeat(40)}"}`])

    // The next socket starts afresh, and other closes name nothing.
    await vi.runOnlyPendingTimersAsync()
    latest().serverOpens()
    conn.send('{"type":"typing"}')
    latest().serverCloses(1006)
    expect(refused).toHaveLength(1)
  })
})

describe('Connection: a socket that went silent', () => {
  let states: string[]
  let conn: Connection

  beforeEach(() => {
    vi.useFakeTimers()
    vi.stubGlobal('WebSocket', FakeSocket)
    FakeSocket.all = []
    states = []
    conn = new Connection('ws://x/ws', {
      onState: (state, retryInMs) => states.push(retryInMs === undefined ? state : `${state} (retry)`),
      onFrame() {},
    })
    conn.start()
    latest().serverOpens()
    latest().serverSays(hello)
    FakeSocket.answersPings = false
  })

  afterEach(() => {
    FakeSocket.answersPings = true
    conn.stop()
    vi.useRealTimers()
    vi.unstubAllGlobals()
    vi.restoreAllMocks()
  })

  it('pings when nothing was heard, and gives the socket up when the ping goes unanswered', async () => {
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS)
    expect(latest().sent.map((t) => JSON.parse(t).type)).toEqual(['ping'])
    expect(states.at(-1)).toBe('online')
    await vi.advanceTimersByTimeAsync(DEAD_AFTER_MS)
    expect(states.at(-1)).toBe('offline (retry)')
    await vi.runOnlyPendingTimersAsync()
    expect(FakeSocket.all).toHaveLength(2)
  })

  it('gives a frozen tab the time again before taking the socket for gone', async () => {
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS)
    expect(latest().sent.map((t) => JSON.parse(t).type)).toEqual(['ping'])
    vi.setSystemTime(Date.now() + 20_000) // the page did not run for 20 s: no timer fired
    await vi.advanceTimersByTimeAsync(DEAD_AFTER_MS)
    expect(states.at(-1)).toBe('online')
    expect(FakeSocket.all).toHaveLength(1)
    // Once: with still nothing heard, it is gone.
    await vi.advanceTimersByTimeAsync(DEAD_AFTER_MS)
    expect(states.at(-1)).toBe('offline (retry)')
  })

  it('keeps a socket that answers', async () => {
    FakeSocket.answersPings = true
    await vi.advanceTimersByTimeAsync(5 * HEARTBEAT_MS)
    await vi.advanceTimersByTimeAsync(DEAD_AFTER_MS)
    expect(states.at(-1)).toBe('online')
    expect(FakeSocket.all).toHaveLength(1)
    expect(latest().sent).toHaveLength(5)
  })

  it('is offline as soon as the browser loses the network, and reconnects at once when it is back', async () => {
    FakeSocket.answersPings = true // the socket itself would go on looking fine
    window.dispatchEvent(new Event('offline'))
    expect(states.at(-1)).toBe('offline (retry)')
    expect(FakeSocket.all[0]!.readyState).toBe(FakeSocket.CLOSED)

    window.dispatchEvent(new Event('online'))
    expect(FakeSocket.all).toHaveLength(2) // without waiting for the retry
    expect(states.at(-1)).toBe('connecting')
    latest().serverOpens()
    latest().serverSays(hello)
    expect(states.at(-1)).toBe('online')
    await vi.runOnlyPendingTimersAsync() // the cancelled retry opens nothing more
    expect(FakeSocket.all).toHaveLength(2)
  })
})
