// Fresh people for a spec: a unique name, and a user registered in a browser context of their own
// with the app open and online.
import type { Browser, BrowserContextOptions, Page } from '@playwright/test'
import { expect } from './fixtures'

export const unique = (p: string) => `${p}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`

// `permissions`, e.g. ['microphone'], are granted to the user's context; `options` shape it further
// (a touch screen, a phone's viewport).
export async function newUser(
  browser: Browser,
  prefix: string,
  permissions: string[] = [],
  options: BrowserContextOptions = {},
): Promise<{ page: Page; name: string }> {
  const context = await browser.newContext({ ...options, permissions })
  const page = await context.newPage()
  const name = unique(prefix)
  await page.goto('/register')
  await page.getByLabel('Username').fill(name)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByRole('heading', { name: `Welcome to Parley, ${name}` })).toBeVisible()
  await expect(page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
  return { page, name }
}

// Ann makes a channel named after `prefix` and Bob joins it from the directory; both have it open.
export async function sharedChannel(ann: Page, bob: Page, prefix = 'room'): Promise<string> {
  const channel = unique(prefix)
  await ann.getByRole('button', { name: 'New room' }).click()
  await ann.getByLabel('Room name').fill(channel)
  await ann.getByRole('button', { name: 'Create' }).click()
  await expect(ann.getByRole('heading', { name: `#${channel}` })).toBeVisible() // before Bob looks
  await bob.getByRole('button', { name: 'Browse channels' }).click()
  await bob.getByRole('button', { name: `Join #${channel}` }).click()
  await expect(bob.getByRole('heading', { name: `#${channel}` })).toBeVisible()
  return channel
}

// `page`'s user makes a channel named after `prefix` and has it open.
export async function newChannel(page: Page, prefix = 'room'): Promise<string> {
  const channel = unique(prefix)
  await page.getByRole('button', { name: 'New room' }).click()
  await page.getByLabel('Room name').fill(channel)
  await page.getByRole('button', { name: 'Create' }).click()
  await expect(page.getByRole('heading', { name: `#${channel}` })).toBeVisible()
  return channel
}

// `page`'s user takes `name` as display name (on the Profile page), then goes back to the chat.
export async function setDisplayName(page: Page, name: string): Promise<void> {
  await page.getByRole('link', { name: 'Profile' }).click()
  await page.getByLabel('Display name').fill(name)
  await page.getByRole('button', { name: 'Save profile' }).click()
  await expect(page.getByText('Saved.')).toBeVisible()
  await page.getByRole('link', { name: 'Parley home' }).click()
}

// A message in the room's timeline, by its author and text: the server's copy, not the one still
// waiting in the outbox (which shows the same text until the event replaces it).
export function shownMessage(page: Page, author: string, text: string) {
  return page
    .getByRole('list', { name: 'Messages' })
    .getByRole('listitem', { name: `${author}: ${text.slice(0, 120)}`, exact: true })
}
