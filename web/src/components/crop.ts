// The maths of the avatar crop: a square on the picture, moved and zoomed by the user, never
// leaving the picture. Pure, so the dialog only draws and listens.

export interface Size {
  width: number
  height: number
}

// The crop: its centre in picture pixels, and its zoom (1: the square is as big as the picture's
// shorter side; 2: half as big...).
export interface Crop {
  cx: number
  cy: number
  zoom: number
}

export interface Rect {
  x: number
  y: number
  size: number
}

export const MIN_ZOOM = 1
export const MAX_ZOOM = 8

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v))

export function initialCrop(img: Size): Crop {
  return { cx: img.width / 2, cy: img.height / 2, zoom: MIN_ZOOM }
}

// The side of the crop square in picture pixels.
export function cropSide(img: Size, zoom: number): number {
  return Math.min(img.width, img.height) / clamp(zoom, MIN_ZOOM, MAX_ZOOM)
}

// Brings a crop back within its limits: zoom in range, the square wholly on the picture.
export function clampCrop(img: Size, c: Crop): Crop {
  const zoom = clamp(c.zoom, MIN_ZOOM, MAX_ZOOM)
  const half = cropSide(img, zoom) / 2
  return { cx: clamp(c.cx, half, img.width - half), cy: clamp(c.cy, half, img.height - half), zoom }
}

// The square to cut out of the picture, in picture pixels.
export function cropRect(img: Size, c: Crop): Rect {
  const { cx, cy, zoom } = clampCrop(img, c)
  const size = cropSide(img, zoom)
  return { x: cx - size / 2, y: cy - size / 2, size }
}

// The picture was dragged by (dx, dy) view pixels while the crop frame is `frame` view pixels wide:
// the picture follows the pointer, so the crop moves the other way, by as many picture pixels.
export function panCrop(img: Size, c: Crop, dx: number, dy: number, frame: number): Crop {
  const perView = cropSide(img, c.zoom) / frame // picture pixels per view pixel
  return clampCrop(img, { ...c, cx: c.cx - dx * perView, cy: c.cy - dy * perView })
}

// A new zoom around the crop's centre.
export function zoomCrop(img: Size, c: Crop, zoom: number): Crop {
  return clampCrop(img, { ...c, zoom })
}

// Where to draw the picture on a `view`-pixel square canvas whose middle holds the crop frame of
// `frame` pixels: its scale and top-left corner.
export function viewTransform(
  img: Size,
  c: Crop,
  frame: number,
  view: number,
): { scale: number; x: number; y: number } {
  const { cx, cy, zoom } = clampCrop(img, c)
  const scale = frame / cropSide(img, zoom)
  return { scale, x: view / 2 - cx * scale, y: view / 2 - cy * scale }
}
