import { describe, expect, it } from 'vitest'
import { avatarHue, initials } from './avatar'

describe('initials', () => {
  it.each([
    ['Ada Lovelace', 'AL'],
    ['ada', 'A'],
    ['  grace   brewster murray hopper ', 'GH'],
    ['jean-luc', 'JL'],
    ['john.smith', 'JS'],
    ['émile zola', 'ÉZ'],
    ['😀 smile', '😀S'],
    ['', '?'],
    ['   ', '?'],
  ])('%j → %j', (name, expected) => {
    expect(initials(name)).toBe(expected)
  })
})

describe('avatarHue', () => {
  it('is a whole number of degrees fixed by the id', () => {
    for (const id of [0, 1, 2, 17, 12345, -3]) {
      const h = avatarHue(id)
      expect(Number.isInteger(h)).toBe(true)
      expect(h).toBeGreaterThanOrEqual(0)
      expect(h).toBeLessThanOrEqual(360)
      expect(avatarHue(id)).toBe(h)
    }
  })

  it('gives neighbouring ids clearly different colours', () => {
    for (let id = 1; id < 50; id++) {
      const d = Math.abs(avatarHue(id) - avatarHue(id + 1))
      expect(Math.min(d, 360 - d)).toBeGreaterThan(30)
    }
  })
})
