// Takes the screenshots in docs/screenshots/ (run by hand, not part of the test suite):
//   cd e2e && node scripts/screenshots.mjs
// Starts the asan server on a fresh data directory, gives three people avatars and has them talk in
// a channel (a code block, a mention, an image with a caption, a PDF, a voice message, a reaction),
// and photographs the chat on a desktop (light and dark, with the image viewer open, and the New
// room dialog), the first screen of a new account, and the chat on a phone. Every picture and file is made here: nothing is downloaded.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from '@playwright/test'
import { startServer } from './server.mjs'

const root = resolve(import.meta.dirname, '../..')
const out = join(root, 'docs/screenshots')
const bin = process.env.PARLEY_BIN ?? join(root, 'build/asan/bin/parley')
const webRoot = process.env.PARLEY_WEB_ROOT ?? join(root, 'web/dist')

// --- Pictures and files, drawn here ------------------------------------------------------------

// A flat portrait for an avatar (256×256 PNG), drawn on a canvas in the page. Runs in the browser.
async function drawAvatar(look) {
  const size = 256
  const canvas = document.createElement('canvas')
  canvas.width = size
  canvas.height = size
  const g = canvas.getContext('2d')
  const bg = g.createLinearGradient(0, 0, size, size)
  bg.addColorStop(0, look.bg[0])
  bg.addColorStop(1, look.bg[1])
  g.fillStyle = bg
  g.fillRect(0, 0, size, size)
  const ellipse = (x, y, rx, ry, color) => {
    g.fillStyle = color
    g.beginPath()
    g.ellipse(x, y, rx, ry, 0, 0, Math.PI * 2)
    g.fill()
  }
  if (look.hair === 'long') {
    g.fillStyle = look.hairColor
    g.beginPath()
    g.roundRect(62, 70, 132, 150, 60)
    g.fill()
  }
  ellipse(128, 292, 104, 100, look.shirt) // shoulders
  g.fillStyle = look.neck
  g.fillRect(108, 150, 40, 52) // neck
  ellipse(128, 196, 22, 10, look.neck)
  ellipse(128, 116, 50, 58, look.skin) // head
  ellipse(78, 122, 9, 14, look.skin) // ears
  ellipse(178, 122, 9, 14, look.skin)
  g.fillStyle = look.hairColor
  if (look.hair === 'curly') {
    for (const [x, y, r] of [[82, 92, 24], [98, 68, 26], [128, 56, 28], [158, 68, 26], [174, 92, 24],
      [112, 60, 22], [144, 60, 22], [80, 114, 16], [176, 114, 16]]) ellipse(x, y, r, r, look.hairColor)
  } else if (look.hair === 'short') {
    g.beginPath()
    g.moveTo(76, 112)
    g.bezierCurveTo(70, 50, 130, 38, 160, 52)
    g.bezierCurveTo(186, 62, 184, 96, 180, 112)
    g.bezierCurveTo(168, 86, 138, 84, 112, 78)
    g.bezierCurveTo(96, 86, 84, 96, 76, 112)
    g.fill()
  } else {
    ellipse(128, 50, 25, 22, look.hairColor) // a bun
    g.beginPath()
    g.ellipse(128, 118, 55, 64, 0, Math.PI * 0.97, Math.PI * 2.03)
    g.bezierCurveTo(176, 84, 150, 80, 128, 84)
    g.bezierCurveTo(106, 80, 80, 84, 73, 124)
    g.fill()
  }
  const blob = await new Promise((ok) => canvas.toBlob(ok, 'image/png'))
  return blob
}

// A sunrise over layered hills (1600×900 PNG) for an image message. Runs in the browser.
async function drawLandscape() {
  const W = 1600
  const H = 900
  const canvas = document.createElement('canvas')
  canvas.width = W
  canvas.height = H
  const g = canvas.getContext('2d')
  let seed = 20261126
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647

  const sky = g.createLinearGradient(0, 0, 0, H * 0.72)
  sky.addColorStop(0, '#22315f')
  sky.addColorStop(0.4, '#6f5a9e')
  sky.addColorStop(0.72, '#ee8e78')
  sky.addColorStop(1, '#fcd5a2')
  g.fillStyle = sky
  g.fillRect(0, 0, W, H)
  for (let i = 0; i < 70; i++) {
    g.fillStyle = `rgba(255,255,255,${0.25 + rand() * 0.45})`
    g.beginPath()
    g.arc(rand() * W, rand() * H * 0.28, 0.8 + rand() * 1.4, 0, Math.PI * 2)
    g.fill()
  }
  const sx = W * 0.64
  const sy = H * 0.6
  const glow = g.createRadialGradient(sx, sy, 40, sx, sy, 420)
  glow.addColorStop(0, 'rgba(255,236,190,0.85)')
  glow.addColorStop(0.3, 'rgba(255,200,150,0.35)')
  glow.addColorStop(1, 'rgba(255,190,150,0)')
  g.fillStyle = glow
  g.fillRect(0, 0, W, H)
  g.fillStyle = '#fff3d6'
  g.beginPath()
  g.arc(sx, sy, 66, 0, Math.PI * 2)
  g.fill()
  for (const [x, y, w] of [[260, 250, 340], [520, 190, 260], [1180, 280, 380], [1380, 210, 220]]) {
    g.fillStyle = 'rgba(255,214,214,0.28)'
    g.beginPath()
    g.ellipse(x, y, w / 2, 14, 0, 0, Math.PI * 2)
    g.ellipse(x + w * 0.15, y - 12, w / 3, 12, 0, 0, Math.PI * 2)
    g.fill()
  }

  const layers = [
    { base: 0.6, amp: 0.09, top: '#b487b4', bottom: '#c99db6' },
    { base: 0.67, amp: 0.08, top: '#85649f', bottom: '#9a78a8' },
    { base: 0.76, amp: 0.06, top: '#58417f', bottom: '#5f4a82' },
    { base: 0.86, amp: 0.045, top: '#32285a', bottom: '#281f4a' },
  ]
  let ridge = []
  for (const layer of layers) {
    const waves = [0, 1, 2].map((k) => ({ f: (1.2 + rand() * 1.5) * (k + 1), p: rand() * 6.3, a: 1 / (k + 1.4) }))
    ridge = []
    g.beginPath()
    g.moveTo(0, H)
    for (let x = 0; x <= W; x += 8) {
      const t = x / W
      const y = H * (layer.base - layer.amp * waves.reduce((s, w) => s + w.a * Math.sin(t * w.f * Math.PI + w.p), 0))
      ridge.push([x, y])
      g.lineTo(x, y)
    }
    g.lineTo(W, H)
    g.closePath()
    const fill = g.createLinearGradient(0, H * (layer.base - layer.amp), 0, H)
    fill.addColorStop(0, layer.top)
    fill.addColorStop(1, layer.bottom)
    g.fillStyle = fill
    g.fill()
  }
  // Pines along the nearest ridge.
  g.fillStyle = '#1d1839'
  for (let i = 0; i < ridge.length; i += 3 + Math.floor(rand() * 4)) {
    const [x, y] = ridge[i]
    const h = 40 + rand() * 50
    g.beginPath()
    g.moveTo(x, y - h)
    g.lineTo(x - h * 0.28, y + 6)
    g.lineTo(x + h * 0.28, y + 6)
    g.closePath()
    g.fill()
  }
  g.strokeStyle = 'rgba(40,30,70,0.7)'
  g.lineWidth = 3
  g.lineCap = 'round'
  for (const [x, y, s] of [[860, 330, 16], [900, 300, 12], [940, 345, 10]]) {
    g.beginPath()
    g.moveTo(x - s, y - s * 0.4)
    g.quadraticCurveTo(x - s * 0.4, y - s * 0.5, x, y)
    g.quadraticCurveTo(x + s * 0.4, y - s * 0.5, x + s, y - s * 0.4)
    g.stroke()
  }
  return await new Promise((ok) => canvas.toBlob(ok, 'image/png'))
}

// A small text PDF (one page per list of lines), made by hand: Helvetica, no compression.
function pdf(pages) {
  const esc = (s) => s.replace(/[\\()]/g, (c) => '\\' + c)
  const objects = []
  const add = (body) => objects.push(body) // object n is objects[n - 1]
  add('<< /Type /Catalog /Pages 2 0 R >>')
  add('') // the page tree, filled in below
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>')
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>')
  const kids = []
  for (const lines of pages) {
    const ops = ['BT', '/F2 18 Tf', '72 770 Td', `(${esc(lines[0])}) Tj`, '/F1 11 Tf', '0 -30 Td']
    for (const line of lines.slice(1)) ops.push(`(${esc(line)}) Tj`, '0 -16 Td')
    ops.push('ET')
    const stream = ops.join('\n')
    add(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`)
    add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${objects.length} 0 R >>`)
    kids.push(`${objects.length} 0 R`)
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${kids.length} >>`
  let text = '%PDF-1.4\n'
  const offsets = objects.map((body, i) => {
    const at = text.length
    text += `${i + 1} 0 obj\n${body}\nendobj\n`
    return at
  })
  const xref = text.length
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const at of offsets) text += `${String(at).padStart(10, '0')} 00000 n \n`
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(text, 'latin1')
}

function auditPdf() {
  const findings = [
    ['Room list drawer', 'Focus moves into the drawer and back to the Rooms button on close.', 'Fixed'],
    ['Message list', 'New messages are announced politely; history loading is not announced.', 'Fixed'],
    ['Composer', 'The emoji, attach and record buttons had no accessible names.', 'Fixed'],
    ['Image viewer', 'Escape and the Close button close it; arrows move between images.', 'Fixed'],
    ['Voice messages', 'The waveform slider needs a text alternative for the position.', 'Open'],
    ['Dark theme', 'Muted text on the sidebar was 3.9:1; now 5.2:1.', 'Fixed'],
    ['Reactions', 'Reaction buttons say who reacted, not only the count.', 'Fixed'],
    ['Zoom to 200 %', 'No horizontal scrolling at 320 CSS px.', 'Fixed'],
  ]
  const pages = [[
    'Parley web client - accessibility audit',
    'Friday 20 November 2026. Reviewed against WCAG 2.2 AA with a keyboard, a screen reader',
    '(Orca and NVDA) and 200 % zoom, on a desktop and on a 390 px phone.',
    '',
    'Summary: 8 findings, 7 fixed, 1 open (item 5).',
    '',
  ]]
  findings.forEach(([area, what, state], i) => {
    pages[0].push(`${i + 1}. ${area} [${state}]`, `    ${what}`, '')
  })
  pages.push([
    'Notes for the next review',
    'Test the drawer with a switch device and voice control.',
    'Check the contrast of code blocks in both themes after the palette change.',
    'Re-test long display names in the members panel.',
  ])
  return pdf(pages)
}

// --- People and the app ------------------------------------------------------------------------

const looks = {
  maya: { bg: ['#3fb8a8', '#2a7f9e'], skin: '#8d5a3b', neck: '#7a4c31', hair: 'curly', hairColor: '#1e1614', shirt: '#f07167' },
  theo: { bg: ['#ffd166', '#f4a259'], skin: '#f2cfb3', neck: '#e2b99b', hair: 'short', hairColor: '#c98b3a', shirt: '#2b4c7e' },
  priya: { bg: ['#c3a6e8', '#8f7fd6'], skin: '#b97d55', neck: '#a86e48', hair: 'bun', hairColor: '#221a1a', shirt: '#3a9d6b' },
}

// Stands in for the microphone: a voice-like sound (a buzz through two formant filters, its loudness
// rising and falling in syllables and phrases), so the recorded message has a speech-like waveform.
// Runs in the browser before the app.
function fakeVoice() {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices)
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    if (!constraints || constraints.video) return real(constraints)
    const ctx = new AudioContext()
    await ctx.resume()
    const out = ctx.createMediaStreamDestination()
    const voice = ctx.createOscillator()
    voice.type = 'sawtooth'
    voice.frequency.value = 150
    const level = ctx.createGain()
    level.gain.value = 0
    for (const [f, q] of [[650, 5], [1150, 7], [2600, 9]]) {
      const formant = ctx.createBiquadFilter()
      formant.type = 'bandpass'
      formant.frequency.value = f
      formant.Q.value = q
      voice.connect(formant).connect(level)
    }
    level.connect(out)
    let seed = 42
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647
    let t = ctx.currentTime + 0.25
    while (t < ctx.currentTime + 60) {
      const words = 3 + Math.floor(rand() * 6)
      for (let w = 0; w < words; w++) {
        const len = 0.09 + rand() * 0.22
        const peak = 0.25 + rand() * 0.75
        level.gain.setTargetAtTime(peak, t, 0.02)
        level.gain.setTargetAtTime(peak * 0.4, t + len * 0.6, 0.03)
        voice.frequency.setTargetAtTime(120 + rand() * 80, t, 0.05)
        t += len
        level.gain.setTargetAtTime(0.02, t, 0.02)
        t += 0.04 + rand() * 0.08
      }
      t += 0.25 + rand() * 0.35 // between phrases
    }
    voice.start()
    return out.stream
  }
}

async function register(browser, base, viewport, username, displayName) {
  const context = await browser.newContext({
    baseURL: base,
    viewport,
    colorScheme: 'light',
    hasTouch: viewport.width < 600,
    permissions: ['microphone'],
  })
  await context.addInitScript(fakeVoice)
  const page = await context.newPage()
  await page.goto('/register')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByLabel('Display name (optional)').fill(displayName)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('status').filter({ hasText: 'Online' }).waitFor()
  await setAvatar(page, looks[username])
  return page
}

// Draws the person's avatar and uploads it as the profile page would (POST /api/me/avatar).
async function setAvatar(page, look) {
  const png = await page.evaluateHandle(drawAvatar, look)
  const status = await page.evaluate(async (png) => {
    const session = await (await fetch('/api/session')).json()
    const res = await fetch('/api/me/avatar', {
      method: 'POST',
      headers: { 'Content-Type': 'image/png', 'X-CSRF-Token': session.csrf },
      body: png,
    })
    return res.status
  }, png)
  if (status !== 200) throw new Error(`avatar upload answered ${status}`)
  await page.reload()
  await page.getByRole('status').filter({ hasText: 'Online' }).waitFor()
}

async function createRoom(page, name, topic) {
  await page.getByRole('button', { name: 'New room' }).click()
  await page.getByLabel('Room name').fill(name)
  await page.getByLabel('Topic (optional)').fill(topic)
  await page.getByRole('button', { name: 'Create' }).click()
  await page.getByRole('heading', { name: `#${name}` }).waitFor()
}

async function joinChannel(page, name) {
  const browse = page.getByRole('button', { name: 'Browse channels' })
  if (!(await browse.isVisible())) await page.getByRole('button', { name: /^Rooms/ }).click()
  await browse.click()
  await page.getByRole('button', { name: `Join #${name}` }).click()
  await page.getByRole('heading', { name: `#${name}` }).waitFor()
}

async function say(page, room, text) {
  const box = page.getByLabel(`Message #${room}`)
  await box.fill(text)
  await box.press('Enter')
  await page.getByText('sending…').waitFor({ state: 'detached' })
}

// Pastes a picture drawn in the page into the composer, attaches a file through the file picker,
// and sends both in one message with a caption.
async function sendPictureAndFile(page, room, picture, file, caption) {
  const box = page.getByLabel(`Message #${room}`)
  await box.click()
  const png = await page.evaluateHandle(drawLandscape)
  await box.evaluate((box, [png, name]) => {
    const data = new DataTransfer()
    data.items.add(new File([png], name, { type: 'image/png' }))
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, [png, picture])
  const tray = page.getByRole('list', { name: 'Files to send' })
  await tray.getByText(picture).waitFor()
  const chooser = page.waitForEvent('filechooser')
  await page.getByRole('button', { name: 'Attach files' }).click()
  await (await chooser).setFiles(file)
  await tray.getByText(file.name).waitFor()
  await box.fill(caption)
  await box.press('Enter')
  await tray.waitFor({ state: 'detached' })
  const messages = page.getByRole('list', { name: 'Messages' })
  await messages.getByRole('img', { name: picture }).waitFor()
  await messages.getByRole('group', { name: `File ${file.name}` }).waitFor()
}

// Records a voice message of about `seconds` and sends it.
async function sendVoice(page, seconds) {
  await page.getByRole('button', { name: 'Record a voice message' }).click()
  const timer = page.getByRole('timer', { name: 'Recording time' })
  await timer.filter({ hasText: `0:0${seconds}` }).waitFor({ timeout: (seconds + 5) * 1000 })
  await page.getByRole('button', { name: 'Stop and send' }).click()
  await timer.waitFor({ state: 'detached' })
  await page.getByRole('list', { name: 'Messages' }).getByRole('group', { name: /^voice-/ }).waitFor()
}

// Waits until the pictures on screen have loaded and the voice messages know their length.
async function settle(page) {
  await page.waitForFunction(() => {
    const onScreen = (el) => {
      const r = el.getBoundingClientRect()
      return r.bottom > 0 && r.top < innerHeight && r.width > 0
    }
    const images = [...document.querySelectorAll('img')].filter(onScreen)
    const voices = [...document.querySelectorAll('[role="slider"][aria-label="Position"]')].filter(onScreen)
    return images.every((i) => i.complete && i.naturalWidth > 0) &&
      voices.every((v) => !/of 0:00$/.test(v.getAttribute('aria-valuetext') ?? ''))
  })
}

// The message list is scrolled to the end, so its top edge usually cuts a message in two: makes the
// window just tall enough (at most `most` px more) to show that message whole.
async function showTopMessageWhole(page, most = 160) {
  await settle(page)
  const cut = await page.getByRole('list', { name: 'Messages' }).evaluate((list) => {
    let top = -Infinity
    for (let el = list; el; el = el.parentElement) {
      if (getComputedStyle(el).overflowY !== 'visible') top = Math.max(top, el.getBoundingClientRect().top)
    }
    const item = [...list.children].find((li) => {
      const r = li.getBoundingClientRect()
      return r.top < top && r.bottom > top
    })
    return item ? Math.ceil(top - item.getBoundingClientRect().top) : 0
  })
  if (cut <= 0 || cut > most) return
  const size = page.viewportSize()
  await page.setViewportSize({ width: size.width, height: size.height + cut + 4 })
}

async function shot(page, file) {
  await settle(page)
  await page.waitForTimeout(300) // let the last frame and scroll settle
  await page.screenshot({ path: join(out, file) })
  console.log(`saved docs/screenshots/${file}`)
}

const dataDir = mkdtempSync(join(tmpdir(), 'parley-shots-'))
const server = startServer(bin, webRoot, dataDir)
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
})
try {
  const base = await server.url
  mkdirSync(out, { recursive: true })
  const maya = await register(browser, base, { width: 1280, height: 800 }, 'maya', 'Maya Okafor')
  const theo = await register(browser, base, { width: 390, height: 844 }, 'theo', 'Theo Lindqvist')
  const priya = await register(browser, base, { width: 1280, height: 800 }, 'priya', 'Priya Raman')
  // What a new account sees first: the guide to its first steps.
  await priya.getByRole('heading', { name: 'Welcome to Parley, Priya Raman' }).waitFor()
  await shot(priya, 'desktop-welcome.png')

  // #general is made at install and every new account is in it.
  await maya.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: 'general', exact: true }).click()
  await maya.getByRole('heading', { name: '#general' }).waitFor()
  await say(maya, 'general', 'Welcome to Parley, everyone 👋')
  await createRoom(maya, 'web-client', 'The Vue client: layout, themes, accessibility')
  await joinChannel(priya, 'web-client')
  await joinChannel(theo, 'web-client')
  await theo.getByRole('button', { name: /^Rooms/ }).click()
  await theo.getByRole('dialog', { name: 'Rooms' }).getByRole('button', { name: /^web-client/ }).click()

  const room = 'web-client'
  await say(maya, room, 'Morning! The phone layout is ready for review: the room list is now a drawer.')
  await say(
    theo,
    room,
    'Works nicely on my phone 👌 @maya one idea: close the drawer from the dialog’s own event, so every way out is covered:\n' +
      '```ts\ndialog.addEventListener(\'close\', () => {\n  drawerOpen.value = false\n  roomsButton.value?.focus()\n})\n```',
  )
  await say(maya, room, 'Good call, that is what it does now. **Long words** and links wrap too: https://example.com/docs/screenshots')
  await sendPictureAndFile(
    priya,
    room,
    'empty-room-sunrise.png',
    { name: 'accessibility-audit.pdf', mimeType: 'application/pdf', buffer: auditPdf() },
    'The empty-room illustration in the new sunrise palette 🌄 and Friday’s accessibility audit: all fixed but item 5.',
  )
  await sendVoice(theo, 6)
  await say(theo, room, 'Then I think we can ship it 🚀')

  const msg = maya.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'Then I think we can ship it' })
  await msg.hover()
  await msg.getByRole('button', { name: 'Add a reaction' }).click()
  await msg.getByRole('button', { name: 'React with 🎉' }).click()
  await maya.getByRole('button', { name: /🎉 1/ }).waitFor()
  await theo.getByRole('button', { name: /🎉 1/ }).waitFor()
  await maya.mouse.move(0, 0)
  // Something new elsewhere, so the phone shows an unread room.
  await maya.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: 'general', exact: true }).click()
  await say(maya, 'general', 'Coffee at 11?')
  await maya.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: room, exact: true }).click()
  await maya.getByRole('heading', { name: `#${room}` }).waitFor()

  await showTopMessageWhole(maya)
  await shot(maya, 'desktop-chat.png')
  await maya.getByRole('list', { name: 'Messages' }).getByRole('img', { name: 'empty-room-sunrise.png' }).click()
  const viewer = maya.getByRole('dialog', { name: 'Image empty-room-sunrise.png' })
  await viewer.waitFor()
  await maya.mouse.move(0, 0)
  await shot(maya, 'desktop-viewer.png')
  await maya.keyboard.press('Escape')
  await viewer.waitFor({ state: 'detached' })

  await maya.getByRole('button', { name: 'New room' }).click()
  const dialog = maya.getByRole('dialog', { name: 'New room' })
  await dialog.getByLabel('Room name').fill('design-review')
  await maya.mouse.move(0, 0)
  await shot(maya, 'desktop-dialog.png')
  await maya.keyboard.press('Escape')
  await dialog.waitFor({ state: 'detached' })

  await maya.getByRole('link', { name: 'Settings' }).click()
  await maya.getByRole('radio', { name: 'Dark' }).check()
  await maya.goBack()
  await maya.getByRole('heading', { name: `#${room}` }).waitFor()
  await maya.mouse.move(0, 0)
  await shot(maya, 'desktop-dark.png')

  await shot(theo, 'phone-chat.png')
  await theo.getByRole('button', { name: /^Rooms/ }).click()
  await theo.getByRole('dialog', { name: 'Rooms' }).waitFor()
  await shot(theo, 'phone-rooms.png')
} finally {
  await browser.close()
  server.proc.kill('SIGTERM')
  await new Promise((ok) => (server.proc.exitCode !== null ? ok() : server.proc.on('exit', ok)))
  rmSync(dataDir, { recursive: true, force: true })
}
