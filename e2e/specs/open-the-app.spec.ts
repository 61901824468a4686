// A newcomer opens Parley: the app shell renders from the real server and its socket comes online.
import { test, expect } from './fixtures'

test('the first page renders and connects to the server', async ({ page }) => {
  await page.goto('/')
  await expect(page.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Parley home' })).toBeVisible()
  await expect(page.getByRole('status')).toHaveText('Online')
  await expect(page.getByText(/Server version \d+\.\d+\.\d+/)).toBeVisible()
})

test('a deep link is served the app, which shows its own not-found page', async ({ page }) => {
  const res = await page.goto('/no/such/page')
  expect(res?.status()).toBe(200)
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible()
  await page.getByRole('link', { name: 'Back to Parley' }).click()
  await expect(page.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()
})
