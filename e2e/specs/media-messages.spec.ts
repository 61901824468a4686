// Voice messages and avatars between two people: one records a voice message with the (fake)
// microphone and the other plays it; one crops and saves an avatar and the other sees it beside
// their messages, live and after a reload.
import { test, expect } from './fixtures'
import { newUser, sharedChannel } from './users'
import { pngOf } from '../../scripts/lib/png.mjs'

// A width×height RGB PNG with a diagonal gradient.
const png = (width: number, height: number): Buffer =>
  pngOf(width, height, (x, y) => [Math.floor((x * 255) / width), Math.floor((y * 255) / height), 160])

test('a voice message recorded by one person plays for the other', async ({ browser }) => {
  const ann = await newUser(browser, 'ann', ['microphone', 'camera'])
  const bob = await newUser(browser, 'bob', ['microphone', 'camera'])
  await sharedChannel(ann.page, bob.page, 'media')

  // Click to start; the timer runs; click again to stop and send.
  await ann.page.getByRole('button', { name: 'Record a voice message' }).click()
  const timer = ann.page.getByRole('timer', { name: 'Recording time' })
  await expect(timer).toHaveText(/^0:(0[1-9]|[1-5]\d)$/)
  await ann.page.getByRole('button', { name: 'Stop and send' }).click()
  await expect(timer).toHaveCount(0)
  await expect(ann.page.getByRole('button', { name: 'Record a voice message' })).toBeEnabled()

  // Bob gets it as a voice player; its waveform was decoded (so its length is known); it plays.
  const bobMessages = bob.page.getByRole('list', { name: 'Messages' })
  const voice = bobMessages.getByRole('group', { name: /^voice-\d{8}-\d{6}\.webm, / })
  await expect(voice).toBeVisible()
  await expect(voice.getByRole('slider', { name: 'Position' })).toHaveAttribute(
    'aria-valuetext',
    /^0:00 of 0:0[1-9]$/,
  )
  await voice.getByRole('button', { name: 'Play', exact: true }).click()
  const audio = voice.locator('audio')
  await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime)).toBeGreaterThan(0)

  // Escape while recording sends nothing.
  await ann.page.getByRole('button', { name: 'Record a voice message' }).click()
  await expect(timer).toBeVisible()
  await ann.page.keyboard.press('Escape')
  await expect(timer).toHaveCount(0)
  await expect(bobMessages.getByRole('group', { name: /^voice-/ })).toHaveCount(1)
})

test("a cropped avatar shows beside its owner's messages for others", async ({ browser }) => {
  const ann = await newUser(browser, 'ann', ['microphone', 'camera'])
  const bob = await newUser(browser, 'bob', ['microphone', 'camera'])
  const channel = await sharedChannel(ann.page, bob.page, 'media')
  const annBox = ann.page.getByLabel(`Message #${channel}`)
  await annBox.fill('before the new face')
  await annBox.press('Enter')
  const bobMessages = bob.page.getByRole('list', { name: 'Messages' })
  const annMessage = bobMessages.getByRole('listitem').filter({ hasText: 'before the new face' })
  await expect(annMessage).toBeVisible()
  await expect(annMessage.locator('img')).toHaveCount(0) // initials until she has an avatar

  await ann.page.getByRole('link', { name: 'Profile' }).click()
  const picture = { name: 'me.png', mimeType: 'image/png', buffer: png(96, 64) }
  const crop = ann.page.getByRole('dialog', { name: 'Crop your avatar' })

  // Escape leaves the avatar as it was.
  await ann.page.getByLabel('Choose an avatar').setInputFiles(picture)
  await expect(crop).toBeVisible({ timeout: 20_000 })
  await ann.page.keyboard.press('Escape')
  await expect(crop).toHaveCount(0)
  await expect(ann.page.locator('img[src*="/api/avatars/"]')).toHaveCount(0)

  // Move the crop with the keyboard, zoom with the slider, save.
  await ann.page.getByLabel('Choose an avatar').setInputFiles(picture)
  // The dialog opens once the picture is decoded, which on a loaded 2-core machine took over 5 s.
  await expect(crop.getByRole('button', { name: 'Save' })).toBeEnabled({ timeout: 20_000 })
  await crop.getByRole('img', { name: 'Crop area' }).press('ArrowRight')
  await crop.getByRole('slider', { name: 'Zoom' }).fill('1.5')
  await crop.getByRole('button', { name: 'Save' }).click()
  await expect(crop).toHaveCount(0)
  await expect(ann.page.locator('img[src*="/api/avatars/"]')).toBeVisible()

  // Bob sees it beside Ann's message at once (a `profile` frame), and after a reload (`members`).
  await expect(annMessage.locator('img[src*="/api/avatars/"]')).toBeVisible()
  await bob.page.reload()
  await expect(annMessage.locator('img[src*="/api/avatars/"]')).toBeVisible()

  // And beside what she writes next (after Bob's answer, so it starts a group of its own).
  const bobBox = bob.page.getByLabel(`Message #${channel}`)
  await bobBox.fill('nice picture')
  await bobBox.press('Enter')
  await ann.page.getByRole('link', { name: 'Parley home' }).click()
  await ann.page.getByRole('button', { name: channel, exact: true }).click()
  await annBox.fill('after the new face')
  await annBox.press('Enter')
  const next = bobMessages.getByRole('listitem').filter({ hasText: 'after the new face' })
  await expect(next).toBeVisible()
  await expect(next.locator('img[src*="/api/avatars/"]')).toBeVisible()
})
