import { describe, expect, it } from 'vitest'
import {
  MAX_ZOOM,
  clampCrop,
  cropRect,
  initialCrop,
  panCrop,
  viewTransform,
  zoomCrop,
  type Size,
} from './crop'

const wide: Size = { width: 800, height: 400 }
const tall: Size = { width: 300, height: 900 }

describe('crop maths', () => {
  it('starts with the largest centred square', () => {
    expect(cropRect(wide, initialCrop(wide))).toEqual({ x: 200, y: 0, size: 400 })
    expect(cropRect(tall, initialCrop(tall))).toEqual({ x: 0, y: 300, size: 300 })
  })

  it('shrinks the square as the zoom grows, around its centre', () => {
    const c = zoomCrop(wide, initialCrop(wide), 2)
    expect(cropRect(wide, c)).toEqual({ x: 300, y: 100, size: 200 })
    expect(cropRect(wide, zoomCrop(wide, c, 4))).toEqual({ x: 350, y: 150, size: 100 })
  })

  it('keeps the zoom within its limits', () => {
    expect(zoomCrop(wide, initialCrop(wide), 0.2).zoom).toBe(1)
    expect(zoomCrop(wide, initialCrop(wide), 100).zoom).toBe(MAX_ZOOM)
  })

  it('moves the crop against the drag, scaled from view to picture pixels', () => {
    // Zoom 2: a 200-pixel square shown in a 100-pixel frame, so 1 view pixel = 2 picture pixels.
    const c = zoomCrop(wide, initialCrop(wide), 2)
    const dragged = panCrop(wide, c, 30, -10, 100) // picture dragged right and up
    expect(cropRect(wide, dragged)).toEqual({ x: 240, y: 120, size: 200 })
  })

  it('never lets the square leave the picture', () => {
    const c = zoomCrop(wide, initialCrop(wide), 2)
    expect(cropRect(wide, panCrop(wide, c, 10_000, 10_000, 100))).toEqual({ x: 0, y: 0, size: 200 })
    expect(cropRect(wide, panCrop(wide, c, -10_000, -10_000, 100))).toEqual({ x: 600, y: 200, size: 200 })
    // At zoom 1 the short side is filled: only the long side can move.
    expect(cropRect(wide, panCrop(wide, initialCrop(wide), 0, 50, 100))).toEqual({ x: 200, y: 0, size: 400 })
  })

  it('pulls a crop back inside after zooming out near an edge', () => {
    const corner = panCrop(wide, zoomCrop(wide, initialCrop(wide), 4), 10_000, 0, 100)
    expect(cropRect(wide, corner).x).toBe(0)
    const out = zoomCrop(wide, corner, 1)
    expect(cropRect(wide, out)).toEqual({ x: 0, y: 0, size: 400 })
    expect(clampCrop(wide, out)).toEqual(out)
  })

  it('draws the picture so the crop fills the frame in the middle of the view', () => {
    const c = zoomCrop(wide, initialCrop(wide), 2) // square x 300..500, y 100..300
    const t = viewTransform(wide, c, 100, 160) // frame 100 px in a 160 px view: 30..130
    expect(t.scale).toBe(0.5)
    expect(t.x + 300 * t.scale).toBe(30)
    expect(t.y + 100 * t.scale).toBe(30)
    expect(t.x + 500 * t.scale).toBe(130)
  })
})
