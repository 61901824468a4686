// The test object every spec uses: baseURL points at the server from global-setup, and any console
// error (a CSP violation, an exception, a 5xx) fails the test.
import { test as base, expect } from '@playwright/test'

export const test = base.extend<{ consoleErrors: string[] }>({
  baseURL: async ({}, use) => {
    await use(process.env.PARLEY_URL)
  },
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = []
      page.on('console', (msg) => {
        // An API refusal (4xx) is the app working as meant; it shows the message itself.
        const expected = /^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())
        if (msg.type() === 'error' && !expected) errors.push(msg.text())
      })
      page.on('pageerror', (err) => errors.push(err.message))
      await use(errors)
      expect(errors, 'console errors').toEqual([])
    },
    { auto: true },
  ],
})

export { expect }
