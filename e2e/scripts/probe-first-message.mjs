// Does Chromium deliver a message sent on a data channel the other side created, from inside that
// channel's 'datachannel' event? Direct transfers depended on it (the receiver's first `hello`) and
// stalled when it was dropped. Each round opens a fresh connection between two pages: the receiver
// sends 'early' in its 'datachannel' event; the creator sends 'ready' in its 'open' event and the
// receiver answers 'hello' from its 'message' event (what rtc/transfer-send.ts and
// transfer-receive.ts do now). Prints how many of each were lost.
//
//   cd e2e && unshare -n sh -c 'ip link set lo up && ROUNDS=100 node scripts/probe-first-message.mjs'
//
// Measured with Chromium 156 here: 'early' lost in 35 of 730 rounds over nine runs (pages in one
// context or in two, the channel set up as rtc/transfer-link.ts does or not; fewer the more loaded
// the machine), 'ready' and 'hello' never (0 of 420).
import { chromium } from '@playwright/test'
import { chromiumArgs } from '../chromium-args.mjs'

const rounds = Number(process.env.ROUNDS ?? 100)
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs })
// Media permission: without it host candidates hide behind mDNS names, unresolvable on loopback.
// SAME_CONTEXT=1: both pages in one browser context (one renderer process) instead of one each.
const contexts = process.env.SAME_CONTEXT === '1' ? 1 : 2
const pages = []
for (let i = 0; i < 2; i++) {
  if (i < contexts) pages.push(await browser.newContext({ permissions: ['camera', 'microphone'] }))
  else pages.push(pages[0])
}
const creator = await pages[0].newPage()
const receiver = await pages[1].newPage()
const wait = (ms) => new Promise((r) => setTimeout(r, ms))
let early = 0
let handshake = 0
for (let r = 0; r < rounds; r++) {
  const offer = await creator.evaluate(async () => {
    const pc = new RTCPeerConnection()
    const control = pc.createDataChannel('control')
    pc.createDataChannel('data-0')
    window.probe = { pc, got: [], candidates: [] }
    control.onopen = () => control.send('ready')
    control.onmessage = (e) => window.probe.got.push(e.data)
    pc.onicecandidate = (e) => e.candidate && window.probe.candidates.push(e.candidate.toJSON())
    await pc.setLocalDescription()
    return pc.localDescription.toJSON()
  })
  const answer = await receiver.evaluate(async (offer) => {
    const pc = new RTCPeerConnection()
    window.probe = { pc, got: [], candidates: [] }
    pc.ondatachannel = ({ channel }) => {
      if (channel.label !== 'control') return
      channel.send('early')
      channel.onmessage = (e) => {
        window.probe.got.push(e.data)
        channel.send('hello')
      }
    }
    pc.onicecandidate = (e) => e.candidate && window.probe.candidates.push(e.candidate.toJSON())
    await pc.setRemoteDescription(offer)
    await pc.setLocalDescription()
    return pc.localDescription.toJSON()
  }, offer)
  await creator.evaluate((answer) => window.probe.pc.setRemoteDescription(answer), answer)
  await wait(300) // candidates gathered (loopback: a few ms)
  const fromCreator = await creator.evaluate(() => window.probe.candidates)
  const fromReceiver = await receiver.evaluate(() => window.probe.candidates)
  await receiver.evaluate(async (cs) => {
    for (const c of cs) await window.probe.pc.addIceCandidate(c)
  }, fromCreator)
  await creator.evaluate(async (cs) => {
    for (const c of cs) await window.probe.pc.addIceCandidate(c)
  }, fromReceiver)
  await wait(1500) // far longer than a loopback round trip: a message not there by now is lost
  const gotCreator = await creator.evaluate(() => window.probe.got)
  const gotReceiver = await receiver.evaluate(() => window.probe.got)
  if (!gotCreator.includes('early')) early++
  if (!gotReceiver.includes('ready') || !gotCreator.includes('hello')) handshake++
  for (const p of [creator, receiver]) await p.evaluate(() => window.probe.pc.close())
}
console.log(`rounds ${rounds}: 'early' lost ${early}, 'ready'/'hello' lost ${handshake}`)
await browser.close()
