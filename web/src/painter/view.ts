// Where the image sits on the stage: screen = image × zoom + offset, in CSS pixels of the stage.
// Only the visible part of the image is drawn on each frame (visibleRect), so a 4000×3000 picture
// costs what the screen shows, not its size.
export interface Size {
  width: number
  height: number
}
export interface Rect {
  x: number
  y: number
  width: number
  height: number
}
export interface Pos {
  x: number
  y: number
}
export interface View {
  zoom: number
  x: number
  y: number
}

export const MIN_ZOOM = 0.02
export const MAX_ZOOM = 32
export const clampZoom = (z: number): number => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z))

// The whole image in the stage, centred, never enlarged past 100 % (a small picture is shown at its
// own size, pixel for pixel). Offsets are whole pixels so a 100 % view is sharp.
export function fitView(image: Size, stage: Size, margin = 16): View {
  const room = (side: number) => Math.max(1, side - 2 * margin)
  const zoom = clampZoom(Math.min(1, room(stage.width) / image.width, room(stage.height) / image.height))
  return {
    zoom,
    x: Math.round((stage.width - image.width * zoom) / 2),
    y: Math.round((stage.height - image.height * zoom) / 2),
  }
}

export const toImage = (v: View, p: Pos): Pos => ({ x: (p.x - v.x) / v.zoom, y: (p.y - v.y) / v.zoom })
export const toScreen = (v: View, p: Pos): Pos => ({ x: p.x * v.zoom + v.x, y: p.y * v.zoom + v.y })

// Zooms to `zoom` keeping the image point under `center` (a screen point) where it is.
export function zoomAt(v: View, zoom: number, center: Pos): View {
  const z = clampZoom(zoom)
  return {
    zoom: z,
    x: center.x - ((center.x - v.x) * z) / v.zoom,
    y: center.y - ((center.y - v.y) * z) / v.zoom,
  }
}

export const panBy = (v: View, dx: number, dy: number): View => ({ ...v, x: v.x + dx, y: v.y + dy })

// The part of the image the stage shows, in whole image pixels (empty when none).
export function visibleRect(v: View, stage: Size, image: Size): Rect {
  const x0 = Math.max(0, Math.floor(-v.x / v.zoom))
  const y0 = Math.max(0, Math.floor(-v.y / v.zoom))
  const x1 = Math.min(image.width, Math.ceil((stage.width - v.x) / v.zoom))
  const y1 = Math.min(image.height, Math.ceil((stage.height - v.y) / v.zoom))
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) }
}

// The rectangle between two points, in whole pixels, inside the image.
export function rectBetween(a: Pos, b: Pos, image: Size): Rect {
  const x0 = Math.max(0, Math.round(Math.min(a.x, b.x)))
  const y0 = Math.max(0, Math.round(Math.min(a.y, b.y)))
  const x1 = Math.min(image.width, Math.round(Math.max(a.x, b.x)))
  const y1 = Math.min(image.height, Math.round(Math.max(a.y, b.y)))
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) }
}

// A rectangle grown by `pad` on every side, in whole pixels, cut to the image; null when empty.
export function padRect(r: Rect, pad: number, image: Size): Rect | null {
  const x0 = Math.max(0, Math.floor(r.x - pad))
  const y0 = Math.max(0, Math.floor(r.y - pad))
  const x1 = Math.min(image.width, Math.ceil(r.x + r.width + pad))
  const y1 = Math.min(image.height, Math.ceil(r.y + r.height + pad))
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null
}
