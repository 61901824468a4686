// Small words right: "1 member", not "1 members"; a form's rule said once, not as a hint and again
// as the error that repeats it.
import { test, expect } from './fixtures'
import { newChannel, newUser } from './users'

test('an empty registration form states the username rule once', async ({ page }) => {
  await page.goto('/register')
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByLabel('Username')).toHaveAttribute('aria-invalid', 'true')
  await expect(page.getByText(/3 to 32 characters/)).toHaveCount(1)
  await expect(page.getByText(/at least 8 characters/i)).toHaveCount(1)
})

test('a channel of one counts "1 member" in the directory', async ({ browser }) => {
  const ann = await newUser(browser, 'annalone')
  const bob = await newUser(browser, 'bobbrowsing')
  const channel = await newChannel(ann.page, 'alone')
  await bob.page.getByRole('button', { name: 'Browse channels' }).click()
  const entry = bob.page.getByRole('listitem').filter({ hasText: `#${channel}` })
  await expect(entry.getByText('1 member', { exact: true })).toBeVisible()
  await expect(entry).not.toContainText('members')
})
