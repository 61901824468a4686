// Takes the screenshots in docs/screenshots/ (run by hand, not part of the test suite):
//   cd e2e && node scripts/screenshots.mjs
// Starts the asan server on a fresh data directory, has two people talk in a channel (a code block,
// a mention, a reaction), and photographs the chat on a desktop (light and dark) and on a phone.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from '@playwright/test'

const root = resolve(import.meta.dirname, '../..')
const out = join(root, 'docs/screenshots')
const bin = process.env.PARLEY_BIN ?? join(root, 'build/asan/bin/parley')
const webRoot = process.env.PARLEY_WEB_ROOT ?? join(root, 'web/dist')

function startServer(dataDir) {
  const proc = spawn(
    bin,
    ['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--web-root', webRoot,
      '--argon2-ops', '1', '--argon2-mem-kib', '8'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const url = new Promise((ok, fail) => {
    let text = ''
    proc.stdout.on('data', (d) => {
      text += d.toString()
      const m = text.match(/listening on (https?:\/\/\S+)/)
      if (m) ok(m[1])
    })
    proc.on('exit', (code) => fail(new Error(`parley exited with ${code} before listening`)))
  })
  return { proc, url }
}

async function register(browser, base, viewport, username, displayName) {
  const context = await browser.newContext({ baseURL: base, viewport, colorScheme: 'light', hasTouch: viewport.width < 600 })
  const page = await context.newPage()
  await page.goto('/register')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByLabel('Display name (optional)').fill(displayName)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('status').filter({ hasText: 'Online' }).waitFor()
  return page
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

async function shot(page, file) {
  await page.waitForTimeout(300) // let the last frame and scroll settle
  await page.screenshot({ path: join(out, file) })
  console.log(`saved docs/screenshots/${file}`)
}

const dataDir = mkdtempSync(join(tmpdir(), 'parley-shots-'))
const server = startServer(dataDir)
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
})
try {
  const base = await server.url
  mkdirSync(out, { recursive: true })
  const maya = await register(browser, base, { width: 1280, height: 800 }, 'maya', 'Maya Okafor')
  const theo = await register(browser, base, { width: 390, height: 844 }, 'theo', 'Theo Lindqvist')

  await createRoom(maya, 'general', 'Anything goes')
  await say(maya, 'general', 'Welcome to Parley, everyone 👋')
  await createRoom(maya, 'web-client', 'The Vue client: layout, themes, accessibility')
  await joinChannel(theo, 'web-client')
  await joinChannel(theo, 'general')
  await theo.getByRole('button', { name: 'Rooms', exact: true }).click()
  await theo.getByRole('dialog', { name: 'Rooms' }).getByRole('button', { name: /^web-client/ }).click()

  const room = 'web-client'
  await say(maya, room, 'Morning! The phone layout is ready for review: the room list is now a drawer.')
  await say(theo, room, 'Trying it on my phone now. Escape closes it and focus comes back to the button 👌')
  await say(
    theo,
    room,
    '@maya one idea: close the drawer from the dialog’s own event, so every way out is covered:\n' +
      '```ts\ndialog.addEventListener(\'close\', () => {\n  drawerOpen.value = false\n  roomsButton.value?.focus()\n})\n```',
  )
  await say(maya, room, 'Good call, that is what it does now. **Long words** and links wrap too: https://example.com/docs/screenshots')
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

  await shot(maya, 'desktop-chat.png')
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
