// Administration, invitations and moderation. The first account of a server is its admin, so this
// spec runs a server of its own (the shared one's first account belongs to whichever spec ran
// first): the admin turns registration to invitation only and brings someone in with a link into a
// room; a non-admin sees "Admins only" and the admin API refuses them; the admin deletes a room
// someone has open and a group someone made; a deactivated user's open page is signed out; a report
// reaches the admin, who resolves it; a notice reaches open pages.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import type { Browser, Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { freePort, newUserAt, startParley, stopParley } from './own-server'

test.describe.configure({ mode: 'serial' })

let server: ChildProcess
let dataDir: string
let base: string
let admin: Page
let bob: Page // a member
let carol: Page // deactivated by the admin
const errors: string[] = [] // console errors of every page here, as fixtures.ts checks the shared one's

function watchConsole(page: Page): Page {
  page.on('console', (msg) => {
    const refused = /^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())
    if (msg.type() === 'error' && !refused) errors.push(msg.text())
  })
  page.on('pageerror', (err) => errors.push(err.message))
  return page
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(60_000)
  const port = await freePort()
  dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-admin-'))
  server = await startParley(port, dataDir)
  base = `http://127.0.0.1:${port}`
  admin = watchConsole(await newUserAt(browser, base, 'root')) // the first account: the admin
  bob = watchConsole(await newUserAt(browser, base, 'bobadmin'))
  carol = watchConsole(await newUserAt(browser, base, 'caroladmin'))
})

test.afterEach(() => {
  expect(errors.splice(0), 'console errors').toEqual([])
})

test.afterAll(async () => {
  for (const p of [admin, bob, carol]) await p?.context().close()
  if (server) await stopParley(server)
  rmSync(dataDir, { recursive: true, force: true })
})

async function openTab(page: Page, tab: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Admin' }).click()
  await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible()
  await page.getByRole('tab', { name: tab }).click()
  await expect(page.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true')
}

async function visitor(browser: Browser): Promise<Page> {
  return watchConsole(await (await browser.newContext({ baseURL: base })).newPage())
}

// A call made by the page itself, as a script on it could: with its cookies and CSRF token.
async function call(page: Page, method: string, path: string, body?: unknown): Promise<number> {
  return page.evaluate(
    async ([method, path, body]) => {
      const csrf = /(?:^|; )parley_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? ''
      const res = await fetch(path, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': decodeURIComponent(csrf) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return res.status
    },
    [method, path, body] as const,
  )
}

// One command over a socket of the page's own (signed in by its cookie): its ack, or the error.
async function command(page: Page, frame: Record<string, unknown>): Promise<Record<string, unknown>> {
  return page.evaluate(async (frame) => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`)
    const cid = `e2e-${Math.random().toString(36).slice(2)}`
    try {
      return await new Promise<Record<string, unknown>>((ok, fail) => {
        ws.onerror = () => fail(new Error('socket failed'))
        ws.onmessage = (m) => {
          const f = JSON.parse(String(m.data)) as Record<string, unknown>
          if (f.type === 'hello') ws.send(JSON.stringify({ ...frame, cid }))
          if (f.cid !== cid) return
          if (f.type === 'ack') ok(f)
          else fail(new Error(`refused: ${String(m.data)}`))
        }
      })
    } finally {
      ws.close()
    }
  }, frame)
}

test('a non-admin sees "Admins only" and the admin API refuses them', async () => {
  await expect(
    bob.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Admin' }),
  ).toHaveCount(0)
  const adminCalls: string[] = []
  bob.on('request', (r) => {
    if (r.url().includes('/api/admin')) adminCalls.push(r.url())
  })
  await bob.goto('/admin')
  await expect(bob.getByRole('heading', { name: 'Admins only' })).toBeVisible()
  expect(adminCalls).toEqual([]) // the page itself asked nothing
  expect(await call(bob, 'GET', '/api/admin/users')).toBe(403)
  expect(await call(bob, 'GET', '/api/admin/health')).toBe(403)
  expect(await call(bob, 'PATCH', '/api/admin/settings', { registration: 'open' })).toBe(403)
  expect(await call(bob, 'POST', '/api/admin/notice', { text: 'not mine to say' })).toBe(403)
  await bob.goto('/')
  await expect(bob.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
})

test('registration by invitation only: a visitor is told, a link brings someone into a room', async ({
  browser,
}) => {
  test.setTimeout(60_000)
  await openTab(admin, 'Settings')
  await admin.getByRole('radio', { name: /Invitation only/ }).check()
  await admin.getByRole('button', { name: 'Save' }).click()
  await expect(admin.getByText('Registration setting saved.')).toBeVisible()

  const stranger = await visitor(browser)
  await stranger.goto('/register')
  await expect(stranger.getByText('Registration on this server needs an invitation')).toBeVisible()
  await expect(stranger.getByRole('button', { name: 'Create account' })).toHaveCount(0)
  await stranger.goto('/login')
  await expect(stranger.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await expect(stranger.getByRole('link', { name: 'Create an account' })).toHaveCount(0)
  // A link that does not work says so.
  await stranger.goto('/register?invite=no-such-code')
  await expect(stranger.getByText('This invitation link cannot be used')).toBeVisible()
  await expect(stranger.getByRole('button', { name: 'Create account' })).toHaveCount(0)

  // The admin makes a room and an invitation link into it from the room's header.
  await admin.goto('/')
  await admin.getByRole('button', { name: 'New room' }).click()
  await admin.getByLabel('Room name').fill('design')
  await admin.getByRole('button', { name: 'Create' }).click()
  await expect(admin.getByRole('heading', { name: '#design' })).toBeVisible()
  await admin
    .getByRole('region', { name: 'Room design' })
    .getByRole('button', { name: 'Invite with a link' })
    .click()
  const dialog = admin.getByRole('dialog', { name: 'Invite people with a link' })
  await expect(dialog.getByRole('checkbox', { name: '#design' })).toBeChecked()
  await dialog.getByRole('button', { name: 'Create invitation link' }).click()
  const linkField = dialog.getByRole('textbox', { name: 'Invitation link' })
  await expect(linkField).toHaveValue(new RegExp(`^${base}/register\\?invite=.+`))
  const link = await linkField.inputValue()
  await expect(dialog.getByRole('button', { name: /^Revoke the link/ })).toHaveCount(1)
  await dialog.getByRole('button', { name: 'Close' }).click()
  await expect(dialog).toHaveCount(0)

  await stranger.goto(link)
  await expect(stranger.getByText(/^root invited you to join #design\.$/i)).toBeVisible()
  await stranger.getByLabel('Username').fill('dana')
  await stranger.getByLabel('Password').fill('a fine long secret')
  await stranger.getByRole('button', { name: 'Create account' }).click()
  await expect(stranger.getByRole('heading', { name: '#design' })).toBeVisible()
  await stranger.context().close()

  // Used up: the same link no longer works.
  const late = await visitor(browser)
  await late.goto(link)
  await expect(late.getByText('This invitation link cannot be used')).toBeVisible()
  await late.context().close()
})

test('the admin makes a member the admin of a room', async () => {
  await openTab(admin, 'Rooms')
  await admin.getByLabel('Search rooms').fill('design')
  const row = admin.getByRole('row', { name: 'design' })
  await expect(row).toContainText('@root')
  await row.getByRole('button', { name: 'Make someone room admin…' }).click()
  const dialog = admin.getByRole('alertdialog', { name: 'New admin for #design' })
  await expect(dialog.getByLabel('Find a person')).toBeFocused()
  await dialog.getByLabel('Find a person').fill('bobadmin')
  await dialog.getByRole('radio', { name: '@bobadmin' }).check()
  await dialog.getByRole('button', { name: 'Make bobadmin room admin' }).click()
  await expect(dialog).toHaveCount(0)
  await expect(row).toContainText('@bobadmin')
  await expect(row.getByRole('cell').nth(1)).toHaveText('3') // root, dana, and bob who joined
})

test('the admin deletes a room someone has open: it leaves their room list', async () => {
  await bob.goto('/')
  const bobsRooms = bob.getByRole('navigation', { name: 'Rooms' })
  await bobsRooms.getByRole('button', { name: /^design/ }).click()
  await expect(bob.getByRole('heading', { name: '#design' })).toBeVisible()

  await openTab(admin, 'Rooms')
  await admin.getByLabel('Search rooms').fill('design')
  const row = admin.getByRole('row', { name: 'design' })
  await row.getByRole('button', { name: 'Delete room' }).click()
  const dialog = admin.getByRole('alertdialog', { name: 'Delete #design?' })
  await expect(dialog).toContainText('all its members are removed')
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
  await dialog.getByRole('button', { name: 'Delete room' }).click()
  await expect(dialog).toHaveCount(0)
  await expect(admin.getByText('#design is deleted.')).toBeVisible()
  await expect(row).toHaveCount(0)

  await expect(bobsRooms.getByRole('button', { name: /^design/ })).toHaveCount(0)
  await expect(bob.getByRole('heading', { name: '#design' })).toHaveCount(0)
  await bob.reload() // and it does not come back from the server
  await expect(bobsRooms.getByRole('button', { name: /^general/ })).toBeVisible()
  await expect(bobsRooms.getByRole('button', { name: /^design/ })).toHaveCount(0)
})

test('the admin deletes a group a user made: its channel stays, as a private room', async () => {
  const made = await command(bob, { type: 'create_group', name: 'Bob crew' })
  const group = made.group as number
  expect(group).toBeGreaterThan(0)
  await command(bob, { type: 'create_room', kind: 'channel', name: 'crewchat', group })

  await openTab(admin, 'Groups')
  const tabs = await admin.getByRole('tab').allTextContents()
  expect(tabs.map((t) => t.trim()).slice(1, 3)).toEqual(['Rooms', 'Groups'])
  await admin.getByLabel('Search groups').fill('Bob crew')
  const row = admin.getByRole('row', { name: 'Bob crew' })
  await expect(row).toContainText('@bobadmin')
  await expect(row.getByRole('cell').nth(1)).toHaveText('1') // members
  await expect(row.getByRole('cell').nth(2)).toHaveText('1') // rooms
  await row.getByRole('button', { name: 'Delete group' }).click()
  const dialog = admin.getByRole('alertdialog', { name: 'Delete the group Bob crew?' })
  await expect(dialog).toContainText('channels become private rooms of their members')
  await dialog.getByRole('button', { name: 'Delete group' }).click()
  await expect(dialog).toHaveCount(0)
  await expect(row).toHaveCount(0)
  await admin.reload() // gone on the server too
  await expect(admin.getByRole('tab', { name: 'Groups' })).toHaveAttribute('aria-selected', 'true')
  await admin.getByLabel('Search groups').fill('Bob crew')
  await expect(admin.getByText('No groups match.')).toBeVisible()

  await admin.getByRole('tab', { name: 'Rooms' }).click()
  await admin.getByLabel('Search rooms').fill('crewchat')
  await expect(admin.getByRole('row', { name: 'crewchat' })).toContainText('Private')
  await expect(
    bob.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: /^crewchat/ }),
  ).toBeVisible()
})

test('a reported message reaches the admin, who resolves it', async () => {
  // Everyone is in #general; the admin says something Bob reports.
  await admin.goto('/')
  await admin.getByRole('button', { name: /^general/ }).click()
  const box = admin.getByLabel('Message #general')
  await box.fill('buy cheap watches here')
  await box.press('Enter')
  await bob.getByRole('button', { name: /^general/ }).click()
  const message = bob
    .getByRole('list', { name: 'Messages' })
    .getByRole('listitem')
    .filter({ hasText: 'buy cheap watches here' })
  await message.hover()
  await message.getByRole('button', { name: 'Report' }).click()
  const dialog = bob.getByRole('dialog', { name: 'Report this message' })
  await dialog.getByLabel('Why should the admins look at it?').fill('spam')
  await dialog.getByRole('button', { name: 'Report' }).click()
  await expect(bob.getByText('Thank you. The admins will look at this message.')).toBeVisible()
  await expect(dialog).toHaveCount(0)
  // A second report of the same message is refused, and says why.
  await message.hover()
  await message.getByRole('button', { name: 'Report' }).click()
  await dialog.getByLabel('Why should the admins look at it?').fill('still spam')
  await dialog.getByRole('button', { name: 'Report' }).click()
  await expect(dialog.getByRole('alert')).toHaveText('You already reported this message.')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  // One's own messages have no Report.
  const own = admin
    .getByRole('list', { name: 'Messages' })
    .getByRole('listitem')
    .filter({ hasText: 'buy cheap' })
  await own.hover()
  await expect(own.getByRole('button', { name: 'Report' })).toHaveCount(0)

  await openTab(admin, 'Reports')
  const report = admin.getByRole('article', { name: 'Report by bobadmin' })
  await expect(report).toContainText('buy cheap watches here')
  await expect(report).toContainText('#general')
  await expect(report).toContainText('spam')
  await report.getByRole('button', { name: 'Resolve' }).click()
  await expect(report).toHaveCount(0)
  // The toast says so and offers Undo, which brings the report back among the open ones.
  const toast = admin.getByRole('status').filter({ hasText: 'Report resolved.' })
  await expect(toast).toBeVisible()
  await toast.getByRole('button', { name: 'Undo' }).click()
  await expect(report).toBeVisible()
  await expect(admin.getByRole('status').filter({ hasText: 'Report reopened.' })).toBeVisible()
  await report.getByRole('button', { name: 'Resolve' }).click()
  await expect(report).toHaveCount(0)
  await admin.getByRole('radio', { name: 'Resolved' }).check()
  await expect(admin.getByRole('article', { name: 'Report by bobadmin' })).toContainText(
    'buy cheap watches here',
  )
})

test('a notice posted by the admin appears on open pages until cleared', async () => {
  await bob.goto('/')
  await expect(bob.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
  await openTab(admin, 'Notice')
  await admin.getByLabel('New notice').fill('Maintenance tonight at 22:00')
  await admin.getByRole('button', { name: 'Post notice' }).click()
  const banner = bob.getByRole('complementary', { name: 'Server notice' })
  await expect(banner).toContainText('Maintenance tonight at 22:00')
  // A page opened later gets it too; dismissing hides it there.
  await bob.reload()
  await expect(banner).toContainText('Maintenance tonight at 22:00')
  await banner.getByRole('button', { name: 'Dismiss notice' }).click()
  await expect(banner).toHaveCount(0)
  await expect(carol.getByRole('complementary', { name: 'Server notice' })).toContainText(
    'Maintenance tonight',
  )
  await admin.getByRole('button', { name: 'Clear notice' }).click()
  await expect(carol.getByRole('complementary', { name: 'Server notice' })).toHaveCount(0)
})

test('a deactivated user is signed out of their open page and cannot sign in', async () => {
  await expect(carol.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
  await openTab(admin, 'Users')
  await admin.getByLabel('Search users').fill('caroladmin')
  const row = admin.getByRole('row', { name: 'caroladmin' })
  await expect(admin.getByRole('row')).toHaveCount(2) // the header and Carol
  await row.getByRole('button', { name: 'Deactivate' }).click()
  const confirm = admin.getByRole('alertdialog', { name: /Deactivate/ })
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused()
  await confirm.getByRole('button', { name: 'Deactivate' }).click()
  await expect(row).toContainText('Deactivated')
  await expect(carol.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await carol.getByLabel('Username or e-mail').fill('caroladmin')
  await carol.getByLabel('Password').fill('a fine long secret')
  await carol.getByRole('button', { name: 'Sign in' }).click()
  await expect(carol.getByRole('alert')).toContainText('deactivated')
})

test('health shows the server numbers, and the tabs fit a phone', async () => {
  await openTab(admin, 'Health')
  const health = admin.getByRole('definition')
  await expect(admin.getByText('Accounts')).toBeVisible()
  await expect(health.first()).not.toBeEmpty()
  await admin.setViewportSize({ width: 390, height: 844 })
  await command(bob, { type: 'create_group', name: 'A group whose name is long enough to wrap on a phone' })
  for (const [tab, search] of [
    ['Users', 'Search users'],
    ['Rooms', 'Search rooms'],
    ['Groups', 'Search groups'],
  ] as const) {
    await admin.getByRole('tab', { name: tab }).click()
    await expect(admin.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true')
    await admin.getByLabel(search).fill('')
    await expect(admin.getByRole('table').locator('tbody tr').first()).toBeVisible() // a card
    const width = await admin.evaluate(() => document.documentElement.scrollWidth)
    expect(width, tab).toBeLessThanOrEqual(390) // nothing wider than the screen: tabs scroll, tables are lists
  }
})
