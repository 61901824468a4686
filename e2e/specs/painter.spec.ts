// The painter: Ann opens the picture of a message in the painter, draws a stroke, a rectangle and a
// word, crops it and sends it; Bob gets a picture that, decoded, differs from the original where
// Ann drew and matches it pixel for pixel everywhere else (both PNG, so no tolerance is needed
// beyond rounding).
import { test, expect } from './fixtures'
import { newUser, sharedChannel, shownMessage } from './users'
import type { Page } from '@playwright/test'

const W = 480
const H = 320

// The picture: a pattern in which every pixel differs from its neighbours, so a crop off by one
// pixel shows as a difference everywhere.
async function pastePattern(page: Page, box: ReturnType<Page['getByLabel']>): Promise<void> {
  await box.click()
  await box.evaluate(
    async (el, [w, h]) => {
      const canvas = document.createElement('canvas')
      canvas.width = w!
      canvas.height = h!
      const g = canvas.getContext('2d')!
      const img = g.createImageData(w!, h!)
      for (let y = 0; y < h!; y++)
        for (let x = 0; x < w!; x++) {
          const o = (y * w! + x) * 4
          img.data[o] = Math.round((x * 255) / (w! - 1))
          img.data[o + 1] = Math.round((y * 255) / (h! - 1))
          img.data[o + 2] = (x * 7 + y * 13) % 256
          img.data[o + 3] = 255
        }
      g.putImageData(img, 0, 0)
      const blob = await new Promise<Blob>((ok) => canvas.toBlob((b) => ok(b!), 'image/png'))
      const data = new DataTransfer()
      data.items.add(new File([blob], 'pattern.png', { type: 'image/png' }))
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
    },
    [W, H],
  )
}

// Every pixel of `edited` against the original at (x + dx, y + dy): how many differ (any channel by
// more than 2) inside each of `regions` (original's coordinates) and outside all of them.
async function comparePictures(
  page: Page,
  originalUrl: string,
  editedUrl: string,
  dx: number,
  dy: number,
  regions: [number, number, number, number][],
) {
  return page.evaluate(
    async ({ originalUrl, editedUrl, dx, dy, regions }) => {
      const decode = async (url: string) => {
        const bitmap = await createImageBitmap(await (await fetch(url)).blob())
        const c = new OffscreenCanvas(bitmap.width, bitmap.height)
        const g = c.getContext('2d')!
        g.drawImage(bitmap, 0, 0)
        return g.getImageData(0, 0, bitmap.width, bitmap.height)
      }
      const o = await decode(originalUrl)
      const e = await decode(editedUrl)
      const inside = regions.map(() => 0)
      let outside = 0
      let outsideChecked = 0
      for (let y = 0; y < e.height; y++)
        for (let x = 0; x < e.width; x++) {
          const ox = x + dx
          const oy = y + dy
          const a = (y * e.width + x) * 4
          const b = (oy * o.width + ox) * 4
          let diff = 0
          for (let k = 0; k < 4; k++) diff = Math.max(diff, Math.abs(e.data[a + k]! - o.data[b + k]!))
          const r = regions.findIndex(([x0, y0, x1, y1]) => ox >= x0 && ox < x1 && oy >= y0 && oy < y1)
          if (r >= 0) inside[r]! += diff > 2 ? 1 : 0
          else {
            outsideChecked++
            if (diff > 2) outside++
          }
        }
      return { width: e.width, height: e.height, inside, outside, outsideChecked }
    },
    { originalUrl, editedUrl, dx, dy, regions },
  )
}

test('a picture from a message is drawn on, cropped and sent; the other user gets those pixels', async ({
  browser,
}) => {
  const ann = await newUser(browser, 'ann')
  const bob = await newUser(browser, 'bob')
  const channel = await sharedChannel(ann.page, bob.page, 'paint')
  const annBox = ann.page.getByLabel(`Message #${channel}`)

  await pastePattern(ann.page, annBox)
  await expect(ann.page.getByRole('list', { name: 'Files to send' }).getByText('pattern.png')).toBeVisible()
  await annBox.fill('the original')
  await annBox.press('Enter')
  const original = shownMessage(ann.page, ann.name, 'the original')
  await expect(original.getByRole('img', { name: 'pattern.png' })).toBeVisible()

  // "Edit image" in the message's actions opens the painter on it, at 100 % (it fits).
  await original.hover()
  await original.getByRole('button', { name: 'Edit image' }).click()
  const painter = ann.page.getByRole('dialog', { name: 'Painter' })
  const canvas = painter.getByRole('img', { name: `Picture, ${W} × ${H} pixels` })
  await expect(canvas).toBeVisible()
  await expect(painter.getByRole('status', { name: 'Zoom', exact: true })).toHaveText('100%')

  // The picture is centred on the stage, pixel for pixel: its point (x, y) is here on the screen.
  const stage = (await canvas.boundingBox())!
  const ox = stage.x + Math.round((stage.width - W) / 2)
  const oy = stage.y + Math.round((stage.height - H) / 2)
  const mouse = ann.page.mouse
  const drag = async (x0: number, y0: number, x1: number, y1: number) => {
    await mouse.move(ox + x0, oy + y0)
    await mouse.down()
    await mouse.move(ox + x1, oy + y1, { steps: 12 })
    await mouse.up()
  }
  const undo = painter.getByRole('button', { name: 'Undo' })
  await expect(undo).toBeDisabled()

  // A pen stroke, a rectangle, a word.
  await painter.getByRole('button', { name: 'Pen', exact: true }).click()
  await drag(60, 60, 160, 80)
  await expect(undo).toBeEnabled()
  await painter.getByRole('button', { name: 'Rectangle' }).click()
  await drag(300, 50, 420, 130)
  await painter.getByRole('button', { name: 'Text', exact: true }).click()
  await mouse.click(ox + 60, oy + 200)
  const words = painter.getByRole('textbox', { name: 'Text to add' })
  await words.fill('Hi')
  await words.press('Enter')
  await expect(words).toHaveCount(0)

  // Undo takes the word away and redo brings it back (Ctrl+Z, Ctrl+Shift+Z).
  await canvas.focus()
  await ann.page.keyboard.press('Control+z')
  await expect(painter.getByRole('button', { name: 'Redo' })).toBeEnabled()
  await ann.page.keyboard.press('Control+Shift+z')
  await expect(painter.getByRole('button', { name: 'Redo' })).toBeDisabled()

  // A crop dragged over the picture, its numbers shown, then applied.
  await painter.getByRole('button', { name: 'Crop', exact: true }).click()
  await drag(20, 20, 460, 300)
  const left = Number(await painter.getByLabel('Crop left').inputValue())
  const top = Number(await painter.getByLabel('Crop top').inputValue())
  const width = Number(await painter.getByLabel('Crop width').inputValue())
  const height = Number(await painter.getByLabel('Crop height').inputValue())
  expect(Math.abs(left - 20)).toBeLessThanOrEqual(1)
  expect(Math.abs(top - 20)).toBeLessThanOrEqual(1)
  expect(Math.abs(width - 440)).toBeLessThanOrEqual(1)
  expect(Math.abs(height - 280)).toBeLessThanOrEqual(1)
  await painter.getByRole('button', { name: 'Apply crop' }).click()
  await expect(painter.getByRole('img', { name: `Picture, ${width} × ${height} pixels` })).toBeVisible()

  await painter.getByLabel('Caption').fill('drawn on')
  await painter.getByRole('button', { name: 'Send' }).click()
  await expect(painter).toHaveCount(0)

  // Bob gets the edited picture as a message of its own.
  const edited = shownMessage(bob.page, ann.name, 'drawn on').getByRole('img', { name: 'pattern-edited.png' })
  await expect(edited).toBeVisible()
  const fullUrl = async (img: ReturnType<Page['getByRole']>) => (await img.getAttribute('src'))!.split('?')[0]!
  const originalUrl = await fullUrl(shownMessage(bob.page, ann.name, 'the original').getByRole('img', { name: 'pattern.png' }))
  const editedUrl = await fullUrl(edited)

  // Where Ann drew (with room for the line's width and the arrow of a rectangle's corners), and
  // everything else.
  const regions: [number, number, number, number][] = [
    [50, 50, 172, 92], // the stroke
    [290, 40, 432, 142], // the rectangle
    [50, 190, 140, 250], // the word
  ]
  const result = await comparePictures(bob.page, originalUrl, editedUrl, left, top, regions)
  expect(result.width).toBe(width)
  expect(result.height).toBe(height)
  expect(result.inside[0], 'pixels changed by the stroke').toBeGreaterThan(300)
  expect(result.inside[1], 'pixels changed by the rectangle').toBeGreaterThan(1000)
  expect(result.inside[2], 'pixels changed by the word').toBeGreaterThan(40)
  expect(result.outsideChecked).toBeGreaterThan(80_000)
  expect(result.outside, 'pixels changed where nothing was drawn').toBe(0)

  // Bob can take it further from the image viewer; unchanged, Cancel closes without asking.
  await edited.click()
  const viewer = bob.page.getByRole('dialog', { name: 'Image pattern-edited.png' })
  await viewer.getByRole('button', { name: 'Edit image' }).click()
  await expect(viewer).toHaveCount(0)
  const bobPainter = bob.page.getByRole('dialog', { name: 'Painter' })
  await expect(bobPainter.getByRole('img', { name: `Picture, ${width} × ${height} pixels` })).toBeVisible()
  await bobPainter.getByRole('button', { name: 'Cancel' }).click()
  await expect(bobPainter).toHaveCount(0)
})

test('the painter opens on a blank page from the composer and fits a phone', async ({ browser }) => {
  const ann = await newUser(browser, 'ann', [], { viewport: { width: 390, height: 844 }, hasTouch: true })
  const bob = await newUser(browser, 'bob')
  const channel = await sharedChannel(ann.page, bob.page, 'sketch')
  // On a phone the brush is in the composer's "+" menu.
  // It opens above the composer, whole on the screen, without scrolling the page.
  await ann.page.getByRole('button', { name: 'Add a file, a GIF or a drawing' }).click()
  const draw = ann.page.getByRole('menuitem', { name: 'Draw a picture' })
  await expect(draw).toBeInViewport({ ratio: 1 })
  expect(await ann.page.evaluate(() => document.scrollingElement!.scrollTop)).toBe(0)
  await draw.click()
  const painter = ann.page.getByRole('dialog', { name: 'Painter' })
  const canvas = painter.getByRole('img', { name: 'Picture, 1,600 × 1,200 pixels' })
  await expect(canvas).toBeVisible()
  // Nothing sticks out sideways on the phone; the send button is on the screen.
  const send = painter.getByRole('button', { name: 'Send' })
  const sendBox = (await send.boundingBox())!
  expect(sendBox.x + sendBox.width).toBeLessThanOrEqual(390)
  expect(sendBox.y + sendBox.height).toBeLessThanOrEqual(844)
  expect(await ann.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  // A finger draws a line.
  const box = (await canvas.boundingBox())!
  await painter.getByRole('button', { name: 'Line' }).click()
  await canvas.dispatchEvent('pointerdown', {
    pointerId: 7, pointerType: 'touch', isPrimary: true, button: 0, buttons: 1,
    clientX: box.x + 40, clientY: box.y + 100,
  })
  await canvas.dispatchEvent('pointermove', {
    pointerId: 7, pointerType: 'touch', isPrimary: true, button: -1, buttons: 1,
    clientX: box.x + 300, clientY: box.y + 200,
  })
  await canvas.dispatchEvent('pointerup', {
    pointerId: 7, pointerType: 'touch', isPrimary: true, button: 0, buttons: 0,
    clientX: box.x + 300, clientY: box.y + 200,
  })
  await expect(painter.getByRole('button', { name: 'Undo' })).toBeEnabled()
  await send.click()
  await expect(painter).toHaveCount(0)
  await expect(
    bob.page.getByRole('list', { name: 'Messages' }).getByRole('img', { name: /^drawing-\d{8}-\d{6}\.png$/ }),
  ).toBeVisible()
  void channel
})
