// Sharing files in a channel: an image pasted into the composer reaches the other user as a
// thumbnail that opens full size in a viewer; a picked file arrives as a card with its name, size
// and a download link that gives back the same bytes.
import { test, expect } from './fixtures'
import { newUser, sharedChannel, unique } from './users'
import type { Browser } from '@playwright/test'

// Ann makes a channel and Bob joins it; both have it open.
async function twoInAChannel(browser: Browser) {
  const ann = await newUser(browser, 'ann')
  const bob = await newUser(browser, 'bob')
  const channel = await sharedChannel(ann.page, bob.page, 'files')
  return { ann, bob, annBox: ann.page.getByLabel(`Message #${channel}`) }
}

test('a pasted image reaches the other user as a thumbnail that opens full size', async ({ browser }) => {
  const { ann, bob, annBox } = await twoInAChannel(browser)

  // A PNG drawn in the page, pasted into the message box as the clipboard would hand it over.
  await annBox.click()
  await annBox.evaluate(async (box) => {
    const canvas = document.createElement('canvas')
    canvas.width = 800
    canvas.height = 450
    const g = canvas.getContext('2d')!
    g.fillStyle = '#3b5bdb'
    g.fillRect(0, 0, 800, 450)
    g.fillStyle = '#ffd43b'
    g.fillRect(200, 100, 400, 250)
    const blob = await new Promise<Blob>((ok) => canvas.toBlob((b) => ok(b!), 'image/png'))
    const data = new DataTransfer()
    data.items.add(new File([blob], 'sketch.png', { type: 'image/png' }))
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  })
  const tray = ann.page.getByRole('list', { name: 'Files to send' })
  await expect(tray.getByText('sketch.png')).toBeVisible()
  await annBox.fill('a sketch for you')
  await annBox.press('Enter')
  await expect(tray).toHaveCount(0)

  // Bob sees the caption and the image in a thumbnail (the server made one: it is 800 px wide).
  const bobMessages = bob.page.getByRole('list', { name: 'Messages' })
  await expect(bobMessages.getByText('a sketch for you')).toBeVisible()
  const thumb = bobMessages.getByRole('img', { name: 'sketch.png' })
  await expect(thumb).toBeVisible()
  expect(await thumb.getAttribute('src')).toMatch(/^\/api\/files\/\d+\?v=thumb$/)
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)
  // Its box has the image's shape (16:9), at most 360 px wide (reserved before it loads).
  const box = (await thumb.boundingBox())!
  expect(box.width).toBeGreaterThan(300)
  expect(box.width).toBeLessThanOrEqual(360)
  expect(box.height / box.width).toBeCloseTo(450 / 800, 1)

  // A click opens the viewer with the full-size image; Escape closes it.
  await thumb.click()
  const viewer = bob.page.getByRole('dialog', { name: 'Image sketch.png' })
  await expect(viewer).toBeVisible()
  const full = viewer.getByRole('img', { name: 'sketch.png' })
  expect(await full.getAttribute('src')).toMatch(/^\/api\/files\/\d+$/)
  await expect.poll(() => full.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(800)
  await expect(viewer.getByRole('link', { name: 'Download' })).toHaveAttribute('download', 'sketch.png')
  await bob.page.keyboard.press('Escape')
  await expect(viewer).toHaveCount(0)

  // Ann's own message shows the image too once it is stored.
  await expect(ann.page.getByRole('list', { name: 'Messages' }).getByRole('img', { name: 'sketch.png' })).toBeVisible()
})

test('a picked file arrives as a card with its name, size and a working download link', async ({ browser }) => {
  const { ann, bob, annBox } = await twoInAChannel(browser)
  const content = Buffer.from('Parley carries files now.\n'.repeat(130)) // 3,380 bytes: "3.3 KB"

  const chooser = ann.page.waitForEvent('filechooser')
  await ann.page.getByRole('button', { name: 'Attach files' }).click()
  await (await chooser).setFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: content })
  await expect(ann.page.getByRole('list', { name: 'Files to send' }).getByText('notes.txt')).toBeVisible()
  await annBox.press('Enter') // no caption: the file alone

  const card = bob.page.getByRole('list', { name: 'Messages' }).getByRole('group', { name: 'File notes.txt' })
  await expect(card).toBeVisible()
  await expect(card.getByText('notes.txt')).toBeVisible()
  await expect(card.getByText('3.3 KB')).toBeVisible()
  const link = card.getByRole('link', { name: 'Download notes.txt' })
  await expect(link).toHaveAttribute('download', 'notes.txt')
  const href = await link.getAttribute('href')
  expect(href).toMatch(/^\/api\/files\/\d+$/)
  const got = await bob.page.evaluate(async (url) => {
    const res = await fetch(url)
    return Array.from(new Uint8Array(await res.arrayBuffer()))
  }, href!)
  expect(Buffer.from(got).equals(content)).toBe(true)
})

test('files dragged onto the room show a drop zone and join the tray, where each can be taken out', async ({
  browser,
}) => {
  const ann = await newUser(browser, 'ann')
  await ann.page.getByRole('button', { name: 'New room' }).click()
  const channel = unique('drop')
  await ann.page.getByLabel('Room name').fill(channel)
  await ann.page.getByRole('button', { name: 'Create' }).click()
  const pane = ann.page.getByRole('region', { name: `Room ${channel}` })
  await expect(pane).toBeVisible()

  const files = await ann.page.evaluateHandle(() => {
    const data = new DataTransfer()
    data.items.add(new File(['one'], 'one.txt', { type: 'text/plain' }))
    data.items.add(new File(['two'], 'two.txt', { type: 'text/plain' }))
    return data
  })
  await pane.dispatchEvent('dragenter', { dataTransfer: files })
  await expect(ann.page.getByText(`Drop files to share them in #${channel}`)).toBeVisible()
  await pane.dispatchEvent('drop', { dataTransfer: files })
  await expect(ann.page.getByText(`Drop files to share them in #${channel}`)).toHaveCount(0)
  const tray = ann.page.getByRole('list', { name: 'Files to send' })
  await expect(tray.getByRole('listitem')).toHaveCount(2)
  await tray.getByRole('button', { name: 'Remove one.txt' }).click()
  await expect(tray.getByRole('listitem')).toHaveCount(1)
  await ann.page.getByLabel(`Message #${channel}`).press('Enter')
  await expect(ann.page.getByRole('list', { name: 'Messages' }).getByRole('group', { name: 'File two.txt' })).toBeVisible()
})
