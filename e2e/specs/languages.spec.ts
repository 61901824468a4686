// Languages (issue 19): a user switches the app to German in Settings and sees German across the
// chat (header, composer, a day line) after a reload too; then to Arabic, where the page turns
// right to left (the room list on the right) and nothing overflows; a browser set to German gets
// German by itself on the sign-in page.
import { test, expect } from './fixtures'
import type { Page } from '@playwright/test'
import { unique } from './users'

async function chooseLanguage(page: Page, settingsLink: string, label: string, value: string): Promise<void> {
  await page.getByRole('link', { name: settingsLink }).click()
  await page.getByRole('combobox', { name: label }).selectOption(value)
}

async function noHorizontalOverflow(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.scrollingElement!.scrollWidth,
    client: document.scrollingElement!.clientWidth,
  }))
  expect(scroll, 'page width').toBeLessThanOrEqual(client)
}

test('a user switches to German, then to Arabic, right to left', async ({ page }) => {
  const name = unique('lang')
  await page.goto('/register')
  await page.getByLabel('Username').fill(name)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByRole('heading', { name: `Welcome to Parley, ${name}` })).toBeVisible()
  const channel = unique('sprache')
  await page.getByRole('button', { name: 'New room' }).click()
  await page.getByLabel('Room name').fill(channel)
  await page.getByRole('button', { name: 'Create' }).click()
  await page.getByRole('textbox', { name: `Message #${channel}` }).fill('Guten Tag')
  await page.keyboard.press('Enter')
  await expect(page.getByRole('listitem', { name: `${name}: Guten Tag` })).toBeVisible()

  // German, chosen in Settings.
  await chooseLanguage(page, 'Settings', 'Language', 'de')
  await expect(page.getByRole('heading', { name: 'Einstellungen' })).toBeVisible()
  await expect(page.locator('html')).toHaveAttribute('lang', 'de')
  await expect(page).toHaveTitle('Einstellungen · Parley')

  const german = async (): Promise<void> => {
    await page.getByRole('button', { name: new RegExp(`^${channel}`) }).click()
    const nav = page.getByRole('navigation', { name: 'Konto' })
    await expect(nav.getByRole('link', { name: 'Einstellungen' })).toBeVisible()
    await expect(nav.getByRole('button', { name: 'Abmelden' })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Neuer Raum' })).toBeVisible()
    await expect(page.getByRole('textbox', { name: `Nachricht an #${channel}` })).toHaveAttribute(
      'placeholder',
      `Nachricht an #${channel}`,
    )
    await expect(page.getByRole('button', { name: 'Raumeinstellungen' })).toBeVisible()
    // The day line, written as German writes today's date.
    const today = await page.evaluate(() => new Intl.DateTimeFormat('de', { dateStyle: 'full' }).format(new Date()))
    expect(today).toMatch(/^(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), /)
    await expect(page.getByText(today, { exact: true })).toBeVisible()
  }
  await page.getByRole('link', { name: 'Parley-Startseite' }).click()
  await german()

  // It stays German after a reload.
  await page.reload()
  await german()

  // Arabic: right to left.
  await chooseLanguage(page, 'Einstellungen', 'Sprache', 'ar')
  await expect(page.getByRole('heading', { name: 'الإعدادات' })).toBeVisible()
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl')
  await expect(page.locator('html')).toHaveAttribute('lang', 'ar')
  await noHorizontalOverflow(page)
  await page.getByRole('link', { name: 'الصفحة الرئيسية لـ Parley' }).click()
  await page.getByRole('button', { name: new RegExp(`^${channel}`) }).click()
  await expect(page.getByRole('textbox', { name: `رسالة إلى #${channel}` })).toBeVisible()
  const sidebar = await page.getByRole('navigation', { name: 'الغرف' }).boundingBox()
  const room = await page.getByRole('region', { name: `الغرفة ${channel}` }).boundingBox()
  expect(sidebar && room).toBeTruthy()
  expect(sidebar!.x, 'the room list is on the right of the room').toBeGreaterThan(room!.x + room!.width - 1)
  await noHorizontalOverflow(page)
})

test('a browser set to German gets German on the sign-in page', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'de-DE' })
  const page = await context.newPage()
  await page.goto('/login')
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible()
  await expect(page.getByLabel('Benutzername oder E-Mail')).toBeVisible()
  await expect(page.getByRole('button', { name: 'Anmelden' })).toBeVisible()
  await expect(page.locator('html')).toHaveAttribute('lang', 'de')
  await expect(page).toHaveTitle('Anmelden · Parley')
  await context.close()
})

test('the language follows the account to another browser', async ({ page, browser }) => {
  const name = unique('roam')
  await page.goto('/register')
  await page.getByLabel('Username').fill(name)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByRole('heading', { name: `Welcome to Parley, ${name}` })).toBeVisible()
  const saved = page.waitForResponse(
    (r) => r.url().endsWith('/api/me/settings') && r.request().method() === 'PATCH' && r.ok(),
  )
  await chooseLanguage(page, 'Settings', 'Language', 'de')
  await saved
  await expect(page.getByText('Kept in this browser')).toHaveCount(0)

  // Another browser, set to English: English until the account says otherwise, then German.
  const context = await browser.newContext({ locale: 'en-US' })
  const other = await context.newPage()
  await other.goto('/login')
  await expect(other.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await other.getByLabel('Username or e-mail').fill(name)
  await other.getByLabel('Password').fill('a fine long secret')
  await other.getByRole('button', { name: 'Sign in' }).click()
  await expect(other.getByRole('navigation', { name: 'Konto' })).toBeVisible()
  await expect(other.locator('html')).toHaveAttribute('lang', 'de')
  // And it stays German there after a reload (kept for the first paint too).
  await other.reload()
  await expect(other.getByRole('navigation', { name: 'Konto' })).toBeVisible()
  await context.close()
})
