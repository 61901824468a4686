// A message over the server's text limit (16 KiB of UTF-8) is counted in bytes as it is typed and
// held in the composer, text and all, instead of being sent to come back "Not sent".
import { test, expect } from './fixtures'
import { newChannel, newUser, shownMessage } from './users'

test('a message over the size limit is counted, refused, and kept in the composer', async ({ browser }) => {
  const { page, name } = await newUser(browser, 'longwriter')
  const channel = await newChannel(page, 'long')
  const box = page.getByLabel(`Message #${channel}`)
  const send = page.getByRole('button', { name: 'Send', exact: true })

  // Two bytes a character: 8,193 characters are 16,386 bytes, over the limit.
  const over = 'ü'.repeat(8193)
  await box.fill(over)
  await expect(page.getByRole('alert')).toHaveText(
    'Too long to send: 16,386 of 16,384 bytes. Shorten it, or share it as a file.',
  )
  await expect(send).toBeDisabled()
  await box.press('Enter')
  await expect(box).toHaveValue(over)
  await expect(page.getByText(/Not sent/)).toHaveCount(0)
  await expect(page.getByText('sending…')).toHaveCount(0)

  // Shortened to the limit it goes, with the count shown until then.
  await box.press('Backspace')
  await expect(page.getByText('16,384 of 16,384 bytes', { exact: true })).toBeVisible()
  await expect(page.getByRole('alert')).toHaveCount(0)
  await expect(send).toBeEnabled()
  await box.press('Enter')
  await expect(box).toHaveValue('')
  await expect(page.getByText('sending…')).toHaveCount(0)
  await expect(shownMessage(page, name, 'ü'.repeat(8192))).toBeVisible()
  await expect(page.getByText(/Not sent/)).toHaveCount(0)
})
