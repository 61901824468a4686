// The message list is one stop in the tab order (the message last focused, else the newest), not
// one stop per button of every message: from the room's header to the composer takes a few Tabs
// however many messages are shown, and the arrow keys move between messages. On a touch screen
// (no hover) every message shows its actions, which made 146 stops of 24 messages.
import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { newChannel, newUser, shownMessage } from './users'

// Tabs from the focused element until the composer has focus (at most `limit`).
async function tabsToComposer(page: Page, limit = 300): Promise<number> {
  for (let n = 1; n <= limit; n++) {
    await page.keyboard.press('Tab')
    if (await page.evaluate(() => document.activeElement?.id === 'composer-text')) return n
  }
  return Infinity
}

test('24 messages are one tab stop, and the arrows move through them', async ({ browser }) => {
  const { page, name } = await newUser(browser, 'keyboard', [], { hasTouch: true })
  const channel = await newChannel(page, 'keys')
  const box = page.getByLabel(`Message #${channel}`)
  for (let i = 1; i <= 24; i++) {
    await box.fill(`message ${i}`)
    await box.press('Enter')
  }
  const messages = page.getByRole('list', { name: 'Messages' })
  await expect(shownMessage(page, name, 'message 24')).toBeVisible()
  await expect(page.getByText('sending…')).toHaveCount(0)

  // Header to composer: the members button, the newest message and its six actions.
  await page.getByRole('button', { name: /^Members/ }).focus()
  expect(await tabsToComposer(page)).toBeLessThanOrEqual(10)

  // Back from the composer: the newest message, then straight out of the list.
  const item = (n: number) => messages.getByRole('listitem', { name: `${name}: message ${n}`, exact: true })
  await box.focus()
  await page.keyboard.press('Shift+Tab')
  await expect(item(24)).toBeFocused()
  await page.keyboard.press('ArrowUp')
  await page.keyboard.press('ArrowUp')
  await expect(item(22)).toBeFocused()
  await page.keyboard.press('Home')
  await expect(item(1)).toBeFocused()
  await page.keyboard.press('End')
  await expect(item(24)).toBeFocused()
  await page.keyboard.press('ArrowUp')
  // Tab enters that message's actions; the list keeps it as its stop.
  await page.keyboard.press('Tab')
  await expect(item(23).getByRole('button', { name: 'Add a reaction' })).toBeFocused()
  await box.focus()
  await page.keyboard.press('Shift+Tab')
  await expect(item(23)).toBeFocused()
})
