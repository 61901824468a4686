// Choosing the dark theme in Settings switches the whole app at once: <html> carries
// data-theme="dark" and the chat (its page and its message box) is painted with the dark colours.
import { test, expect } from './fixtures'
import type { Locator } from '@playwright/test'

const unique = (p: string) => `${p}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`
// The message box is painted by its form (the text field inside it is transparent).
const colours = (box: Locator) =>
  box.evaluate((el) => ({
    page: getComputedStyle(document.body).backgroundColor,
    box: getComputedStyle(el.closest('form') ?? el).backgroundColor,
  }))

test('the dark theme chosen in Settings colours the chat', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' })
  const name = unique('dark')
  await page.goto('/register')
  await page.getByLabel('Username').fill(name)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByRole('button', { name: 'Create account' }).click()
  const room = unique('night')
  await page.getByRole('button', { name: 'New room' }).click()
  await page.getByLabel('Room name').fill(room)
  await page.getByRole('button', { name: 'Create' }).click()
  const box = page.getByLabel(`Message #${room}`)
  await expect(box).toBeVisible()
  const light = await colours(box)

  await page.getByRole('link', { name: 'Settings' }).click()
  await page.getByRole('radio', { name: 'Dark' }).check()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')

  await page.goBack()
  await expect(box).toBeVisible()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  const dark = await colours(box)
  expect(dark.page).not.toBe(light.page)
  expect(dark.box).not.toBe(light.box)
  expect(dark.page).toBe('rgb(21, 23, 28)') // --bg of the dark theme
  expect(dark.box).toBe('rgb(30, 33, 40)') // --surface of the dark theme
})
