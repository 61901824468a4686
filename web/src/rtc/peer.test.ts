// Perfect negotiation between two Peers over fake connections: both sides add tracks at once (the
// glare every new pair of a mesh meets), signals cross in flight, and the call still connects with
// each side receiving the other's tracks. ICE failures restart ICE, then give up.
import { describe, expect, it, vi } from 'vitest'
import { FakePeerConnection, FakeStream, FakeTrack, settle } from './fakes'
import {
  MAX_ICE_RESTARTS,
  Peer,
  STALL_MS,
  isPolite,
  parseSignal,
  type PeerEvents,
  type SignalData,
} from './peer'

type Side = { peer: Peer; pc: FakePeerConnection; tracks: string[]; states: string[]; failed: number }

function pair(delay = 0): { a: Side; b: Side } {
  const sides: Record<string, Side> = {}
  const make = (me: string, them: string): Side => {
    const side = { tracks: [], states: [], failed: 0 } as unknown as Side
    const events: PeerEvents = {
      // Signals travel asynchronously, as through the server, and may cross.
      signal: (data: SignalData) =>
        setTimeout(() => void sides[them]!.peer.receive(parseSignal({ ...data })), delay),
      track: (t) => side.tracks.push(t.kind),
      state: (s) => side.states.push(s),
      failed: () => (side.failed += 1),
    }
    side.peer = new Peer(
      them === 'p-b' ? 'p-b' : 'p-a',
      me,
      {},
      events,
      () => ({}),
      (c) => {
        const pc = new FakePeerConnection(c)
        side.pc = pc
        return pc as unknown as RTCPeerConnection
      },
    )
    sides[me] = side
    return side
  }
  return { a: make('p-a', 'p-b'), b: make('p-b', 'p-a') }
}

function addMedia(side: Side): void {
  const stream = new FakeStream()
  for (const kind of ['audio', 'video'] as const) {
    const t = new FakeTrack(kind)
    stream.addTrack(t)
    side.peer.pc.addTrack(t as unknown as MediaStreamTrack, stream as unknown as MediaStream)
  }
}

// A candidate of an offer rolled back in glare may reach the other side after it took the answer:
// it fails there, harmlessly, with a warning.
vi.spyOn(console, 'warn').mockImplementation(() => undefined)

describe('perfect negotiation', () => {
  it('makes the side with the greater peer id the polite one', () => {
    expect(isPolite('p-b', 'p-a')).toBe(true)
    expect(isPolite('p-a', 'p-b')).toBe(false)
    const { a, b } = pair()
    expect([a.peer.polite, b.peer.polite]).toEqual([false, true])
  })

  it('connects a new pair: the impolite side offers first, the polite one answers, then offers too', async () => {
    const { a, b } = pair()
    addMedia(a)
    addMedia(b)
    await settle(40)
    expect(a.pc.offers).toBe(1)
    expect(b.pc.offers).toBe(1) // after its answer, not against a's offer
    for (const side of [a, b]) {
      expect(side.pc.signalingState).toBe('stable')
      expect(side.tracks.sort()).toEqual(['audio', 'video'])
      expect(side.states).toContain('connected')
    }
  })

  it('survives glare: both renegotiate at once, both offer, and both end with the other side’s tracks', async () => {
    const { a, b } = pair()
    addMedia(a)
    addMedia(b)
    await settle(40)
    const offers = [a.pc.offers, b.pc.offers]
    for (const side of [a, b]) {
      const screen = new FakeStream([new FakeTrack('video')])
      side.peer.pc.addTrack(
        screen.getTracks()[0] as unknown as MediaStreamTrack,
        screen as unknown as MediaStream,
      )
    }
    await settle(40)
    expect(a.pc.offers).toBeGreaterThan(offers[0]!)
    expect(b.pc.offers).toBeGreaterThan(offers[1]!) // a real collision happened
    for (const side of [a, b]) {
      expect(side.pc.signalingState).toBe('stable')
      expect(side.tracks.sort()).toEqual(['audio', 'video', 'video'])
      expect(side.pc.candidates.length).toBeGreaterThan(0)
    }
  })

  it('renegotiates a track added later (a shared screen) from either side, with slow signals', async () => {
    const { a, b } = pair(3)
    addMedia(a)
    addMedia(b)
    await settle(60)
    const screen = new FakeStream([new FakeTrack('video')])
    b.peer.pc.addTrack(screen.getTracks()[0] as unknown as MediaStreamTrack, screen as unknown as MediaStream)
    await settle(60)
    expect(a.tracks.filter((k) => k === 'video')).toHaveLength(2)
    expect(a.pc.signalingState).toBe('stable')
    expect(b.pc.signalingState).toBe('stable')
  })

  it('restarts ICE when a negotiation ends with ICE still new (gathering stalled), the impolite side first', async () => {
    vi.useFakeTimers()
    try {
      const { a, b } = pair()
      addMedia(a)
      addMedia(b)
      await vi.advanceTimersByTimeAsync(100)
      expect([a.pc.restarts, b.pc.restarts]).toEqual([0, 0])
      await vi.advanceTimersByTimeAsync(STALL_MS)
      expect([a.pc.restarts, b.pc.restarts]).toEqual([1, 0])
    } finally {
      vi.useRealTimers()
    }
  })

  it('restarts ICE when it fails, and gives up (closing) after the restarts', async () => {
    const { a } = pair()
    for (let i = 0; i < MAX_ICE_RESTARTS; i++) a.pc.failIce()
    expect(a.pc.restarts).toBe(MAX_ICE_RESTARTS)
    expect(a.failed).toBe(0)
    a.pc.failIce()
    expect(a.failed).toBe(1)
    expect(a.pc.closed).toBe(true)
  })

  it('a connection that comes back resets the count of restarts', () => {
    const { a } = pair()
    for (let i = 0; i < MAX_ICE_RESTARTS; i++) a.pc.failIce()
    a.pc.setConnection('connected')
    a.pc.failIce()
    expect(a.failed).toBe(0)
    expect(a.pc.restarts).toBe(MAX_ICE_RESTARTS + 1)
  })

  it('resync rolls back an offer that may have been lost and restarts ICE', async () => {
    const { a } = pair()
    await a.peer.pc.setLocalDescription()
    expect(a.pc.signalingState).toBe('have-local-offer')
    await a.peer.resync()
    expect(a.pc.signalingState).toBe('stable')
    expect(a.pc.restarts).toBe(1)
  })
})

describe('parseSignal', () => {
  it('keeps a description, a candidate and stream names, and drops anything malformed', () => {
    expect(
      parseSignal({
        description: { type: 'offer', sdp: 'v=0' },
        candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0, extra: 1 },
        streams: { s1: 'camera', s2: 'screen', s3: 'nope' },
      }),
    ).toEqual({
      description: { type: 'offer', sdp: 'v=0' },
      candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 },
      streams: { s1: 'camera', s2: 'screen' },
    })
    expect(parseSignal({ description: { type: 'rollback', sdp: '' }, candidate: 'x' })).toEqual({})
  })
})
