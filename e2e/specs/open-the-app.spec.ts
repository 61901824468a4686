// A newcomer opens Parley: the app shell renders from the real server, sends them to sign in, and
// deep links still reach the app.
import { test, expect } from './fixtures'

test('the first page renders and asks a newcomer to sign in', async ({ page }) => {
  await page.goto('/')
  await expect(page).toHaveURL(/\/login$/)
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Parley home' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Create an account' })).toBeVisible()
})

test('a deep link is served the app, which shows its own not-found page', async ({ page }) => {
  const res = await page.goto('/no/such/page')
  expect(res?.status()).toBe(200)
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible()
})
