// The app's shared controls behave the same everywhere: an icon button's tooltip shows on hover and
// on keyboard focus and Escape hides it; a picker closes on a press outside or Escape and gives the
// focus back to its button; the image viewer is a dark stage with its tools; on a phone the room
// header is one row with the rest of the actions in its More menu.
import { test, expect } from './fixtures'
import { newChannel, newUser } from './users'

test('a tooltip names an icon button on hover and on focus; Escape hides it', async ({ browser }) => {
  const ann = await newUser(browser, 'ann')
  await newChannel(ann.page, 'tips')
  const search = ann.page.getByRole('button', { name: 'Search messages' })
  await search.hover()
  const tip = ann.page.getByRole('tooltip', { name: /^Search messages \(.+\)$/ })
  await expect(tip).toBeVisible()
  // It describes the button (the keys), besides its name.
  await expect(search).toHaveAccessibleDescription(/^Search messages \(.+\)$/)
  await ann.page.keyboard.press('Escape')
  await expect(tip).toBeHidden()
  await ann.page.mouse.move(0, 0)

  // From the keyboard: the focus shows it at once.
  const members = ann.page.getByRole('button', { name: /^Members/ })
  await ann.page.getByRole('button', { name: 'Room settings' }).focus()
  await ann.page.keyboard.press('Tab')
  await expect(members).toBeFocused()
  await expect(ann.page.getByRole('tooltip', { name: 'Members (1)' })).toBeVisible()
  await ann.page.keyboard.press('Escape')
  await expect(ann.page.getByRole('tooltip', { name: 'Members (1)' })).toBeHidden()
})

test('the emoji picker closes on a press outside or Escape, and the focus goes back', async ({ browser }) => {
  const ann = await newUser(browser, 'ann')
  const channel = await newChannel(ann.page, 'picker')
  const button = ann.page.getByRole('button', { name: 'Insert emoji' })
  const picker = ann.page.getByRole('dialog', { name: 'Emoji' })
  await button.click()
  await expect(picker.getByRole('searchbox')).toBeFocused()
  await ann.page.keyboard.press('Escape')
  await expect(picker).toHaveCount(0)
  await expect(button).toBeFocused()

  await button.click()
  await expect(picker).toBeVisible()
  await ann.page.getByRole('heading', { name: `#${channel}` }).click()
  await expect(picker).toHaveCount(0)
  // Its button toggles it, rather than a press on it closing and opening it again.
  await button.click()
  await expect(picker).toBeVisible()
  await button.click()
  await expect(picker).toHaveCount(0)
})

test('the image viewer is a dark stage with zoom, download and close', async ({ browser }) => {
  const ann = await newUser(browser, 'ann')
  const channel = await newChannel(ann.page, 'viewer')
  const box = ann.page.getByLabel(`Message #${channel}`)
  const png = await ann.page.evaluate(async () => {
    const c = document.createElement('canvas')
    c.width = 640
    c.height = 480
    const g = c.getContext('2d')!
    g.fillStyle = '#e8590c'
    g.fillRect(0, 0, 640, 480)
    const b = await new Promise<Blob>((ok) => c.toBlob((b) => ok(b!), 'image/png'))
    return Array.from(new Uint8Array(await b.arrayBuffer()))
  })
  await ann.page
    .locator('input[type=file]')
    .first()
    .setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: Buffer.from(png) })
  await box.press('Enter')
  await ann.page.getByRole('list', { name: 'Messages' }).getByRole('img', { name: 'sunset.png' }).click()
  const viewer = ann.page.getByRole('dialog', { name: 'Image sunset.png' })
  await expect(viewer).toBeVisible()
  // The scrim is dark and nearly opaque in the light theme too, and covers the window.
  const scrim = await viewer.evaluate((el) => getComputedStyle(el).backgroundColor)
  const [r, g, b, a] = (scrim.match(/[\d.]+/g) ?? []).map(Number)
  expect(Math.max(r!, g!, b!)).toBeLessThan(40)
  expect(a).toBeGreaterThan(0.85)
  const cover = (await viewer.boundingBox())!
  expect(cover.width).toBe(ann.page.viewportSize()!.width)
  expect(cover.height).toBe(ann.page.viewportSize()!.height)
  const picture = viewer.getByRole('img', { name: 'sunset.png' })
  const fitted = (await picture.boundingBox())!.width
  await viewer.getByRole('button', { name: 'Zoom in' }).click()
  await expect.poll(async () => (await picture.boundingBox())!.width).toBeGreaterThan(fitted * 1.4)
  await viewer.getByRole('button', { name: 'Zoom out' }).click()
  await expect.poll(async () => Math.round((await picture.boundingBox())!.width)).toBe(Math.round(fitted))
  await expect(viewer.getByRole('link', { name: 'Download' })).toHaveAttribute('download', 'sunset.png')
  await viewer.getByRole('button', { name: 'Close' }).click()
  await expect(viewer).toHaveCount(0)
})

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true })

  test('the room header is one row, its other actions in More', async ({ browser }) => {
    const ann = await newUser(browser, 'ann', [], { viewport: { width: 390, height: 844 }, hasTouch: true })
    const channel = await newChannel(ann.page, 'row')
    const header = ann.page.getByRole('heading', { name: `#${channel}` }).locator('xpath=ancestor::header[1]')
    const height = (await header.boundingBox())!.height
    expect(height).toBeLessThanOrEqual(52)
    // One row: the title and the More button share a line.
    const title = (await ann.page.getByRole('heading', { name: `#${channel}` }).boundingBox())!
    const more = ann.page.getByRole('button', { name: 'More room actions' })
    const moreBox = (await more.boundingBox())!
    expect(Math.abs(title.y + title.height / 2 - (moreBox.y + moreBox.height / 2))).toBeLessThan(6)
    await expect(header.getByRole('button', { name: 'Start call' })).toHaveCount(0)
    await more.click()
    await expect(ann.page.getByRole('menuitem', { name: 'Start call' })).toBeVisible()
    await expect(ann.page.getByRole('menuitem', { name: 'Start video call' })).toBeVisible()
  })
})
