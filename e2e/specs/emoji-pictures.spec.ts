// Emoji show as pictures Parley serves (the same on a machine without a colour-emoji font, as this
// one is): in a message, in the picker and on reactions, each an <img> whose file loads, with the
// emoji as its alt text; a copied selection gives the characters back.
import type { Locator } from '@playwright/test'
import { test, expect } from './fixtures'
import { newChannel, newUser, shownMessage } from './users'

async function loaded(img: Locator): Promise<void> {
  await expect(img).toBeVisible()
  await expect
    .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0))
    .toBe(true)
  expect(await img.evaluate((el: HTMLImageElement) => new URL(el.src).origin)).toBe(
    new URL(img.page().url()).origin,
  )
}

test('emoji in messages, the picker and reactions are pictures that keep their characters', async ({
  browser,
}) => {
  const ann = await newUser(browser, 'ann')
  const channel = await newChannel(ann.page, 'emoji')
  const box = ann.page.getByLabel(`Message #${channel}`)
  const text = 'Party 🎉 with 👍🏽 and 👨‍👩‍👧 from 🇩🇪'
  await box.fill(text)
  await box.press('Enter')

  const message = shownMessage(ann.page, ann.name, text)
  await expect(message).toBeVisible() // its name, read from the alt texts, is the text as sent
  const pictures = message.locator('img.emoji')
  await expect(pictures).toHaveCount(4)
  expect(await pictures.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).alt))).toEqual([
    '🎉',
    '👍🏽',
    '👨‍👩‍👧',
    '🇩🇪',
  ])
  for (const img of await pictures.all()) await loaded(img)

  // Selecting the message's text and copying it gives the characters.
  const copied = await message.locator('.message-text').evaluate((el) => {
    const range = document.createRange()
    range.selectNodeContents(el)
    const sel = document.getSelection()
    sel?.removeAllRanges()
    sel?.addRange(range)
    const data = new DataTransfer()
    document.dispatchEvent(new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }))
    sel?.removeAllRanges()
    return data.getData('text/plain')
  })
  expect(copied).toBe(text)

  // The picker's emoji are pictures too, and picking one puts the character in the message box.
  await ann.page.getByRole('button', { name: 'Insert emoji' }).click()
  const picker = ann.page.getByRole('dialog', { name: 'Emoji' })
  const grinning = picker.getByRole('button', { name: 'grinning' })
  await loaded(grinning.locator('img'))
  await grinning.click()
  await expect(box).toHaveValue('😀')

  // A reaction shows its emoji as a picture.
  await message.hover()
  await message.getByRole('button', { name: 'Add a reaction' }).click()
  await message.getByRole('button', { name: 'React with 🎉' }).click()
  const reaction = message.getByRole('list', { name: 'Reactions' }).getByRole('button')
  await expect(reaction).toHaveAttribute('aria-pressed', 'true')
  await loaded(reaction.locator('img.emoji'))
  await expect(reaction.locator('img.emoji')).toHaveAttribute('alt', '🎉')
})

test('a :shortcode: typed out in full is sent as its emoji, but not inside code', async ({ browser }) => {
  const ann = await newUser(browser, 'ann')
  const channel = await newChannel(ann.page, 'codes')
  const box = ann.page.getByLabel(`Message #${channel}`)
  await box.pressSequentially('done :tada: with `:tada:` left as typed')
  await box.press('Enter')
  const message = shownMessage(ann.page, ann.name, 'done 🎉 with `:tada:` left as typed')
  await expect(message).toBeVisible()
  await loaded(message.locator('img.emoji'))
  await expect(message.locator('code')).toHaveText(':tada:')
})
