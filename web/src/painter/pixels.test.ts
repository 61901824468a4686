import { describe, expect, it } from 'vitest'
import { chooseFormat, floodFill, hexToRgb, isOpaque, looksLikePhoto, rgbToHex, type Pixels } from './pixels'

// A w×h picture, white, with a black wall down column `wall`.
function picture(w: number, h: number, wall: number): Pixels {
  const data = new Uint8ClampedArray(w * h * 4).fill(255)
  for (let y = 0; y < h; y++) data.fill(0, (y * w + wall) * 4, (y * w + wall) * 4 + 3)
  return { data, width: w, height: h }
}
const pixel = (p: Pixels, x: number, y: number) => [
  ...p.data.slice((y * p.width + x) * 4, (y * p.width + x) * 4 + 4),
]

describe('floodFill', () => {
  it('fills the region up to a wall and says what it changed', () => {
    const p = picture(10, 4, 5)
    expect(floodFill(p, 1, 1, [255, 0, 0])).toEqual({ x: 0, y: 0, width: 5, height: 4 })
    expect(pixel(p, 0, 3)).toEqual([255, 0, 0, 255])
    expect(pixel(p, 4, 0)).toEqual([255, 0, 0, 255])
    expect(pixel(p, 5, 0)).toEqual([0, 0, 0, 255]) // the wall
    expect(pixel(p, 6, 0)).toEqual([255, 255, 255, 255]) // beyond it
  })

  it('blends at an opacity and does nothing outside or on the same colour', () => {
    const p = picture(4, 4, 3)
    expect(floodFill(p, 9, 9, [0, 0, 0])).toBeNull()
    expect(floodFill(p, 0, 0, [255, 255, 255])).toBeNull()
    floodFill(p, 0, 0, [0, 0, 255], 0.5)
    expect(pixel(p, 1, 1)).toEqual([127, 127, 255, 255])
  })

  it('fills a 4000×3000 picture in one go', () => {
    const p = picture(4000, 3000, 2000)
    expect(floodFill(p, 0, 0, [1, 2, 3])).toEqual({ x: 0, y: 0, width: 2000, height: 3000 })
  })
})

describe('colours and formats', () => {
  it('converts hex', () => {
    expect(hexToRgb('#3b5bdb')).toEqual([59, 91, 219])
    expect(rgbToHex(59, 91, 219)).toBe('#3b5bdb')
  })

  it('sends PNG for drawings and transparency, the smaller lossy file for opaque photos', () => {
    const png = { type: 'image/png', size: 1000 }
    const webp = { type: 'image/webp', size: 300 }
    expect(chooseFormat([png, webp], false, true)).toBe(0)
    expect(chooseFormat([png, webp], true, false)).toBe(0)
    expect(chooseFormat([png, webp], true, true)).toBe(1)
    expect(chooseFormat([png, { type: 'image/webp', size: 950 }], true, true)).toBe(0)
    expect(looksLikePhoto('image/jpeg', 10, 100)).toBe(true)
    expect(looksLikePhoto('image/png', 10, 100)).toBe(false)
    expect(looksLikePhoto('image/png', 200, 100)).toBe(true)
    expect(isOpaque({ data: new Uint8ClampedArray([1, 2, 3, 255]), width: 1, height: 1 })).toBe(true)
    expect(isOpaque({ data: new Uint8ClampedArray([1, 2, 3, 254]), width: 1, height: 1 })).toBe(false)
  })
})
