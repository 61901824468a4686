// Every screen passes axe-core's WCAG 2.1 A and AA rules (contrast, names, landmarks, ARIA) in the
// light, dark and high-contrast themes, on a desktop and on a phone: sign-in, sign-up, the chat with
// a message's actions showing, a thread, the settings, profile and sessions pages, the New room,
// Room settings and painter dialogs, the search panel, the rooms drawer (screens.ts).
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { THEMES, chatRoom, walk, type ChatRoom } from './screens'

// Each test walks a dozen screens: more than the default 30 s on a busy machine.
test.describe.configure({ mode: 'serial', timeout: 90_000 })

let room: ChatRoom
test.beforeAll(async ({ browser }) => {
  room = await chatRoom(browser)
})

// The violations on the page as it is, one line per element: the rule, what it asks, and where.
async function violations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .options({ resultTypes: ['violations'] })
    .analyze()
  return violations.flatMap((v) =>
    v.nodes.map(
      (n) => `${v.id} (${v.help}): ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ')}`,
    ),
  )
}

for (const theme of THEMES) {
  for (const phone of [false, true]) {
    test(`every screen passes axe in the ${theme} theme on a ${phone ? 'phone' : 'desktop'}`, async ({
      browser,
    }) => {
      const found: string[] = []
      const errors = await walk(browser, room, theme, phone, async (page, screen) => {
        found.push(...(await violations(page)).map((v) => `${screen}: ${v}`))
      })
      expect(found, 'axe violations').toEqual([])
      expect(errors, 'console errors').toEqual([])
    })
  }
}
