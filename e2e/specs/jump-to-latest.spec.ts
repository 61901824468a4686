// A reader who scrolled up to read history is left in place when messages arrive; a button counts
// them and brings the reader down, and goes away at the bottom.
import { test, expect } from './fixtures'
import { newUser, sharedChannel } from './users'

test('new messages below a reader who scrolled up wait behind a “Jump to latest” button', async ({ browser }) => {
  const ann = (await newUser(browser, 'ann')).page
  const bob = (await newUser(browser, 'bob')).page
  const channel = await sharedChannel(ann, bob, 'history')

  const annBox = ann.getByLabel(`Message #${channel}`)
  for (let i = 1; i <= 30; i++) {
    await annBox.fill(`part ${i} of a long story`)
    await annBox.press('Enter')
  }
  const bobMessages = bob.getByRole('list', { name: 'Messages' })
  await expect(bobMessages.getByText('part 30 of')).toBeInViewport()

  // Bob scrolls up to read; two messages arrive and he stays where he was.
  await bobMessages.getByText('part 1 of').scrollIntoViewIfNeeded()
  await annBox.fill('news one')
  await annBox.press('Enter')
  await annBox.fill('news two')
  await annBox.press('Enter')
  const jump = bob.getByRole('button', { name: 'Jump to latest (2 new)' })
  await expect(jump).toBeVisible()
  await expect(bobMessages.getByText('news two')).not.toBeInViewport()

  await jump.click()
  await expect(bobMessages.getByText('news two')).toBeInViewport()
  await expect(bob.getByRole('button', { name: /^Jump to latest/ })).toHaveCount(0)

  // At the bottom, new messages just come in view.
  await annBox.fill('news three')
  await annBox.press('Enter')
  await expect(bobMessages.getByText('news three')).toBeInViewport()
  await expect(bob.getByRole('button', { name: /^Jump to latest/ })).toHaveCount(0)
})
