// A reply made in a thread shows in the room with a link to the message it answers, which opens
// that thread.
import { test, expect } from './fixtures'
import { newUser, sharedChannel } from './users'

test('a thread reply in the room links to its parent and opens the thread', async ({ browser }) => {
  const ann = await newUser(browser, 'annthread')
  const bob = await newUser(browser, 'bobthread')
  const channel = await sharedChannel(ann.page, bob.page, 'threads')

  const annBox = ann.page.getByLabel(`Message #${channel}`)
  await annBox.fill('what time is lunch?')
  await annBox.press('Enter')
  const bobMessages = bob.page.getByRole('list', { name: 'Messages' })
  const question = bobMessages.getByRole('listitem').filter({ hasText: 'what time is lunch?' })
  await question.hover()
  await question.getByRole('button', { name: 'Reply', exact: true }).click()
  const bobThread = bob.page.getByRole('complementary', { name: 'Thread' })
  await bobThread.getByLabel('Reply in thread').fill('at noon')
  await bobThread.getByLabel('Reply in thread').press('Enter')

  // In Ann's room, the reply says what it answers; the link opens the thread.
  const annMessages = ann.page.getByRole('list', { name: 'Messages' })
  const link = ann.page.getByRole('button', {
    name: `In reply to ${ann.name}: “what time is lunch?”. Open the thread`,
  })
  await expect(link).toBeVisible()
  await expect(annMessages.getByRole('listitem').filter({ has: link })).toContainText('at noon')
  await link.click()
  const annThread = ann.page.getByRole('complementary', { name: 'Thread' })
  await expect(annThread).toContainText('what time is lunch?')
  await expect(annThread.getByRole('list', { name: 'Replies' })).toContainText('at noon')
})

test('the thread shows its parent message formatted, like the room does', async ({ browser }) => {
  const ann = await newUser(browser, 'annthreadfmt')
  const bob = await newUser(browser, 'bobthreadfmt')
  const channel = await sharedChannel(ann.page, bob.page, 'threadfmt')

  const annBox = ann.page.getByLabel(`Message #${channel}`)
  await annBox.fill('**Bring** a `fork`')
  await annBox.press('Enter')
  const question = bob.page
    .getByRole('list', { name: 'Messages' })
    .getByRole('listitem')
    .filter({ hasText: 'Bring a fork' })
  await question.hover()
  await question.getByRole('button', { name: 'Reply', exact: true }).click()
  const thread = bob.page.getByRole('complementary', { name: 'Thread' })
  await expect(thread.locator('strong', { hasText: 'Bring' })).toBeVisible()
  await expect(thread.locator('code', { hasText: 'fork' })).toBeVisible()
  await expect(thread).not.toContainText('**')

  // The reply's link in the room quotes the parent as plain words, not its markup.
  await thread.getByLabel('Reply in thread').fill('a spoon too')
  await thread.getByLabel('Reply in thread').press('Enter')
  await expect(
    ann.page.getByRole('button', { name: `In reply to ${ann.name}: “Bring a fork”. Open the thread` }),
  ).toBeVisible()
})
