// The app's screens, walked in one theme on a desktop or a phone for the checks that look at every
// screen (accessibility.spec.ts, themed-controls.spec.ts): sign-in and sign-up, the chat with a room
// of messages (a reply, a reaction, a picture) and a message's actions showing, the thread panel,
// the settings, profile and sessions pages, the New room, Room settings and painter dialogs, on a
// desktop the channel directory, the members panel, the emoji picker and the search panel, and on a
// phone the rooms drawer. `check` is
// called on each, with the screen's name.
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { expect } from './fixtures'
import { newUser, sharedChannel } from './users'

export const THEMES = ['light', 'dark', 'high-contrast'] as const
export type Theme = (typeof THEMES)[number]
const THEME_LABELS: Record<Theme, string> = { light: 'Light', dark: 'Dark', 'high-contrast': 'High contrast' }
export const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true }

export type Check = (page: Page, screen: string) => Promise<void>

// A room as a new user finds it after a day: Bob's question with a reaction and a thread reply,
// Ann's picture, and Ann signed in (her browser state, for a context of each theme).
export interface ChatRoom {
  state: Awaited<ReturnType<BrowserContext['storageState']>>
  url: string
  channel: string
  bob: string
}

export async function chatRoom(browser: Browser): Promise<ChatRoom> {
  const ann = await newUser(browser, 'annscreens')
  const bob = await newUser(browser, 'bobscreens')
  const channel = await sharedChannel(ann.page, bob.page, 'screens')
  const bobBox = bob.page.getByLabel(`Message #${channel}`)
  await bobBox.fill('Lunch at noon? **Bring** a `fork` and see https://example.com')
  await bobBox.press('Enter')

  const messages = ann.page.getByRole('list', { name: 'Messages' })
  const question = messages.getByRole('listitem').filter({ hasText: 'Lunch at noon?' })
  await question.hover()
  await question.getByRole('button', { name: 'Add a reaction' }).click()
  await question.getByRole('button', { name: 'React with 🎉' }).click()
  await question.getByRole('button', { name: 'Reply', exact: true }).click()
  const thread = ann.page.getByRole('complementary', { name: 'Thread' })
  await thread.getByLabel('Reply in thread').fill('Yes, see you there')
  await thread.getByLabel('Reply in thread').press('Enter')
  await expect(thread.getByRole('list', { name: 'Replies' })).toContainText('see you there')
  await thread.getByRole('button', { name: 'Close thread' }).click()

  const png = await ann.page.evaluate(async () => {
    const c = document.createElement('canvas')
    c.width = 160
    c.height = 120
    const g = c.getContext('2d')!
    g.fillStyle = '#1c7ed6'
    g.fillRect(0, 0, 160, 120)
    const b = await new Promise<Blob>((ok) => c.toBlob((b) => ok(b!), 'image/png'))
    return Array.from(new Uint8Array(await b.arrayBuffer()))
  })
  await ann.page
    .locator('input[type=file]')
    .first()
    .setInputFiles({ name: 'lake.png', mimeType: 'image/png', buffer: Buffer.from(png) })
  await ann.page.getByLabel(`Message #${channel}`).press('Enter')
  await expect(messages.getByRole('img', { name: 'lake.png' })).toBeVisible()
  await expect(ann.page.getByText('sending…')).toHaveCount(0)

  const room = { state: await ann.page.context().storageState(), url: ann.page.url(), channel, bob: bob.name }
  await ann.page.context().close()
  await bob.page.context().close()
  return room
}

// Every screen in `theme`, signed out and then as Ann, each in a browser context of its own, which
// `check` looks at once it has settled. Returns the console errors seen meanwhile.
export async function walk(
  browser: Browser,
  room: ChatRoom,
  theme: Theme,
  phone: boolean,
  check: Check,
): Promise<string[]> {
  const settledCheck: Check = async (page, screen) => {
    await settled(page)
    await check(page, screen)
  }
  const guest = await themedContext(browser, theme, phone)
  await walkSignedOut(guest.page, phone, settledCheck)
  await guest.page.context().close()
  const ann = await themedContext(browser, theme, phone, room.state)
  await walkSignedIn(ann.page, room, theme, phone, settledCheck)
  await ann.page.context().close()
  return [...guest.errors, ...ann.errors]
}

// A context that starts in `theme` (as the last choice remembered on this device) and fails the
// test on any console error, as fixtures.ts does for its page.
async function themedContext(
  browser: Browser,
  theme: Theme,
  phone: boolean,
  state?: ChatRoom['state'],
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ ...(phone ? PHONE : {}), storageState: state })
  await context.addInitScript((t) => localStorage.setItem('parley.theme', t), theme)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (msg) => {
    const expected = /^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())
    if (msg.type() === 'error' && !expected) errors.push(msg.text())
  })
  page.on('pageerror', (err) => errors.push(err.message))
  return { page, errors }
}

// On a phone only sign-in: sign-up is the same form with two more fields.
async function walkSignedOut(page: Page, phone: boolean, check: Check): Promise<void> {
  await page.goto('/login')
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible()
  await check(page, 'sign-in')
  if (phone) return
  await page.goto('/register')
  await expect(page.getByRole('button', { name: 'Create account' })).toBeVisible()
  await check(page, 'sign-up')
}

async function walkSignedIn(
  page: Page,
  room: ChatRoom,
  theme: Theme,
  phone: boolean,
  check: Check,
): Promise<void> {
  // The theme is an account setting: chosen here, it follows into the chat.
  await page.goto('/settings')
  await page.getByRole('radio', { name: THEME_LABELS[theme] }).check()
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
  await check(page, 'settings')
  await page.goto('/profile')
  await expect(page.getByRole('heading', { name: 'Profile', level: 1 })).toBeVisible()
  await check(page, 'profile')
  await page.goto('/sessions')
  await expect(page.getByRole('heading', { name: 'Active sessions', level: 1 })).toBeVisible()
  await expect(page.getByText('(this device)')).toBeVisible()
  await check(page, 'sessions')

  await page.goto(room.url)
  const messages = page.getByRole('list', { name: 'Messages' })
  const question = messages.getByRole('listitem', { name: `${room.bob}: Lunch at noon?`, exact: false })
  await expect(messages.getByRole('img', { name: 'lake.png' })).toBeVisible()
  // A message's actions show: hovered beside a pointer, tapped on a phone (in the message's gutter,
  // away from its links and pictures). On a phone the thread covers the room; beside a pointer it is
  // a side panel, and the room and the thread are one look.
  const reply = question.getByRole('button', { name: 'Reply', exact: true })
  if (phone) {
    await question.tap({ position: { x: 10, y: 10 } })
    await expect(reply).toBeVisible()
    await check(page, 'chat')
  } else {
    await question.hover()
  }
  await reply.click()
  const thread = page.getByRole('complementary', { name: 'Thread' })
  await expect(thread.getByRole('list', { name: 'Replies' })).toContainText('see you there')
  if (!phone) {
    await question.hover()
    await expect(reply).toBeVisible()
  }
  await check(page, phone ? 'thread' : 'chat and thread')
  await thread.getByRole('button', { name: 'Close thread' }).click()
  await expect(thread).toHaveCount(0)

  if (phone) {
    await page.getByRole('button', { name: 'More room actions' }).click()
    await page.getByRole('menuitem', { name: 'Room settings' }).click()
  } else {
    await page.getByRole('button', { name: 'Room settings' }).click()
  }
  const settings = page.getByRole('dialog', { name: /Room settings/ })
  await expect(settings).toBeVisible()
  await check(page, 'room settings')
  await page.keyboard.press('Escape')
  await expect(settings).toHaveCount(0)

  if (phone) {
    await page.getByRole('button', { name: 'Rooms', exact: true }).click()
    const drawer = page.getByRole('dialog', { name: 'Rooms' })
    await expect(drawer.getByRole('button', { name: 'New room' })).toBeVisible()
    await check(page, 'rooms drawer')
    await drawer.getByRole('button', { name: 'New room' }).click()
  } else {
    await page.getByRole('button', { name: 'New room' }).click()
  }
  const newRoom = page.getByRole('dialog', { name: 'New room' })
  await expect(newRoom.getByLabel('Room name')).toBeVisible()
  await check(page, 'new room')
  await page.keyboard.press('Escape')
  await expect(newRoom).toHaveCount(0)
  if (phone) {
    // The dialog gave the focus back to the drawer it was opened from.
    await page.keyboard.press('Escape')
    await expect(page.getByRole('dialog', { name: 'Rooms' })).toHaveCount(0)
  }

  if (!phone) {
    await page.getByRole('button', { name: 'Browse channels' }).click()
    const directory = page.getByRole('dialog', { name: 'Channels' })
    await expect(directory.getByRole('button', { name: `Open #${room.channel}` })).toBeVisible()
    await check(page, 'browse channels')
    await page.keyboard.press('Escape')
    await expect(directory).toHaveCount(0)

    await page.getByRole('button', { name: /^Members/ }).click()
    const members = page.getByRole('region', { name: 'Members' })
    await expect(members.getByText(room.bob)).toBeVisible()
    await page.getByRole('button', { name: 'Insert emoji' }).click()
    const picker = page.getByRole('dialog', { name: 'Emoji' })
    await expect(picker.getByRole('searchbox')).toBeFocused()
    await expect(picker.getByRole('button', { name: 'thumbsup' })).toBeVisible() // the emoji are in
    await check(page, 'members and emoji picker')
    await page.keyboard.press('Escape')
    await members.getByRole('button', { name: 'Close members' }).click()
    await expect(members).toHaveCount(0)

    await page.getByRole('button', { name: 'Search messages' }).click()
    const search = page.getByRole('complementary', { name: 'Search messages' })
    await search.getByRole('searchbox').fill('lunch')
    await expect(search.getByRole('list', { name: 'Search results' }).getByRole('listitem')).toHaveCount(1)
    await check(page, 'search')
    await search.getByRole('button', { name: 'Close search' }).click()
    await expect(search).toHaveCount(0)
  }

  const picture = messages.getByRole('listitem', { name: /: lake\.png$/ })
  if (phone) await picture.tap({ position: { x: 10, y: 10 } })
  else await picture.hover()
  await picture.getByRole('button', { name: 'Edit image' }).click()
  const painter = page.getByRole('dialog', { name: 'Painter' })
  await expect(painter.getByRole('toolbar')).toBeVisible()
  await check(page, 'painter')
}

// Waits for the page's transitions and opening animations to end (a dialog fading in is painted
// half-transparent: its colours are not yet the theme's). Endless ones, a spinner, are left.
async function settled(page: Page): Promise<void> {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => undefined)),
    ),
  )
}
