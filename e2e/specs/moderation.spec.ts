// Room moderation (issue 19): a room admin pins a message, and the other member finds it in the
// room's pinned messages and jumps to it; the admin mutes the member, whose composer then says
// until when, and whose reaction is refused where they can see it; unmuted, they post again.
import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { newUser, sharedChannel, shownMessage, unique } from './users'

async function say(page: Page, channel: string, text: string): Promise<void> {
  const box = page.getByLabel(`Message #${channel}`)
  await box.fill(text)
  await box.press('Enter')
  await expect(page.getByText('sending…')).toHaveCount(0)
}

test('an admin pins a message and mutes a member; the member sees both', async ({ browser }) => {
  const ann = await newUser(browser, 'ann') // makes the channel: its admin
  const bob = await newUser(browser, 'bob')
  const channel = await sharedChannel(ann.page, bob.page, 'mods')

  const rule = unique('House rules: be kind ')
  await say(ann.page, channel, rule)
  for (let i = 1; i <= 5; i++) await say(ann.page, channel, `chatter ${i}`)

  // Ann pins it from the message's actions; the room says so, and the message is marked.
  const annCopy = shownMessage(ann.page, ann.name, rule)
  await annCopy.hover()
  await annCopy.getByRole('button', { name: 'Pin', exact: true }).click()
  const annTimeline = ann.page.getByRole('list', { name: 'Messages' })
  await expect(annTimeline.getByText(`${ann.name} pinned a message`)).toBeVisible()
  await expect(annCopy.getByTitle('Pinned')).toBeVisible()

  // Bob, a member, may not pin; he finds it in the pinned messages and jumps to it.
  const bobCopy = shownMessage(bob.page, ann.name, rule)
  await bobCopy.hover()
  await expect(bobCopy.getByRole('button', { name: 'Pin', exact: true })).toHaveCount(0)
  await expect(bobCopy.getByTitle('Pinned')).toBeVisible()
  await bob.page.getByRole('button', { name: 'Pinned messages' }).click()
  const pins = bob.page.getByRole('complementary', { name: 'Pinned messages' })
  const item = pins.getByRole('button', { name: `Show the message from ${ann.name}: ${rule}` })
  await expect(item).toBeVisible()
  await bob.page.getByRole('list', { name: 'Messages' }).evaluate((el) => el.parentElement?.scrollTo(0, 0))
  await item.click()
  await expect(bobCopy).toBeFocused()
  await expect(bobCopy).toBeInViewport()

  // A pin made while the panel is open shows in it at once.
  const second = shownMessage(ann.page, ann.name, 'chatter 5')
  await second.hover()
  await second.getByRole('button', { name: 'Pin', exact: true }).click()
  await expect(pins.getByRole('button', { name: `Show the message from ${ann.name}: chatter 5` })).toBeVisible()
  await pins.getByRole('button', { name: 'Close' }).click()
  await expect(pins).toHaveCount(0)

  // Ann mutes Bob for an hour from the members panel.
  await ann.page.getByRole('button', { name: 'Members (2)' }).click()
  const members = ann.page.getByRole('region', { name: 'Members' })
  await members.getByRole('button', { name: `Mute ${bob.name}` }).click()
  await members.getByRole('group', { name: `Mute ${bob.name} for` }).getByRole('button', { name: '1 hour' }).click()
  await expect(annTimeline.getByText(`${ann.name} muted ${bob.name} for 1 hour`)).toBeVisible()
  await expect(members.getByText(/^muted until /)).toBeVisible()
  // Nobody mutes an admin, nor themselves.
  await expect(members.getByRole('button', { name: `Mute ${ann.name}` })).toHaveCount(0)

  // Bob's composer says until when; a reaction is refused where he sees it.
  await expect(bob.page.getByRole('status').filter({ hasText: /^A room admin muted you here until .+\.$/ })).toBeVisible()
  await expect(bob.page.getByLabel(`Message #${channel}`)).toHaveCount(0)
  await bobCopy.hover()
  const react = bobCopy.getByRole('button', { name: 'Add a reaction' })
  await expect(react).toBeDisabled() // aria-disabled: it stays focusable, and says why when pressed
  await react.click({ force: true })
  await expect(bobCopy.getByRole('alert')).toHaveText('A room admin muted you here.')
  await expect(bobCopy.getByRole('button', { name: 'React with 👍' })).toHaveCount(0)
  // Nor can he answer in a thread.
  await bobCopy.getByRole('button', { name: 'Reply', exact: true }).click()
  const thread = bob.page.getByRole('complementary', { name: 'Thread' })
  await expect(thread.getByRole('status')).toHaveText(/^A room admin muted you here until .+\.$/)
  await expect(thread.getByLabel('Reply in thread')).toHaveCount(0)
  await thread.getByRole('button', { name: 'Close thread' }).click()

  // Unmuted, Bob posts again and Ann reads it.
  await members.getByRole('button', { name: `Unmute ${bob.name}` }).click()
  await expect(annTimeline.getByText(`${ann.name} unmuted ${bob.name}`)).toBeVisible()
  await expect(bob.page.getByText(/A room admin muted you here until/)).toHaveCount(0)
  await say(bob.page, channel, 'thanks, I will behave')
  await expect(shownMessage(ann.page, bob.name, 'thanks, I will behave')).toBeVisible()
  await expect(bob.page.getByRole('list', { name: 'Messages' }).getByText(`${ann.name} unmuted ${bob.name}`)).toBeVisible()
})
