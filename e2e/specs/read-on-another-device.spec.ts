// Reading a room on one device clears its unread badge and the tab title's count on the same
// person's other devices at once, without a reload.
import { test, expect } from './fixtures'
import { newUser, sharedChannel } from './users'

test("a room read on one device is read on the user's other devices, live", async ({ browser }) => {
  const ann = await newUser(browser, 'anndevices')
  const bob = await newUser(browser, 'bobdevices')
  const channel = await sharedChannel(ann.page, bob.page, 'devices')

  // Ann's two devices (two tabs of one sign-in), neither showing the room.
  const laptop = ann.page
  await laptop.getByRole('link', { name: 'Parley home' }).click()
  const phone = await laptop.context().newPage()
  await phone.goto('/')
  await expect(phone.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()

  const bobBox = bob.page.getByLabel(`Message #${channel}`)
  await bobBox.fill('are you there?')
  await bobBox.press('Enter')
  for (const device of [laptop, phone]) {
    await expect(device.getByRole('button', { name: `${channel}, 1 unread` })).toBeVisible()
    await expect(device).toHaveTitle('(1) Parley')
  }

  // Read on the laptop: the phone follows.
  await laptop.getByRole('button', { name: `${channel}, 1 unread` }).click()
  await expect(laptop.getByRole('list', { name: 'Messages' }).getByText('are you there?')).toBeVisible()
  await expect(laptop).toHaveTitle('Parley')
  await expect(phone.getByRole('button', { name: channel, exact: true })).toBeVisible()
  await expect(phone).toHaveTitle('Parley')
})
