// When the network goes without a word, the header stops saying "Online" within seconds, messages
// wait as "sending…", and everything goes out once the network is back. Playwright's offline mode
// cuts the page's traffic, the open socket's included, without closing anything.
import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { newChannel, newUser, shownMessage } from './users'

// The e2e run's network namespace holds only loopback, so Chromium says navigator.onLine is false
// from the start and never fires `offline` or `online`: the spec fires the event a browser with a
// network fires when it loses it or gets it back.
async function browserSays(page: Page, event: 'offline' | 'online'): Promise<void> {
  await page.evaluate((e) => window.dispatchEvent(new Event(e)), event)
}

const statusOf = (page: Page) => page.getByRole('status').filter({ hasText: /Online|Offline|Connecting/ })

test('the browser going offline shows at once, and the outbox goes out when it is back', async ({
  browser,
}) => {
  const { page, name } = await newUser(browser, 'offline')
  const channel = await newChannel(page, 'offline')
  const status = statusOf(page)

  await page.context().setOffline(true)
  await browserSays(page, 'offline')
  await expect(status).toHaveText(/^Offline/, { timeout: 1500 })
  const box = page.getByLabel(`Message #${channel}`)
  await box.fill('written without a network')
  await box.press('Enter')
  await expect(page.getByText('sending…')).toBeVisible()

  await page.context().setOffline(false)
  await browserSays(page, 'online')
  await expect(status).toHaveText('Online')
  await expect(page.getByText('sending…')).toHaveCount(0)
  await expect(shownMessage(page, name, 'written without a network')).toBeVisible()
})

test('a network that silently stops carrying anything is noticed within seconds', async ({ browser }) => {
  const { page, name } = await newUser(browser, 'silent')
  const channel = await newChannel(page, 'silent')
  const status = statusOf(page)

  await page.context().setOffline(true) // no event: only the client's heartbeat can tell
  const box = page.getByLabel(`Message #${channel}`)
  await box.fill('written into the void')
  await box.press('Enter')
  await expect(page.getByText('sending…')).toBeVisible()
  // A ping after 4 s of quiet, given up 3 s later.
  await expect(status).not.toHaveText('Online', { timeout: 9000 })

  await page.context().setOffline(false)
  await expect(status).toHaveText('Online', { timeout: 20_000 })
  await expect(page.getByText('sending…')).toHaveCount(0)
  await expect(shownMessage(page, name, 'written into the void')).toHaveCount(1)
})
