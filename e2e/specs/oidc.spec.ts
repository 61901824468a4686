// Sign-in with an OpenID provider (issue 18), through a real provider in the browser: the npm
// `oidc-provider` on loopback (specs/local-oidc.ts), with its own login and consent pages. A new
// person clicks "Continue with Local ID", signs in there and lands in Parley signed in under the
// provider's name; signs out and back in the same way to the same account; a provider account
// that is the only way in cannot be unlinked. A sign-in cancelled at the provider, or a callback
// with a forged state, comes back to the sign-in page with the reason. A password user links the
// provider from the profile page and sees it listed. Someone with a password account whose
// confirmed e-mail address the provider vouches for is asked for that password once, and the
// provider is linked to it (the confirmation link is read from the server's log: no SMTP here).
//
// Parley runs on a server of its own, started with the provider: `--public-url` must be the very
// address the browser uses, since the provider sends the browser back to it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { freePort, newUserAt, startParley, stopParley } from './own-server'
import { startLocalProvider, type LocalProvider } from './local-oidc'

test.describe.configure({ mode: 'serial' })

let op: LocalProvider
let server: ChildProcess
let dataDir: string
let base: string
let log = ''
const errors: string[] = []

test.beforeAll(async () => {
  test.setTimeout(60_000)
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  op = await startLocalProvider(`${base}/api/auth/oidc/local/callback`)
  dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-oidc-'))
  server = await startParley(port, dataDir, [
    '--oidc-provider',
    `id=local,name=Local ID,issuer=${op.issuer},client-id=parley-client,client-secret=parley-secret`,
    '--oidc-allow-http',
    '--public-url',
    base,
  ], (text) => (log += text))
})

test.afterAll(async () => {
  if (server) await stopParley(server)
  if (op) await op.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

test.afterEach(() => {
  expect(errors, 'console errors').toEqual([])
  errors.length = 0
})

// A browser of its own. Errors on Parley's pages fail the test (an API refusal is the app working
// as meant); the provider's development pages load a web font from the Internet, answered empty.
async function newBrowser(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext()
  await context.route('https://fonts.googleapis.com/**', (r) => r.fulfill({ contentType: 'text/css', body: '' }))
  const page = await context.newPage()
  page.on('console', (msg) => {
    const refused = /^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())
    if (msg.type() === 'error' && !refused && page.url().startsWith(base)) errors.push(msg.text())
  })
  page.on('pageerror', (err) => errors.push(err.message))
  return { context, page }
}

// On the provider's pages: its login form (any password), then its consent.
async function atProvider(page: Page, login: string, consent: 'allow' | 'deny' = 'allow'): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`^${op.issuer}/interaction/`))
  await page.getByPlaceholder('Enter any login').fill(login)
  await page.getByPlaceholder('and password').fill('any password at all')
  await page.getByRole('button', { name: 'Sign-in' }).click()
  await expect(page.getByRole('heading', { name: 'Authorize' })).toBeVisible()
  if (consent === 'allow') await page.getByRole('button', { name: 'Continue' }).click()
  else await page.getByRole('link', { name: '[ Cancel ]' }).click()
}

async function continueWithLocalId(page: Page): Promise<void> {
  await page.goto(`${base}/login`)
  await page.getByRole('button', { name: 'Continue with Local ID' }).click()
}

interface Me {
  id: number
  username: string
  display_name: string
}
// Who the browser is signed in as, by the server.
const me = async (page: Page): Promise<Me> =>
  ((await (await page.request.get(`${base}/api/me`)).json()) as { user: Me }).user

test('a new person signs in with the provider, signs out, and signs in again to the same account', async ({
  browser,
}) => {
  const { context, page } = await newBrowser(browser)
  await continueWithLocalId(page)
  await atProvider(page, 'robin')
  await expect(page).toHaveURL(`${base}/`)
  await expect(page.getByRole('heading', { name: 'Welcome to Parley, Robin Provider' })).toBeVisible()
  await expect(page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
  const first = await me(page)
  expect(first).toMatchObject({ username: 'robin', display_name: 'Robin Provider' })

  // The provider is the only way in: the profile says so rather than unlinking it.
  await page.getByRole('link', { name: 'Profile' }).click()
  const methods = page.getByRole('region', { name: 'Sign-in methods' })
  await expect(methods.getByText('robin@id.test')).toBeVisible()
  await methods.getByRole('button', { name: 'Unlink Local ID' }).click()
  await expect(methods.getByRole('alert')).toHaveText('Local ID stays linked: it is your only way to sign in.')
  await expect(methods.getByText('robin@id.test')).toBeVisible()

  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()

  // The provider forgets its own sign-in too, so it asks again, as on another day.
  await context.clearCookies({ domain: '127.0.0.1', name: /^_/ })
  await continueWithLocalId(page)
  await atProvider(page, 'robin')
  await expect(page.getByRole('heading', { name: 'Welcome to Parley, Robin Provider' })).toBeVisible()
  expect((await me(page)).id).toBe(first.id)
  await context.close()
})

test('a sign-in cancelled at the provider, or with a forged state, is said on the sign-in page', async ({
  browser,
}) => {
  const { context, page } = await newBrowser(browser)
  await continueWithLocalId(page)
  await atProvider(page, 'robin', 'deny')
  await expect(page).toHaveURL(`${base}/login`) // the error is taken out of the address
  await expect(page.getByRole('alert')).toHaveText(
    'Signing in with the provider did not work: The sign-in was cancelled at the provider',
  )
  expect((await page.request.get(`${base}/api/me`)).status()).toBe(401)

  // A callback that this browser did not start (a forged or replayed state) is refused.
  await page.goto(`${base}/api/auth/oidc/local/callback?code=forged&state=forged-state`)
  await expect(page).toHaveURL(`${base}/login`)
  await expect(page.getByRole('alert')).toContainText('Signing in with the provider did not work:')
  expect((await page.request.get(`${base}/api/me`)).status()).toBe(401)
  await context.close()
})

test('a password user links the provider from the profile page and sees it listed', async ({ browser }) => {
  const page = await newUserAt(browser, base, `linker${Date.now().toString(36)}`)
  await page.context().route('https://fonts.googleapis.com/**', (r) => r.fulfill({ contentType: 'text/css', body: '' }))
  await page.goto('/profile')
  const methods = page.getByRole('region', { name: 'Sign-in methods' })
  await expect(methods.getByText('No service is linked yet.')).toBeVisible()
  await methods.getByRole('button', { name: 'Link Local ID', exact: true }).click()
  await atProvider(page, 'sam')

  await expect(page).toHaveURL(`${base}/profile`)
  await expect(methods.getByRole('status')).toHaveText('Local ID is linked. You can now sign in with it.')
  await expect(methods.getByRole('listitem')).toHaveCount(1)
  await expect(methods.getByRole('listitem')).toContainText('Local ID')
  await expect(methods.getByRole('listitem')).toContainText('sam@id.test')
  await expect(methods.getByRole('button', { name: 'Link Local ID', exact: true })).toHaveCount(0)

  // With a password as well, the provider can go.
  await methods.getByRole('button', { name: 'Unlink Local ID' }).click()
  await expect(methods.getByRole('status')).toHaveText('Local ID is unlinked.')
  await expect(methods.getByRole('listitem')).toHaveCount(0)
  await expect(methods.getByRole('button', { name: 'Link Local ID', exact: true })).toBeVisible()
  await page.context().close()
})

test('an account with the provider’s e-mail address is linked once its password is given', async ({ browser }) => {
  // Tess has a password account and confirmed tess@id.test, the address the provider vouches for.
  const { context, page } = await newBrowser(browser)
  const { csrf } = (await (await page.request.get(`${base}/api/session`)).json()) as { csrf: string }
  const registered = await page.request.post(`${base}/api/auth/register`, {
    headers: { 'x-csrf-token': csrf },
    data: { username: 'tess', password: 'tess has a long secret', email: 'tess@id.test' },
  })
  expect(registered.status()).toBe(201)
  let token = ''
  await expect
    .poll(() => (token = /tess@id\.test[^\n]*\n[\s\S]*?confirm-email\?token=([\w-]+)/.exec(log)?.[1] ?? ''))
    .not.toBe('')
  const confirmed = await page.request.post(`${base}/api/auth/confirm-email`, {
    headers: { 'x-csrf-token': csrf },
    data: { token },
  })
  expect(confirmed.status()).toBe(200)
  await page.request.post(`${base}/api/auth/logout`, { headers: { 'x-csrf-token': csrf } })
  await context.clearCookies({ name: 'parley_session' })

  await continueWithLocalId(page)
  await atProvider(page, 'tess')
  const form = page.getByRole('form', { name: 'Link Local ID to your account' })
  await expect(form).toContainText('The account tess uses tess@id.test.')
  expect((await page.request.get(`${base}/api/me`)).status()).toBe(401)
  await form.getByLabel('Password of tess').fill('not the password')
  await form.getByRole('button', { name: 'Link Local ID and sign in' }).click()
  await expect(form.getByRole('alert')).toHaveText('Wrong username or password')
  await form.getByLabel('Password of tess').fill('tess has a long secret')
  await form.getByRole('button', { name: 'Link Local ID and sign in' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
  expect((await me(page)).username).toBe('tess')

  // Linked: the profile lists the provider, and signing in with it needs no password any more.
  await page.getByRole('link', { name: 'Profile' }).click()
  await expect(page.getByRole('region', { name: 'Sign-in methods' }).getByText('tess@id.test')).toBeVisible()
  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await context.clearCookies({ domain: '127.0.0.1', name: /^_/ })
  await continueWithLocalId(page)
  await atProvider(page, 'tess')
  await expect(page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
  expect((await me(page)).username).toBe('tess')
  await context.close()
})
