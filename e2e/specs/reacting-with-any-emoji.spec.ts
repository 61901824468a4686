// Reacting is not limited to six emoji: "All emoji" opens the full picker (with its search), and
// what was used last comes first, in the reaction row and at the top of the picker.
import { test, expect } from './fixtures'
import { newChannel, newUser, shownMessage } from './users'

test('a reaction with any emoji from the full picker; recent ones come first', async ({ browser }) => {
  const ann = await newUser(browser, 'annreact')
  const channel = await newChannel(ann.page, 'reacting')
  const box = ann.page.getByLabel(`Message #${channel}`)
  for (const text of ['first', 'second']) {
    await box.fill(text)
    await box.press('Enter')
  }

  const first = shownMessage(ann.page, ann.name, 'first')
  await first.hover()
  await first.getByRole('button', { name: 'Add a reaction' }).click()
  // Before any use: the usual six.
  await expect(first.getByRole('button', { name: /^React with / })).toHaveCount(6)
  await expect(first.getByRole('button', { name: 'React with 🦊' })).toHaveCount(0)
  await first.getByRole('button', { name: 'All emoji' }).click()
  const picker = ann.page.getByRole('dialog', { name: 'Emoji' })
  await picker.getByRole('searchbox', { name: 'Search emoji' }).fill('fox')
  await picker.getByRole('button', { name: 'fox', exact: true }).click()
  await expect(picker).toBeHidden()
  await expect(first.getByRole('button', { name: /🦊 1/ })).toBeVisible()

  // On the next message the fox leads the row, and tops the full picker.
  const second = shownMessage(ann.page, ann.name, 'second')
  await second.hover()
  await second.getByRole('button', { name: 'Add a reaction' }).click()
  const row = second.getByRole('button', { name: /^React with / })
  await expect(row).toHaveCount(6)
  await expect(row.first()).toHaveAccessibleName('React with 🦊')
  await second.getByRole('button', { name: 'All emoji' }).click()
  await expect(picker.getByRole('button').first()).toHaveAccessibleName('fox')
  await picker.press('Escape')
  await expect(picker).toBeHidden()
})
