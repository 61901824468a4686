// The call's state machine against fakes: joining opens one connection per other peer; call_state
// adds and closes them; after a reconnect the same peer id joins again (and a call that ended
// meanwhile ends here); call_dropped ends the call with its reason; mute takes the track off the
// senders; signals that come before our call_joined wait for it.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { CallInfo, CallJoinedFrame, CallPeer, ServerFrame } from '../protocol/frames'
import type { Command } from '../stores/connection'
import { FakePeerConnection, FakeStream, FakeTrack, settle } from './fakes'
import { noPrefs } from './media'
import { CallSession, ENDED_OFFLINE, REMOVED, TAKEN, type CallDeps } from './session'

const ME = 'p-mine-0001'
const peer = (id: string, user: number, over: Partial<CallPeer> = {}): CallPeer => ({
  peer: id,
  user,
  username: `user${user}`,
  since: 1000,
  audio: true,
  video: false,
  screen: false,
  away: false,
  ...over,
})
const call = (peers: CallPeer[], id = 'call-1'): CallInfo => ({
  id,
  room: 3,
  direct: false,
  caller: 1,
  started: 1000,
  answered: null,
  video: false,
  ringing: [],
  peers,
  max_peers: 8,
})
const joined = (c: CallInfo): CallJoinedFrame => ({
  type: 'call_joined',
  room: 3,
  call: c,
  ice_servers: [{ urls: ['stun:stun.example.org:3478'] }],
})

function setup(answer: (c: Command) => ServerFrame | Promise<ServerFrame>) {
  const sent: Command[] = []
  const requests: Command[] = []
  const ended: { text: string | null; error: boolean }[] = []
  const deps: CallDeps = {
    user: 1,
    send: (c) => (sent.push(c), true),
    request: async (c) => {
      requests.push(c)
      return answer(c)
    },
    prefs: () => noPrefs,
    createPeerConnection: (config) => new FakePeerConnection(config) as unknown as RTCPeerConnection,
    openTrack: async (kind) => new FakeTrack(kind) as unknown as MediaStreamTrack,
    openScreen: async () => new FakeStream([new FakeTrack('video')]) as unknown as MediaStream,
    audioOut: () => ({ volume: () => undefined, speaker: () => undefined, stop: () => undefined }),
    newStream: () => new FakeStream() as unknown as MediaStream,
  }
  const s = new CallSession(3, { audio: true, video: false }, deps, ME)
  s.onEnd = (text, error) => ended.push({ text, error })
  return { s, sent, requests, ended }
}
const pcs = () => FakePeerConnection.made
const open = () => pcs().filter((p) => !p.closed)

beforeEach(() => {
  FakePeerConnection.made = []
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})

describe('CallSession', () => {
  it('joins with its peer id and opens a connection to every other peer, with the ICE servers given', async () => {
    const c = call([peer('p-other-0001', 2), peer(ME, 1), peer('p-third-0001', 3)])
    const { s, requests } = setup(() => joined(c))
    await s.start()
    expect(requests[0]).toEqual({
      type: 'call_join',
      room: 3,
      peer: ME,
      audio: true,
      video: false,
      screen: false,
    })
    expect(s.phase).toBe('in-call')
    expect(s.state.remotes.map((r) => r.peer).sort()).toEqual(['p-other-0001', 'p-third-0001'])
    expect(pcs()).toHaveLength(2)
    expect(pcs()[0]!.config.iceServers).toEqual([{ urls: ['stun:stun.example.org:3478'] }])
    expect(pcs()[0]!.senders.map((x) => x.kind)).toEqual(['audio']) // the microphone, added at once
    s.leave()
  })

  it('follows call_state: a new peer gets a connection, a peer gone loses its own', async () => {
    const { s } = setup(() => joined(call([peer(ME, 1), peer('p-other-0001', 2)])))
    await s.start()
    s.onState(3, call([peer(ME, 1), peer('p-other-0001', 2), peer('p-new-00001', 4)]))
    expect(open()).toHaveLength(2)
    s.onState(3, call([peer(ME, 1), peer('p-new-00001', 4)]))
    expect(open()).toHaveLength(1)
    expect(s.state.remotes.map((r) => r.peer)).toEqual(['p-new-00001'])
    s.leave()
  })

  it('starts afresh with a peer that was dropped and came back (its since changed)', async () => {
    const { s } = setup(() => joined(call([peer(ME, 1), peer('p-other-0001', 2)])))
    await s.start()
    const first = open()[0]
    s.onState(3, call([peer(ME, 1), peer('p-other-0001', 2, { since: 5000 })]))
    expect(first!.closed).toBe(true)
    expect(open()).toHaveLength(1)
    s.leave()
  })

  it('after a reconnect joins again with the same peer id, keeping its connections', async () => {
    const c = call([peer(ME, 1), peer('p-other-0001', 2)])
    const { s, requests } = setup(() => joined(c))
    await s.start()
    const pc = open()[0]!
    s.resume(c) // the store calls this with the room's call from `calls` after hello
    await settle()
    expect(requests.filter((r) => r.type === 'call_join').map((r) => 'peer' in r && r.peer)).toEqual([ME, ME])
    expect(pc.closed).toBe(false)
    expect(open()).toHaveLength(1)
    s.leave()
  })

  it('re-offers after a reconnect to a peer whose negotiation may have been cut', async () => {
    const c = call([peer(ME, 1), peer('p-other-0001', 2)])
    const { s } = setup(() => joined(c))
    await s.start()
    await settle()
    const pc = open()[0]!
    expect(pc.signalingState).toBe('have-local-offer') // our offer went nowhere: no one answered
    s.resume(c)
    await settle()
    expect(pc.restarts).toBe(1)
  })

  it('ends the call here when it ended while the socket was down', async () => {
    const { s, ended, requests } = setup(() => joined(call([peer(ME, 1), peer('p-other-0001', 2)])))
    await s.start()
    s.resume(undefined)
    expect(ended).toEqual([{ text: ENDED_OFFLINE(), error: false }])
    expect(open()).toHaveLength(0)
    expect(requests.filter((r) => r.type === 'call_join')).toHaveLength(1)
  })

  it('ends on call_dropped for its own peer, saying why', async () => {
    const { s, ended } = setup(() => joined(call([peer(ME, 1), peer('p-other-0001', 2)])))
    await s.start()
    s.onDropped({ type: 'call_dropped', room: 3, peer: 'p-someone-else', reason: 'taken' })
    expect(ended).toEqual([])
    s.onDropped({ type: 'call_dropped', room: 3, peer: ME, reason: 'taken' })
    expect(ended).toEqual([{ text: TAKEN(), error: false }])
    expect(open()).toHaveLength(0)
    expect(s.state.camera).toBeNull()
  })

  it('ends when a call_state no longer holds it: taken by another tab of the user, or removed', async () => {
    const a = setup(() => joined(call([peer(ME, 1), peer('p-other-0001', 2)])))
    await a.s.start()
    a.s.onState(3, call([peer('p-mytab-0002', 1), peer('p-other-0001', 2)]))
    expect(a.ended).toEqual([{ text: TAKEN(), error: false }])
    const b = setup(() => joined(call([peer(ME, 1), peer('p-other-0001', 2)])))
    await b.s.start()
    b.s.onDropped({ type: 'call_dropped', room: 3, peer: ME, reason: 'removed' })
    expect(b.ended).toEqual([{ text: REMOVED(), error: false }])
  })

  it('shows the server’s refusal (call_full) as an error', async () => {
    const refusal = Object.assign(new Error('The call is full (8 people)'), {
      frame: { type: 'error', code: 'call_full', message: 'The call is full (8 people)' },
    })
    const { s, ended } = setup(() => Promise.reject(refusal))
    await s.start()
    expect(ended).toEqual([{ text: 'The call is full (8 people)', error: true }])
  })

  it('ends with an error when the microphone is refused', async () => {
    const { s, ended, requests } = setup(() => joined(call([peer(ME, 1)])))
    s['deps'].openTrack = async () => {
      throw new DOMException('denied', 'NotAllowedError')
    }
    await s.start()
    expect(ended[0]?.error).toBe(true)
    expect(ended[0]?.text).toMatch(/did not allow the microphone/)
    expect(requests).toHaveLength(0)
  })

  it('mutes by taking the track off the senders (nothing is sent), and says so to the others', async () => {
    const { s, requests } = setup((c) =>
      c.type === 'call_join'
        ? joined(call([peer(ME, 1), peer('p-other-0001', 2)]))
        : { type: 'ack', cid: 'x' },
    )
    await s.start()
    const sender = open()[0]!.senders[0]!
    const mic = sender.track
    await s.setAudio(false)
    expect(sender.track).toBeNull()
    expect(requests.at(-1)).toEqual({
      type: 'call_media',
      room: 3,
      peer: ME,
      audio: false,
      video: false,
      screen: false,
    })
    await s.setAudio(true)
    expect(sender.track).toBe(mic)
    s.leave()
  })

  it('shares the screen as a stream of its own, named in the signals, and stops it', async () => {
    const { s, sent } = setup((c) =>
      c.type === 'call_join'
        ? joined(call([peer(ME, 1), peer('p-other-0001', 2)]))
        : { type: 'ack', cid: 'x' },
    )
    await s.start()
    await s.setScreen(true)
    const pc = open()[0]!
    expect(pc.senders.map((x) => x.kind)).toEqual(['audio', 'video'])
    await settle()
    const offers = sent.flatMap((c) => (c.type === 'call_signal' && c.data.description ? [c.data] : []))
    expect(Object.values(offers.at(-1)?.streams as Record<string, string>).sort()).toEqual([
      'camera',
      'screen',
    ])
    await s.setScreen(false)
    expect(pc.senders.map((x) => x.kind)).toEqual(['audio'])
    expect(s.state.screen).toBe(false)
    s.leave()
  })

  it('keeps signals that come before its call_joined and applies them after', async () => {
    let release: (f: ServerFrame) => void = () => undefined
    const c = call([peer(ME, 1), peer('p-other-0001', 2)])
    const { s } = setup(() => new Promise<ServerFrame>((r) => (release = r)))
    const started = s.start()
    await settle(3)
    expect(s.phase).toBe('joining')
    s.onSignal({
      type: 'call_signal',
      room: 3,
      from: 'p-other-0001',
      user: 2,
      data: { description: { type: 'offer', sdp: '{"tracks":[]}' } },
    })
    expect(pcs()).toHaveLength(0)
    release(joined(c))
    await started
    await settle()
    expect(pcs()).toHaveLength(1)
    expect(pcs()[0]!.remoteDescription?.type).toBe('offer')
    s.leave()
  })

  it('hangs up: tells the server, closes everything', async () => {
    const { s, requests, ended } = setup((c) =>
      c.type === 'call_join'
        ? joined(call([peer(ME, 1), peer('p-other-0001', 2)]))
        : { type: 'ack', cid: 'x' },
    )
    await s.start()
    s.leave()
    expect(requests.at(-1)).toEqual({ type: 'call_leave', room: 3, peer: ME })
    expect(open()).toHaveLength(0)
    expect(ended).toEqual([{ text: null, error: false }])
  })
})
