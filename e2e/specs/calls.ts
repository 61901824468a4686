// What the call specs share: people whose pages record every RTCPeerConnection and WebSocket frame
// (an init script, before the app loads), WebRTC statistics read from those connections, and the
// rooms calls happen in. The fake camera and microphone come from Chromium's flags
// (playwright.config.ts); the suite runs in a loopback-only network namespace (scripts/e2e.sh).
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { expect } from './fixtures'
import { unique } from './users'

declare global {
  interface Window {
    __pcs: RTCPeerConnection[]
    __frames: string[]
    __sockets: WebSocket[]
    __channels: RTCDataChannel[]
  }
}

// Runs in the page before any of its scripts.
function recordRtc(relay: boolean) {
  const pcs: RTCPeerConnection[] = []
  const frames: string[] = []
  const sockets: WebSocket[] = []
  const channels: RTCDataChannel[] = []
  window.__pcs = pcs
  window.__channels = channels
  window.__frames = frames
  window.__sockets = sockets
  const Pc = window.RTCPeerConnection
  window.RTCPeerConnection = class extends Pc {
    constructor(config?: RTCConfiguration) {
      super(config)
      pcs.push(this)
      this.addEventListener('datachannel', (e) => channels.push(e.channel))
    }
    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const channel = super.createDataChannel(label, init)
      channels.push(channel)
      return channel
    }
  } as typeof RTCPeerConnection
  const Ws = window.WebSocket
  window.WebSocket = class extends Ws {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      sockets.push(this)
      this.addEventListener('message', (e: MessageEvent) => {
        if (typeof e.data === 'string') frames.push(e.data)
      })
    }
  } as typeof WebSocket
  if (relay) localStorage.setItem('parley.iceTransportPolicy', 'relay')
}

export type Person = { page: Page; name: string }

// Every context caller() opened: closed after each test (closeCallers), since a call left running
// would keep encoding and decoding video through every later spec of the run.
const contexts: BrowserContext[] = []
export async function closeCallers(): Promise<void> {
  await Promise.all(contexts.splice(0).map((c) => c.close()))
}

// A new person registered in a context of their own, at `base` (default: the shared server).
export async function caller(
  browser: Browser,
  prefix: string,
  opts: { base?: string; relay?: boolean } = {},
): Promise<Person> {
  const context = await browser.newContext({
    permissions: ['camera', 'microphone'],
    ...(opts.base ? { baseURL: opts.base } : {}),
  })
  contexts.push(context)
  await context.addInitScript(recordRtc, opts.relay ?? false)
  const page = await context.newPage()
  const name = unique(prefix)
  await page.goto('/register')
  await page.getByLabel('Username').fill(name)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
  return { page, name }
}

// A channel that everyone in `people` has joined and has open; the first one made it.
export async function channelOf(people: Person[], prefix = 'call'): Promise<string> {
  const [owner, ...rest] = people
  const channel = unique(prefix)
  await owner.page.getByRole('button', { name: 'New room' }).click()
  await owner.page.getByLabel('Room name').fill(channel)
  await owner.page.getByRole('button', { name: 'Create' }).click()
  await expect(owner.page.getByRole('heading', { name: `#${channel}` })).toBeVisible()
  for (const p of rest) {
    await p.page.getByRole('button', { name: 'Browse channels' }).click()
    await p.page.getByRole('button', { name: `Join #${channel}` }).click()
    await expect(p.page.getByRole('heading', { name: `#${channel}` })).toBeVisible()
  }
  return channel
}

// A direct room of `a` and `b`, open on both pages; its id.
export async function directRoom(a: Person, b: Person): Promise<number> {
  await channelOf([a, b], 'meet')
  await b.page.getByRole('button', { name: /^Members/ }).click()
  await b.page.getByRole('button', { name: `Message ${a.name}` }).click()
  const box = b.page.getByRole('textbox', { name: `Message ${a.name}` })
  await box.fill('call me')
  await box.press('Enter')
  const dm = a.page.getByRole('button', { name: `${b.name}, 1 unread` })
  await dm.click()
  await expect(a.page.getByRole('list', { name: 'Messages' }).getByText('call me')).toBeVisible()
  return Number(new URL(a.page.url()).pathname.split('/').pop())
}

export const callRegion = (p: Person) => p.page.getByRole('region', { name: 'Call', exact: true })

// Sums of the statistics of the page's open peer connections.
export type Totals = {
  open: number
  connected: number
  videoFramesDecoded: number
  videoStreamsDecoding: number // inbound video streams with frames decoded
  widths: number[] // frameWidth of the inbound video streams decoding
  audioBytesSent: number
  relayPairs: number // selected candidate pairs whose local candidate is a TURN relay
}

export async function totals(p: Person): Promise<Totals> {
  return p.page.evaluate(async () => {
    const t = {
      open: 0,
      connected: 0,
      videoFramesDecoded: 0,
      videoStreamsDecoding: 0,
      widths: [] as number[],
      audioBytesSent: 0,
      relayPairs: 0,
    }
    for (const pc of window.__pcs) {
      if (pc.connectionState === 'closed') continue
      t.open++
      if (pc.connectionState === 'connected') t.connected++
      const stats = await pc.getStats()
      const byId = new Map<string, Record<string, unknown>>()
      stats.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s))
      stats.forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') {
          const frames = (s.framesDecoded as number) ?? 0
          t.videoFramesDecoded += frames
          if (frames > 0) {
            t.videoStreamsDecoding++
            t.widths.push((s.frameWidth as number) ?? 0)
          }
        }
        if (s.type === 'outbound-rtp' && s.kind === 'audio') t.audioBytesSent += (s.bytesSent as number) ?? 0
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          const pair = byId.get(s.selectedCandidatePairId as string)
          const local = pair && byId.get(pair.localCandidateId as string)
          if (local?.candidateType === 'relay') t.relayPairs++
        }
      })
    }
    return t
  })
}

// Waits until the page decodes video from `streams` remote streams and its frame count grows.
export async function decodingFrom(p: Person, streams: number, timeout = 20_000): Promise<void> {
  await expect
    .poll(async () => (await totals(p)).videoStreamsDecoding, { timeout })
    .toBeGreaterThanOrEqual(streams)
  const before = (await totals(p)).videoFramesDecoded
  await expect
    .poll(async () => (await totals(p)).videoFramesDecoded, { timeout })
    .toBeGreaterThan(before + 10)
}

// The call frames the page's sockets received.
type CallFrame = { type: string; room?: number; calls?: unknown[] }
export async function callFrames(p: Person): Promise<CallFrame[]> {
  return p.page.evaluate(() =>
    window.__frames.map((f) => JSON.parse(f) as CallFrame).filter((f) => f.type.startsWith('call')),
  )
}
