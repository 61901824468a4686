// A new user registers, signs out, signs in, changes the theme, and finds it applied after a
// reload in another browser context; mistakes are shown next to the field they concern.
import { test, expect } from './fixtures'
import type { Page } from '@playwright/test'

const unique = () => `user${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`

async function register(page: Page, username: string, password: string) {
  await page.goto('/register')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByRole('heading', { name: `Welcome to Parley, ${username}` })).toBeVisible()
}

async function signIn(page: Page, login: string, password: string) {
  await page.goto('/login')
  await page.getByLabel('Username or e-mail').fill(login)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

test('register, sign out, sign in, change the theme, and keep it in another browser', async ({ page, browser }) => {
  const name = unique()
  const password = 'a fine long secret'
  await register(page, name, password)
  await expect(page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()

  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()

  await signIn(page, name, password)
  await expect(page.getByRole('heading', { name: `Welcome to Parley, ${name}` })).toBeVisible()

  await page.getByRole('link', { name: 'Settings' }).click()
  await page.getByRole('radio', { name: 'Dark' }).check()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')

  // Another browser context shares nothing with this one: the theme comes from the account.
  const other = await browser.newContext()
  const second = await other.newPage()
  await signIn(second, name, password)
  await expect(second.getByRole('heading', { name: `Welcome to Parley, ${name}` })).toBeVisible()
  await second.reload()
  await expect(second.locator('html')).toHaveAttribute('data-theme', 'dark')
  const background = await second.evaluate(() => getComputedStyle(document.body).backgroundColor)
  expect(background).toBe('rgb(21, 23, 28)')
  await other.close()
})

test('mistakes are shown next to their field', async ({ page }) => {
  await page.goto('/register')
  await page.getByLabel('Username').fill('x')
  await page.getByLabel('Password').fill('password')
  await page.getByRole('button', { name: 'Create account' }).click()
  const username = page.getByLabel('Username')
  await expect(username).toHaveAttribute('aria-invalid', 'true')
  await expect(page.getByRole('alert').filter({ hasText: 'Usernames are 3 to 32 characters' })).toBeVisible()

  await page.getByLabel('Username').fill(unique())
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByRole('alert').filter({ hasText: 'most common' })).toBeVisible()
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true')

  await signIn(page, 'nobody-at-all', 'wrong password here')
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong username or password' })).toBeVisible()
})

test('profile changes and the session list', async ({ page }) => {
  const name = unique()
  await register(page, name, 'another fine secret')
  await page.getByRole('link', { name: 'Profile' }).click()
  await page.getByLabel('Display name').fill('Zoë Example')
  await page.getByRole('button', { name: 'Save profile' }).click()
  await expect(page.getByText('Saved.')).toBeVisible()
  await page.getByRole('link', { name: 'Parley home' }).click()
  await expect(page.getByRole('heading', { name: 'Welcome to Parley, Zoë Example' })).toBeVisible()

  await page.getByRole('link', { name: 'Sessions' }).click()
  await expect(page.getByRole('list', { name: 'Sessions' }).getByRole('listitem')).toHaveCount(1)
  await expect(page.getByText('(this device)')).toBeVisible()
  await page.getByRole('button', { name: 'Sign out everywhere' }).click()
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
})
