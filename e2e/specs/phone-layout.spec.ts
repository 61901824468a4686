// On a phone (390×844): the chat fits the screen whatever people post (a 300-character word, a long
// link), the message box keeps its width with a one-line placeholder, the room list is a drawer
// opened from the room header and closed by Escape or a choice, a message's actions show for the
// message tapped (not under every message), and a thread and the members panel cover the room with
// their own close buttons.
import { test, expect } from './fixtures'
import type { Page } from '@playwright/test'

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true })

const unique = (p: string) => `${p}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`

async function noHorizontalScroll(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }))
  expect(scroll, 'page width').toBeLessThanOrEqual(client)
}

test('the chat fits a phone screen and the rooms open in a drawer', async ({ page }) => {
  const name = unique('pho')
  await page.goto('/register')
  await page.getByLabel('Username').fill(name)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByRole('heading', { name: `Welcome to Parley, ${name}` })).toBeVisible()
  await noHorizontalScroll(page)

  // With no room open the room list is the screen.
  const first = unique('first')
  await page.getByRole('button', { name: 'New room' }).click()
  await page.getByLabel('Room name').fill(first)
  await page.getByRole('button', { name: 'Create' }).click()
  await expect(page.getByRole('heading', { name: `#${first}` })).toBeVisible()
  const second = unique('second')
  const roomsButton = page.getByRole('button', { name: 'Rooms', exact: true })
  await roomsButton.click()
  const drawer = page.getByRole('dialog', { name: 'Rooms' })
  await drawer.getByRole('button', { name: 'New room' }).click()
  await page.getByLabel('Room name').fill(second)
  await page.getByRole('button', { name: 'Create' }).click()
  await expect(page.getByRole('heading', { name: `#${second}` })).toBeVisible()
  await expect(drawer).toHaveCount(0)
  // In a room the list is hidden until asked for.
  await expect(page.getByRole('navigation', { name: 'Rooms' })).toHaveCount(0)

  // The message box keeps the screen's width, its placeholder on one line (the room's name is in
  // the header just above it).
  const box = page.getByLabel(`Message #${second}`)
  await expect(box).toHaveAttribute('placeholder', 'Message')
  const composer = await box.evaluate((el) => ({
    width: el.closest('form')!.getBoundingClientRect().width,
    height: el.clientHeight,
    content: el.scrollHeight,
    line: parseFloat(getComputedStyle(el).lineHeight),
  }))
  expect(composer.width, 'composer width').toBeGreaterThan(360)
  expect(composer.content, 'placeholder lines').toBeLessThanOrEqual(composer.height)
  expect(composer.height, 'box height').toBeLessThan(2 * composer.line)
  const word = 'x'.repeat(300)
  await box.fill(word)
  await box.press('Enter')
  const link = `https://example.com/${'a-very-long-path-segment/'.repeat(12)}?q=${'0123456789'.repeat(8)}`
  await box.fill(`see ${link}`)
  await box.press('Enter')
  const messages = page.getByRole('list', { name: 'Messages' })
  await expect(messages.getByText(word)).toBeVisible()
  await expect(messages.getByRole('link', { name: link })).toBeVisible()
  await expect(page.getByText('sending…')).toHaveCount(0)
  await noHorizontalScroll(page)

  // A message's actions are not a row under every message: a tap on one shows its actions (and only
  // its), a tap on another moves them there.
  const longMessage = messages.getByRole('listitem').filter({ hasText: word })
  const linkMessage = messages.getByRole('listitem').filter({ hasText: 'see https' })
  await expect(messages.getByRole('button', { name: 'Reply' })).toHaveCount(0)
  await linkMessage.locator('p').first().tap({ position: { x: 5, y: 5 } })
  await expect(linkMessage.getByRole('button', { name: 'Reply' })).toBeVisible()
  await expect(messages.getByRole('button', { name: 'Reply' })).toHaveCount(1)
  await longMessage.getByText(word).tap()
  await expect(linkMessage.getByRole('button', { name: 'Reply' })).toHaveCount(0)
  // A thread covers the room, with focus on its close button.
  await longMessage.getByRole('button', { name: 'Reply' }).click()
  const thread = page.getByRole('complementary', { name: 'Thread' })
  await expect(thread.getByRole('button', { name: 'Close thread' })).toBeFocused()
  expect(await thread.evaluate((el) => el.getBoundingClientRect().width)).toBe(390)
  await noHorizontalScroll(page)
  await thread.getByRole('button', { name: 'Close thread' }).click()
  await expect(thread).toHaveCount(0)

  // The drawer: focus goes in, Escape closes it and focus comes back to the button.
  await roomsButton.click()
  await expect(drawer).toBeVisible()
  await expect(drawer.getByRole('button', { name: first })).toBeVisible()
  await expect(drawer.locator(':focus')).toHaveCount(1)
  await noHorizontalScroll(page)
  await page.keyboard.press('Escape')
  await expect(drawer).toHaveCount(0)
  await expect(roomsButton).toBeFocused()

  // Choosing a room closes it and opens the room.
  await roomsButton.click()
  await drawer.getByRole('button', { name: first }).click()
  await expect(drawer).toHaveCount(0)
  await expect(page.getByRole('heading', { name: `#${first}` })).toBeVisible()
  await expect(roomsButton).toBeFocused()

  // Members cover the whole width and close with their own button.
  await page.getByRole('button', { name: /^Members/ }).click()
  const members = page.getByRole('region', { name: 'Members' })
  await expect(members).toBeVisible()
  const width = await members.evaluate((el) => el.getBoundingClientRect().width)
  expect(width).toBe(390)
  await noHorizontalScroll(page)
  await members.getByRole('button', { name: 'Close members' }).click()
  await expect(members).toHaveCount(0)
})
