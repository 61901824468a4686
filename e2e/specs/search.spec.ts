// Searching messages (issue 19): words and Chinese substrings are found with the match marked, an
// edited message by its new words only, a deleted one no more, and nobody finds what is said in a
// room they are not in. A result far back in a room opens there with the log around it, and
// scrolling down from it reaches the newest message with nothing missing. The quick switcher
// (Ctrl+K) goes to a room or starts a search; on a phone the search covers the screen.
import type { Locator, Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { newUser, sharedChannel, unique } from './users'

async function say(page: Page, room: string, text: string): Promise<void> {
  const box = page.getByLabel(`Message ${room}`)
  await box.fill(text)
  await box.press('Enter')
  await expect(page.getByText('sending…')).toHaveCount(0)
  await expect(page.getByRole('list', { name: 'Messages' }).getByText(text, { exact: true })).toBeVisible()
}

// Opens the search panel from the room header if needed and searches; returns the results list
// once the answer to this query is shown.
async function searchFor(page: Page, query: string): Promise<Locator> {
  const panel = page.getByRole('complementary', { name: 'Search messages' })
  if (!(await panel.isVisible())) await page.getByRole('button', { name: 'Search messages' }).click()
  await panel.getByRole('searchbox').fill(query)
  await expect(panel.getByRole('status')).toHaveText(new RegExp(`match(es)? “${query}”\\.$`))
  return panel.getByRole('list', { name: 'Search results' })
}

// Posts many messages over a socket of the page's own (signed in by its cookie), a batch at a time
// within the server's request rate, each acknowledged.
async function postMany(page: Page, room: number, texts: string[]): Promise<void> {
  await page.evaluate(
    async ({ room, texts }) => {
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`)
      const acked = new Set<string>()
      const refused: string[] = []
      let helloSeen: () => void = () => undefined
      const hello = new Promise<void>((ok) => (helloSeen = ok))
      ws.onmessage = (m) => {
        const f = JSON.parse(String(m.data)) as { type: string; cid?: string }
        if (f.type === 'hello') helloSeen()
        if (f.type === 'ack' && f.cid) acked.add(f.cid)
        if (f.type === 'error') refused.push(String(m.data))
      }
      await hello
      const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms))
      for (let i = 0; i < texts.length; i += 40) {
        const cids = texts.slice(i, i + 40).map((text, k) => {
          const cid = `bulk-${i + k}-${Math.random().toString(36).slice(2)}`
          ws.send(JSON.stringify({ type: 'post', cid, room, text }))
          return cid
        })
        while (!cids.every((c) => acked.has(c))) {
          if (refused.length) throw new Error(`post refused: ${refused[0]}`)
          await sleep(20)
        }
        await sleep(400) // the socket's request bucket refills
      }
      ws.close()
    },
    { room, texts },
  )
}

test('finds words and Chinese, follows edits and deletions, and keeps private rooms private', async ({
  browser,
}) => {
  const alice = await newUser(browser, 'alice')
  const bob = await newUser(browser, 'bob')
  const channel = await sharedChannel(alice.page, bob.page, 'plans')
  const a = alice.page
  const room = `#${channel}`

  await say(a, room, 'deploy on friday night')
  await say(a, room, 'lunch is at noon')
  await say(a, room, '我们明天部署新版本')
  await say(a, room, 'temporary pineapple note')
  await say(a, room, 'a draft about kiwis')

  // A word, whatever its case, with the match marked.
  let results = await searchFor(a, 'FRIDAY')
  await expect(results.getByRole('listitem')).toHaveCount(1)
  await expect(results.locator('mark')).toHaveText(['friday'])
  await expect(results.getByRole('button')).toContainText(alice.name)
  // Two or three characters inside a Chinese sentence.
  results = await searchFor(a, '部署')
  await expect(results.locator('mark')).toHaveText(['部署'])
  results = await searchFor(a, '新版本')
  await expect(results.locator('mark')).toHaveText(['新版本'])
  await expect(results.getByRole('listitem')).toContainText('我们明天部署新版本')

  // An edited message is found by its new words, not its old ones (Up edits the last message).
  const box = a.getByLabel(`Message ${room}`)
  await box.press('ArrowUp')
  await expect(box).toHaveValue('a draft about kiwis')
  await box.fill('final words about mangoes')
  await box.press('Enter')
  await expect(a.getByRole('list', { name: 'Messages' }).getByText('final words about mangoes')).toBeVisible()
  results = await searchFor(a, 'mangoes')
  await expect(results.getByRole('listitem')).toHaveCount(1)
  await expect(results.locator('mark')).toHaveText(['mangoes'])
  const panel = a.getByRole('complementary', { name: 'Search messages' })
  await searchFor(a, 'kiwis')
  await expect(panel.getByRole('status')).toHaveText('No messages match “kiwis”.')

  // A deleted message leaves the results shown, and is not found again.
  results = await searchFor(a, 'pineapple')
  await expect(results.getByRole('listitem')).toHaveCount(1)
  const doomed = a
    .getByRole('list', { name: 'Messages' })
    .getByRole('listitem')
    .filter({ hasText: 'pineapple' })
  await doomed.hover()
  await doomed.getByRole('button', { name: 'Delete' }).click()
  await doomed.getByRole('button', { name: 'Yes, delete' }).click()
  await expect(results.getByRole('listitem')).toHaveCount(0)
  await searchFor(a, 'pineapple note')
  await expect(panel.getByRole('status')).toHaveText('No messages match “pineapple note”.')

  // A private room: Alice finds its words in all rooms, Bob (not a member) does not.
  const secret = unique('vault')
  await a.getByRole('button', { name: 'New room' }).click()
  await a.getByLabel('Room name').fill(secret)
  await a.getByLabel('Only people I invite').check()
  await a.getByRole('button', { name: 'Create' }).click()
  await expect(a.getByRole('heading', { name: secret })).toBeVisible()
  await say(a, secret, 'the walrus plans are ready')
  await say(a, secret, 'deploy the walrus on friday')
  results = await searchFor(a, 'walrus')
  await expect(results.getByRole('listitem')).toHaveCount(2)
  await panel.getByLabel('All rooms').check()
  await expect(results.getByRole('listitem')).toHaveCount(2)
  results = await searchFor(a, 'deploy friday')
  await expect(results.getByRole('listitem')).toHaveCount(2)
  await expect(results.getByRole('listitem').first()).toContainText(secret) // the room is named

  const b = bob.page
  const bobPanel = b.getByRole('complementary', { name: 'Search messages' })
  await b.getByRole('button', { name: 'Search messages' }).click()
  await bobPanel.getByLabel('All rooms').check()
  results = await searchFor(b, 'walrus')
  await expect(bobPanel.getByRole('status')).toHaveText('No messages match “walrus”.')
  results = await searchFor(b, 'deploy friday')
  await expect(results.getByRole('listitem')).toHaveCount(1)
  await expect(results.getByRole('listitem')).toContainText('deploy on friday night')
  // Filters: by sender (Bob said nothing), then by date (nothing was said before today).
  await bobPanel.getByText('Filters').click()
  await bobPanel.getByRole('button', { name: 'Me', exact: true }).click()
  await expect(bobPanel.getByRole('status')).toHaveText('No messages match “deploy friday”.')
  await bobPanel.getByRole('button', { name: 'Any sender' }).click()
  await expect(results.getByRole('listitem')).toHaveCount(1)
  await bobPanel.getByLabel('Until').fill('2020-01-01')
  await expect(bobPanel.getByRole('status')).toHaveText('No messages match “deploy friday”.')
})

test('a result 200 messages back opens in its context, and scrolling down reaches the newest', async ({
  browser,
}) => {
  test.setTimeout(90_000)
  // Bob joins after 200 messages: his room opens at the newest ones, the needle far above them.
  const alice = (await newUser(browser, 'alice')).page
  const bob = (await newUser(browser, 'bob')).page
  const name = unique('deep')
  await alice.getByRole('button', { name: 'New room' }).click()
  await alice.getByLabel('Room name').fill(name)
  await alice.getByRole('button', { name: 'Create' }).click()
  await expect(alice.getByRole('heading', { name: `#${name}` })).toBeVisible()
  await say(alice, `#${name}`, 'the needle in the haystack')
  const room = Number(/\/room\/(\d+)/.exec(alice.url())?.[1])
  const fillers = Array.from({ length: 200 }, (_, i) => `filler number ${i + 1}`)
  await postMany(alice, room, fillers)
  await bob.getByRole('button', { name: 'Browse channels' }).click()
  await bob.getByRole('button', { name: `Join #${name}` }).click()
  const messages = bob.getByRole('list', { name: 'Messages' })
  await expect(messages.getByText('filler number 200', { exact: true })).toBeAttached()
  await expect(messages.getByText('the needle in the haystack')).toHaveCount(0) // not loaded

  // Ctrl+Shift+F opens the search with its box focused.
  await bob.keyboard.press('Control+Shift+F')
  const panel = bob.getByRole('complementary', { name: 'Search messages' })
  await expect(panel.getByRole('searchbox')).toBeFocused()
  const results = await searchFor(bob, 'needle')
  await results.getByRole('button').click()

  const needle = messages.getByRole('listitem').filter({ hasText: 'the needle in the haystack' })
  await expect(needle).toBeInViewport()
  await expect(needle).toBeFocused()
  await expect(needle).toHaveClass(/flash/) // marked for a moment
  await expect(messages.getByText('filler number 10', { exact: true })).toBeVisible() // its context
  // The newest messages are not drawn right below as if nothing lay between.
  await expect(messages.getByText('filler number 200', { exact: true })).toHaveCount(0)
  await expect(bob.getByRole('button', { name: /^Jump to latest/ })).toBeVisible()

  // Scrolling down loads the rest of the log until the newest message.
  const list = bob.getByLabel(/^Message list/)
  await expect(async () => {
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight))
    await expect(messages.getByText('filler number 200', { exact: true })).toBeInViewport({ timeout: 500 })
  }).toPass({ timeout: 30_000 })
  const shown = await messages
    .locator('li.message')
    .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')?.replace(/^[^:]*: /, '')))
  expect(shown).toEqual(['the needle in the haystack', ...fillers])
  await expect(bob.getByRole('button', { name: /^Jump to latest/ })).toHaveCount(0)

  // Many results come a page at a time.
  const fillerResults = await searchFor(bob, 'filler')
  await expect(fillerResults.getByRole('listitem')).toHaveCount(20)
  await expect(panel.getByRole('status')).toHaveText('20+ messages match “filler”.')
  await panel.getByRole('button', { name: 'Load more' }).click()
  await expect(fillerResults.getByRole('listitem')).toHaveCount(40)
  await expect(fillerResults.getByRole('listitem').nth(39)).toContainText('filler number 161')

  // The quick switcher: Ctrl+K, type, then Enter on "Search messages for".
  await bob.keyboard.press('Control+k')
  const switcher = bob.getByRole('dialog', { name: 'Quick switcher' })
  const combo = switcher.getByRole('combobox')
  await expect(combo).toBeFocused()
  await combo.fill(name.slice(0, 8))
  const roomOption = switcher.getByRole('option', { name: new RegExp(`#${name}`) })
  await expect(roomOption).toHaveAttribute('aria-selected', 'true')
  const searchOption = switcher.getByRole('option', { name: `Search messages for “${name.slice(0, 8)}”` })
  await combo.press('ArrowDown')
  await expect(searchOption).toHaveAttribute('aria-selected', 'true')
  await expect(combo).toHaveAttribute('aria-activedescendant', (await searchOption.getAttribute('id')) ?? '')
  await combo.press('ArrowUp')
  await expect(roomOption).toHaveAttribute('aria-selected', 'true')
  await combo.fill('haystack')
  await expect(switcher.getByRole('option', { name: 'Search messages for “haystack”' })).toHaveAttribute(
    'aria-selected',
    'true',
  )
  await combo.press('Enter')
  await expect(switcher).toHaveCount(0)
  await expect(panel.getByRole('searchbox')).toHaveValue('haystack')
  await expect(panel.getByRole('list', { name: 'Search results' }).locator('mark')).toHaveText(['haystack'])
  await bob.keyboard.press('Control+k')
  await expect(combo).toBeFocused()
  await combo.press('Escape')
  await expect(switcher).toHaveCount(0)
})

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true })

  test('the search covers the screen, and a result brings the room back', async ({ page }) => {
    await page.goto('/register')
    await page.getByLabel('Username').fill(unique('phone'))
    await page.getByLabel('Password').fill('a fine long secret')
    await page.getByRole('button', { name: 'Create account' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
    const name = unique('pocket')
    await page.getByRole('button', { name: 'New room' }).click()
    await page.getByLabel('Room name').fill(name)
    await page.getByRole('button', { name: 'Create' }).click()
    await say(page, `#${name}`, 'remember the umbrella')
    // On a phone the room's header keeps the search in its menu.
    const search = async () => {
      await page.getByRole('button', { name: 'More room actions' }).click()
      await page.getByRole('menuitem', { name: 'Search messages' }).click()
    }
    await search()
    const panel = page.getByRole('complementary', { name: 'Search messages' })
    const box = await panel.boundingBox()
    expect(box?.width).toBe(390)
    expect(box?.height).toBe(844)
    const results = await searchFor(page, 'umbrella')
    await results.getByRole('button').click()
    await expect(panel).toHaveCount(0)
    await expect(
      page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'umbrella' }),
    ).toBeInViewport()
    // The back button leaves the search, keeping what was found.
    await search()
    await expect(panel.getByRole('searchbox')).toHaveValue('umbrella')
    await panel.getByRole('button', { name: 'Back' }).click()
    await expect(panel).toHaveCount(0)
  })
})
