// The calls store: which call rings this tab, the running calls kept from call_state and asked
// for (`calls`) after every hello, and this tab's call brought back with the same peer id.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { CallInfo, CallPeer, ServerFrame } from '../protocol/frames'
import { FakePeerConnection, FakeStream, FakeTrack } from '../rtc/fakes'
import { ringsMe, useCallsStore } from './calls'
import { useChatStore } from './chat'
import { useConnectionStore, type Command } from './connection'

const hello = {
  type: 'hello' as const,
  server: 'parley',
  version: 'test',
  user: { id: 1, username: 'ann', display_name: 'Ann' },
  rooms: [],
}
const peer = (id: string, user: number): CallPeer => ({
  peer: id,
  user,
  username: `user${user}`,
  since: 1,
  audio: true,
  video: false,
  screen: false,
  away: false,
})
const call = (over: Partial<CallInfo> = {}): CallInfo => ({
  id: 'c1',
  room: 3,
  direct: true,
  caller: 2,
  started: 1,
  answered: null,
  video: false,
  ringing: [1],
  peers: [peer('p-bob-000001', 2)],
  max_peers: 8,
  ...over,
})

describe('ringsMe', () => {
  it('rings when the call rings my user and none of my tabs is in it', () => {
    expect(ringsMe(call(), 1)).toBe(true)
    expect(ringsMe(call(), 2)).toBe(false) // not rung
    expect(ringsMe(call(), undefined)).toBe(false)
    expect(ringsMe(call({ peers: [peer('p-bob-000001', 2), peer('p-ann-other1', 1)] }), 1)).toBe(false)
    expect(ringsMe(call({ ringing: [] }), 1)).toBe(false)
  })
})

// A browser's media and peer connections, faked for the store's call sessions.
function fakeMedia(): void {
  Object.assign(globalThis, { MediaStream: FakeStream, RTCPeerConnection: FakePeerConnection })
  Object.defineProperty(navigator, 'mediaDevices', {
    configurable: true,
    value: {
      enumerateDevices: async () => [],
      getUserMedia: async (c: MediaStreamConstraints) =>
        new FakeStream([new FakeTrack(c.audio ? 'audio' : 'video')]),
    },
  })
}

describe('calls store', () => {
  beforeEach(() => {
    localStorage.clear()
    sessionStorage.clear()
    setActivePinia(createPinia())
    FakePeerConnection.made = []
  })

  function stores(answer: (c: Command) => ServerFrame | null) {
    const connection = useConnectionStore()
    const requests: Command[] = []
    vi.spyOn(connection, 'send').mockReturnValue(true)
    vi.spyOn(connection, 'request').mockImplementation(async (c) => {
      requests.push(c)
      const f = answer(c)
      if (!f) throw new Error('Not connected')
      return f
    })
    const chat = useChatStore()
    const calls = useCallsStore()
    return { connection, chat, calls, requests }
  }

  it('asks for the running calls after hello and keeps them from call_state', async () => {
    const { connection, calls, requests } = stores((c) =>
      c.type === 'calls' ? { type: 'calls', calls: [call({ ringing: [] })] } : null,
    )
    connection.handleFrame(hello)
    await vi.waitFor(() => expect(calls.running.get(3)?.id).toBe('c1'))
    expect(requests).toEqual([{ type: 'calls' }])
    expect(calls.ringing).toEqual([])

    connection.handleFrame({ type: 'call_state', room: 3, call: call() })
    expect(calls.ringing.map((c) => c.id)).toEqual(['c1'])
    connection.handleFrame({ type: 'call_state', room: 3, call: null })
    expect(calls.running.size).toBe(0)
    expect(calls.ringing).toEqual([])
  })

  it('stops ringing this tab once declined here', async () => {
    const { connection, calls, requests } = stores(() => ({ type: 'ack', cid: 'x' }))
    connection.handleFrame(hello)
    connection.handleFrame({ type: 'call_state', room: 3, call: call() })
    calls.decline(3)
    expect(calls.ringing).toEqual([])
    expect(requests.at(-1)).toEqual({ type: 'call_decline', room: 3 })
  })

  it('joins again with the same peer id after a reconnect, and ends a call that ended meanwhile', async () => {
    fakeMedia()
    let running: CallInfo[] = []
    const { connection, calls, requests } = stores((c) => {
      if (c.type === 'calls') return { type: 'calls', calls: running }
      if (c.type === 'call_join') {
        const info = call({ ringing: [], peers: [peer(c.peer, 1), peer('p-bob-000001', 2)] })
        running = [info]
        return { type: 'call_joined', room: 3, call: info, ice_servers: [] }
      }
      return { type: 'ack', cid: 'x' }
    })
    connection.handleFrame(hello)
    await calls.join(3, { audio: true, video: false })
    const first = requests.find((r) => r.type === 'call_join')
    expect(calls.active?.phase).toBe('in-call')

    connection.handleFrame(hello) // the socket came back
    await vi.waitFor(() => expect(requests.filter((r) => r.type === 'call_join')).toHaveLength(2))
    const again = requests.filter((r) => r.type === 'call_join')[1]
    expect(again).toEqual(first)
    expect(calls.active?.phase).toBe('in-call')

    running = [] // the call ended while we were away
    connection.handleFrame(hello)
    await vi.waitFor(() => expect(calls.active).toBeNull())
    expect(calls.message).toMatchObject({ room: 3, error: false })
  })

  it('ends the call with a message on call_dropped', async () => {
    Object.assign(globalThis, { MediaStream: FakeStream, RTCPeerConnection: FakePeerConnection })
    const { connection, calls } = stores((c) =>
      c.type === 'call_join'
        ? {
            type: 'call_joined',
            room: 3,
            call: call({ ringing: [], peers: [peer(c.peer, 1)] }),
            ice_servers: [],
          }
        : { type: 'calls', calls: [] },
    )
    await calls.join(3, { audio: true, video: false })
    const id = calls.active!.peerId
    connection.handleFrame({ type: 'call_dropped', room: 3, peer: id, reason: 'taken' })
    expect(calls.active).toBeNull()
    expect(calls.message?.text).toMatch(/other tab/)
  })

  it('a reloaded tab that was in a call joins it again as a new peer, and only then', async () => {
    fakeMedia()
    let running: CallInfo[] = []
    const answer = (c: Command): ServerFrame => {
      if (c.type === 'calls') return { type: 'calls', calls: running }
      if (c.type === 'call_join') {
        const info = call({ ringing: [], peers: [peer(c.peer, 1), peer('p-bob-000001', 2)] })
        running = [info]
        return { type: 'call_joined', room: 3, call: info, ice_servers: [] }
      }
      return { type: 'ack', cid: 'x' }
    }
    const first = stores(answer)
    first.connection.handleFrame(hello)
    await first.calls.join(3, { audio: true, video: true })
    const before = first.calls.active!.peerId

    // The page reloads: new stores, the same sessionStorage; the server still has the old peer.
    setActivePinia(createPinia())
    const second = stores(answer)
    second.connection.handleFrame(hello)
    await vi.waitFor(() => expect(second.calls.active?.phase).toBe('in-call'))
    const rejoin = second.requests.find((r) => r.type === 'call_join')
    expect(rejoin).toMatchObject({ room: 3, audio: true, video: true })
    expect(second.calls.active!.peerId).not.toBe(before)

    // After hanging up, a reload joins nothing; nor does a call without this user's old peer.
    second.calls.hangUp()
    setActivePinia(createPinia())
    const third = stores(answer)
    third.connection.handleFrame(hello)
    await vi.waitFor(() => expect(third.requests.some((r) => r.type === 'calls')).toBe(true))
    expect(third.requests.some((r) => r.type === 'call_join')).toBe(false)
  })
})
