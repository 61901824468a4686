import { describe, expect, it } from 'vitest'
import { fitView, padRect, toImage, toScreen, visibleRect, zoomAt } from './view'

describe('view', () => {
  it('fits a large image and shows a small one at its own size, centred on whole pixels', () => {
    expect(fitView({ width: 4000, height: 3000 }, { width: 832, height: 632 })).toEqual({
      zoom: 0.2,
      x: 16,
      y: 16,
    })
    expect(fitView({ width: 480, height: 320 }, { width: 1001, height: 600 })).toEqual({
      zoom: 1,
      x: 261,
      y: 140,
    })
  })

  it('keeps the point under the cursor while zooming', () => {
    const v = { zoom: 0.5, x: 10, y: 20 }
    const c = { x: 110, y: 70 }
    const before = toImage(v, c)
    const after = zoomAt(v, 2, c)
    expect(toImage(after, c)).toEqual(before)
    expect(toScreen(after, before)).toEqual(c)
  })

  it('draws only the visible part of a zoomed image', () => {
    const r = visibleRect(
      { zoom: 4, x: -400, y: -800 },
      { width: 800, height: 600 },
      { width: 4000, height: 3000 },
    )
    expect(r).toEqual({ x: 100, y: 200, width: 200, height: 150 })
    expect(
      visibleRect({ zoom: 1, x: 900, y: 0 }, { width: 800, height: 600 }, { width: 10, height: 10 }).width,
    ).toBe(0)
  })

  it('pads a rectangle inside the image', () => {
    expect(padRect({ x: 1, y: 1, width: 2, height: 2 }, 3, { width: 10, height: 4 })).toEqual({
      x: 0,
      y: 0,
      width: 6,
      height: 4,
    })
    expect(padRect({ x: 20, y: 1, width: 2, height: 2 }, 1, { width: 10, height: 4 })).toBeNull()
  })
})
