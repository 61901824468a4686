// People go by their display names everywhere, not only in the timeline: the room's events, who
// is typing, the thread panel and desktop notifications.
import { test, expect } from './fixtures'
import { newUser, setDisplayName, sharedChannel } from './users'

test('display names in events, typing, threads and notifications', async ({ browser }) => {
  const ann = await newUser(browser, 'annnames')
  const bob = await newUser(browser, 'bobnames')
  // Ann's browser records its desktop notifications, and is told when to look hidden.
  await ann.page.context().addInitScript(() => {
    const w = window as unknown as { notes: string[]; hidden: boolean; Notification: unknown }
    w.notes = []
    w.hidden = false
    w.Notification = class {
      static permission = 'granted'
      static requestPermission = async () => 'granted'
      onclick: (() => void) | null = null
      constructor(title: string) {
        w.notes.push(title)
      }
      close() {}
    }
    Object.defineProperty(Document.prototype, 'visibilityState', {
      configurable: true,
      get: () => (w.hidden ? 'hidden' : 'visible'),
    })
  })
  await ann.page.reload()
  await setDisplayName(ann.page, 'Ann Admin')
  await setDisplayName(bob.page, 'Bob Builder')
  await ann.page.getByRole('link', { name: 'Settings' }).click()
  await ann.page.getByLabel('Desktop notifications when Parley is in the background').check()
  await expect(ann.page.getByLabel('Desktop notifications when Parley is in the background')).toBeChecked()
  await ann.page.getByRole('link', { name: 'Parley home' }).click()
  const channel = await sharedChannel(ann.page, bob.page, 'names')

  // The room's events.
  const bobMessages = bob.page.getByRole('list', { name: 'Messages' })
  await expect(bobMessages.getByText('Ann Admin created this room')).toBeVisible()
  await expect(bobMessages.getByText('Bob Builder joined')).toBeVisible()

  // Who is typing.
  await bob.page.getByLabel(`Message #${channel}`).fill('thinking')
  await expect(ann.page.getByText('Bob Builder is typing…')).toBeVisible()
  await bob.page.getByLabel(`Message #${channel}`).fill('')

  // The thread panel.
  const annBox = ann.page.getByLabel(`Message #${channel}`)
  await annBox.fill('a question to answer')
  await annBox.press('Enter')
  const question = bobMessages.getByRole('listitem').filter({ hasText: 'a question to answer' })
  await question.hover()
  await question.getByRole('button', { name: 'Reply', exact: true }).click()
  const thread = bob.page.getByRole('complementary', { name: 'Thread' })
  await thread.getByLabel('Reply in thread').fill('an answer')
  await thread.getByLabel('Reply in thread').press('Enter')
  await expect(thread.getByRole('list', { name: 'Replies' }).getByText('Bob Builder')).toBeVisible()
  await expect(thread.getByText('Ann Admin', { exact: true })).toBeVisible()
  await expect(thread.getByText(ann.name, { exact: true })).toHaveCount(0)
  await expect(thread.getByText(bob.name, { exact: true })).toHaveCount(0)

  // A desktop notification while Ann's tab is in the background.
  await ann.page.evaluate(() => ((window as unknown as { hidden: boolean }).hidden = true))
  const bobBox = bob.page.getByLabel(`Message #${channel}`)
  await bobBox.fill('are you around?')
  await bobBox.press('Enter')
  await expect
    .poll(() => ann.page.evaluate(() => (window as unknown as { notes: string[] }).notes))
    .toEqual([`Bob Builder in ${channel}`])
})
