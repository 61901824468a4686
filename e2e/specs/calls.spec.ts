// Calls in real Chromium, each person in a browser context of their own with the fake camera and
// microphone: a 1:1 video call connects and both sides decode video; mute stops the outbound audio
// and unmute resumes it; screen sharing reaches the other side; decline and an unanswered ring end
// in the timeline; a four-person conference connects every pair and survives one member leaving
// and rejoining; a non-member hears nothing of a call and cannot join it; a call through a real
// coturn with relay-only ICE connects over the relay.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect } from './fixtures'
import {
  caller,
  callFrames,
  closeCallers,
  callRegion,
  channelOf,
  decodingFrom,
  directRoom,
  totals,
  type Person,
} from './calls'
import { freePort, startParley, stopParley } from './own-server'
import { withTurn } from './turn'

test.describe.configure({ timeout: 90_000 })
test.afterEach(async () => {
  await closeCallers()
})

async function startVideoCall(from: Person, to: Person) {
  await from.page.getByRole('button', { name: 'Start video call', exact: true }).click()
  const ring = to.page.getByRole('dialog', { name: 'Incoming call' })
  await expect(ring).toBeVisible()
  return ring
}

test('a 1:1 video call connects both ways; mute stops the audio; screen sharing reaches the other side; a non-member hears nothing', async ({
  browser,
}) => {
  const ann = await caller(browser, 'ann')
  const bob = await caller(browser, 'bob')
  const eve = await caller(browser, 'eve')
  const room = await directRoom(ann, bob)

  const ring = await startVideoCall(ann, bob)
  await ring.getByRole('button', { name: 'Accept with video', exact: true }).click()
  await expect(callRegion(ann)).toHaveAttribute('data-call-state', 'connected')
  await expect(callRegion(bob)).toHaveAttribute('data-call-state', 'connected')
  await decodingFrom(ann, 1)
  await decodingFrom(bob, 1)
  await expect(callRegion(bob).locator(`[data-username="${ann.name}"] video`)).toBeVisible()

  // Mute: Ann's outbound audio stops (bytesSent stays put while Bob keeps decoding her video).
  await expect.poll(async () => (await totals(ann)).audioBytesSent).toBeGreaterThan(0)
  await callRegion(ann).getByRole('button', { name: 'Mute', exact: true }).click()
  await expect(callRegion(ann).getByRole('button', { name: 'Unmute', exact: true })).toBeVisible()
  let last = -1
  await expect
    .poll(async () => {
      const now = (await totals(ann)).audioBytesSent
      const still = now === last
      last = now
      return still
    })
    .toBe(true)
  const muted = (await totals(ann)).audioBytesSent
  await decodingFrom(bob, 1) // time passes: Bob decodes more of Ann's video
  await decodingFrom(bob, 1)
  expect((await totals(ann)).audioBytesSent).toBe(muted)
  await callRegion(ann).getByRole('button', { name: 'Unmute', exact: true }).click()
  await expect.poll(async () => (await totals(ann)).audioBytesSent).toBeGreaterThan(muted)

  // Screen sharing: Bob decodes a second video stream, the fake 1280-wide screen.
  await callRegion(ann).getByRole('button', { name: 'Share screen', exact: true }).click()
  await expect(callRegion(ann).getByRole('button', { name: 'Stop sharing', exact: true })).toBeVisible()
  await expect.poll(async () => (await totals(bob)).widths.includes(1280), { timeout: 20_000 }).toBe(true)
  await decodingFrom(bob, 2)
  await callRegion(ann).getByRole('button', { name: 'Stop sharing', exact: true }).click()

  // Eve, no member, got none of the call's frames, and cannot join it.
  const refused = await eve.page.evaluate(async (roomId) => {
    const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/ws`)
    return new Promise<unknown>((resolve) => {
      ws.onmessage = (e) => {
        const f = JSON.parse(e.data as string) as { type: string }
        if (f.type === 'hello')
          ws.send(JSON.stringify({ type: 'call_join', cid: 'eve-1', room: roomId, peer: 'eve-peer-1234' }))
        if (f.type === 'error' || f.type === 'call_joined') {
          resolve(f)
          ws.close()
        }
      }
    })
  }, room)
  expect(refused).toMatchObject({ type: 'error', code: 'not_found', field: 'room', cid: 'eve-1' })
  const eveFrames = await callFrames(eve)
  expect(eveFrames.filter((f) => f.type !== 'calls' || (f.calls ?? []).length > 0)).toEqual([])

  // Hang up: the call ends on both sides and the timeline says so.
  await callRegion(bob).getByRole('button', { name: 'Hang up', exact: true }).click()
  await expect(callRegion(ann)).toHaveCount(0)
  for (const p of [ann, bob]) {
    await expect(p.page.getByRole('list', { name: 'Messages' }).getByText(/Call ended/)).toBeVisible()
  }
})

test('a socket reconnect keeps a running call, a reloaded tab joins it again, a tab that dies leaves it within seconds', async ({
  browser,
}) => {
  const ann = await caller(browser, 'ann')
  const bob = await caller(browser, 'bob')
  await directRoom(ann, bob)
  const ring = await startVideoCall(ann, bob)
  await ring.getByRole('button', { name: 'Accept with video', exact: true }).click()
  await expect(callRegion(ann)).toHaveAttribute('data-call-state', 'connected')
  await decodingFrom(bob, 1)
  await decodingFrom(ann, 1)
  const pcsBefore = await ann.page.evaluate(() => window.__pcs.length)

  // Ann's socket drops (the server sees a close); the app reconnects and rejoins with its peer.
  await ann.page.evaluate(() => window.__sockets.at(-1)?.close())
  await expect.poll(() => ann.page.evaluate(() => window.__sockets.length)).toBe(2)
  await expect(ann.page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
  await expect
    .poll(async () => (await callFrames(ann)).filter((f) => f.type === 'call_joined').length)
    .toBe(2)
  // The same connection carries the media: no new one was made, and both sides still decode.
  expect(await ann.page.evaluate(() => window.__pcs.length)).toBe(pcsBefore)
  await decodingFrom(ann, 1)
  await decodingFrom(bob, 1)
  await expect(callRegion(ann)).toHaveAttribute('data-call-state', 'connected')

  // Ann reloads the page: the tab joins the call again (as a new peer in place of its old one).
  await ann.page.reload()
  await expect(callRegion(ann)).toHaveAttribute('data-call-state', 'connected', { timeout: 20_000 })
  await decodingFrom(ann, 1)
  await decodingFrom(bob, 1)
  await expect(callRegion(bob).locator('[data-peer]')).toHaveCount(1)

  // Bob's tab dies: after the server's grace his peer is gone and the call ends for Ann.
  await bob.page.context().close()
  await expect(callRegion(ann)).toHaveCount(0, { timeout: 20_000 })
  await expect(ann.page.getByRole('list', { name: 'Messages' }).getByText(/Call ended/)).toBeVisible()
})

test('a declined call and an unanswered one show in the timeline', async ({ browser }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-calls-'))
  const port = await freePort()
  const server = await startParley(port, dataDir, ['--ring-timeout-ms', '3000'])
  try {
    const base = `http://127.0.0.1:${port}`
    const ann = await caller(browser, 'ann', { base })
    const bob = await caller(browser, 'bob', { base })
    await directRoom(ann, bob)

    const ring = await startVideoCall(ann, bob)
    await ring.getByRole('button', { name: 'Decline', exact: true }).click()
    await expect(ring).toHaveCount(0)
    for (const p of [ann, bob]) {
      await expect(p.page.getByRole('list', { name: 'Messages' }).getByText('Call declined')).toBeVisible()
    }
    await expect(callRegion(ann)).toHaveCount(0)

    await startVideoCall(ann, bob) // nobody answers: after 3 s it is a missed call
    await expect(bob.page.getByRole('dialog', { name: 'Incoming call' })).toHaveCount(0, { timeout: 15_000 })
    for (const p of [ann, bob]) {
      await expect(p.page.getByRole('list', { name: 'Messages' }).getByText('Missed call')).toBeVisible()
    }
    await expect(callRegion(ann)).toHaveCount(0)
  } finally {
    await stopParley(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
})

// Joins the running call of the open room (or starts it), through the lobby where there is one.
async function joinConference(p: Person) {
  const join = p.page.getByRole('button', { name: /^(Join call|Start video call)$/ })
  await join.first().click()
  const now = p.page.getByRole('button', { name: 'Join now', exact: true })
  await expect(now.or(callRegion(p))).toBeVisible()
  if (await now.isVisible()) await now.click()
  await expect(callRegion(p)).toBeVisible()
}

test('a four-person conference connects every pair and survives one member leaving and rejoining', async ({
  browser,
}) => {
  const people: Person[] = []
  for (const n of ['ann', 'bob', 'cat', 'dan']) people.push(await caller(browser, n))
  await channelOf(people, 'standup')
  for (const p of people) await joinConference(p)
  for (const p of people) {
    await expect(callRegion(p).locator('[data-peer]')).toHaveCount(3, { timeout: 20_000 })
    await expect.poll(async () => (await totals(p)).connected, { timeout: 20_000 }).toBe(3)
    await decodingFrom(p, 3)
  }
  await expect(people[0]!.page.getByLabel('Call in progress').first()).toBeVisible()

  // Dan leaves: the others keep each other and lose only him.
  const [ann, bob, cat, dan] = people as [Person, Person, Person, Person]
  await callRegion(dan).getByRole('button', { name: 'Hang up', exact: true }).click()
  for (const p of [ann, bob, cat]) {
    await expect(callRegion(p).locator('[data-peer]')).toHaveCount(2)
    await expect(callRegion(p).locator(`[data-username="${dan.name}"]`)).toHaveCount(0)
  }
  await decodingFrom(ann, 2)

  // And comes back.
  await joinConference(dan)
  for (const p of people) {
    await expect(callRegion(p).locator('[data-peer]')).toHaveCount(3, { timeout: 20_000 })
    await expect.poll(async () => (await totals(p)).connected, { timeout: 20_000 }).toBe(3)
  }
  await decodingFrom(dan, 3)
  await decodingFrom(ann, 2)
})

test('a call through coturn with relay-only ICE connects over the relay', async ({ browser }) => {
  await withTurn(async (base) => {
    const ann = await caller(browser, 'ann', { base, relay: true })
    const bob = await caller(browser, 'bob', { base, relay: true })
    await directRoom(ann, bob)
    const ring = await startVideoCall(ann, bob)
    await ring.getByRole('button', { name: 'Accept with video', exact: true }).click()
    await decodingFrom(ann, 1, 30_000)
    await decodingFrom(bob, 1, 30_000)
    expect((await totals(ann)).relayPairs).toBeGreaterThan(0)
    expect((await totals(bob)).relayPairs).toBeGreaterThan(0)
  })
})
