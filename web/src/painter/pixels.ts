// Pixel work that needs no canvas: flood fill over RGBA bytes, colours as hex, and which format to
// send a picture in.
export interface Pixels {
  data: Uint8ClampedArray
  width: number
  height: number
}

export function hexToRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex)
  const n = m ? parseInt(m[1]!, 16) : 0
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}

export const rgbToHex = (r: number, g: number, b: number): string =>
  `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`

// Fills the region of pixels like the one at (x, y) (each channel within `tolerance`) with `rgb`
// at `opacity`, in place; a scanline fill, so a 12-megapixel picture takes one pass. Returns the
// box of what changed, or null (outside, or the colour is already there).
export function floodFill(
  px: Pixels,
  x: number,
  y: number,
  rgb: [number, number, number],
  opacity = 1,
  tolerance = 24,
): { x: number; y: number; width: number; height: number } | null {
  const { data, width, height } = px
  x = Math.floor(x)
  y = Math.floor(y)
  if (x < 0 || y < 0 || x >= width || y >= height) return null
  const at = (y * width + x) * 4
  const target = [data[at]!, data[at + 1]!, data[at + 2]!, data[at + 3]!]
  const alpha = Math.round(opacity * 255)
  const out = blend(target, rgb, alpha)
  if (out.every((v, i) => v === target[i])) return null
  const seen = new Uint8Array(width * height)
  const like = (i: number): boolean => {
    if (seen[i]) return false
    const o = i * 4
    return (
      Math.abs(data[o]! - target[0]!) <= tolerance &&
      Math.abs(data[o + 1]! - target[1]!) <= tolerance &&
      Math.abs(data[o + 2]! - target[2]!) <= tolerance &&
      Math.abs(data[o + 3]! - target[3]!) <= tolerance
    )
  }
  let minX = x
  let maxX = x
  let minY = y
  let maxY = y
  const stack: number[] = [x, y]
  while (stack.length) {
    const sy = stack.pop()!
    let sx = stack.pop()!
    const row = sy * width
    while (sx > 0 && like(row + sx - 1)) sx--
    let above = false
    let below = false
    for (; sx < width && like(row + sx); sx++) {
      const i = row + sx
      seen[i] = 1
      const o = i * 4
      const c = blend([data[o]!, data[o + 1]!, data[o + 2]!, data[o + 3]!], rgb, alpha)
      data[o] = c[0]!
      data[o + 1] = c[1]!
      data[o + 2] = c[2]!
      data[o + 3] = c[3]!
      if (sx < minX) minX = sx
      if (sx > maxX) maxX = sx
      if (sy > 0) {
        const up = like(i - width)
        if (up && !above) stack.push(sx, sy - 1)
        above = up
      }
      if (sy < height - 1) {
        const down = like(i + width)
        if (down && !below) stack.push(sx, sy + 1)
        below = down
      }
    }
    if (sy < minY) minY = sy
    if (sy > maxY) maxY = sy
  }
  return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 }
}

// `rgb` at `alpha` over a pixel (source-over).
function blend(under: number[], rgb: [number, number, number], alpha: number): number[] {
  if (alpha >= 255) return [rgb[0], rgb[1], rgb[2], 255]
  const a = alpha / 255
  const ua = under[3]! / 255
  const oa = a + ua * (1 - a)
  const ch = (s: number, u: number) => Math.round((s * a + u * ua * (1 - a)) / oa)
  return [ch(rgb[0], under[0]!), ch(rgb[1], under[1]!), ch(rgb[2], under[2]!), Math.round(oa * 255)]
}

export function isOpaque(px: Pixels): boolean {
  for (let i = 3; i < px.data.length; i += 4) if (px.data[i] !== 255) return false
  return true
}

export interface Encoded {
  type: string
  size: number
}

// PNG keeps every pixel and suits drawings; a photo (a picture that came as JPEG or WebP, or whose
// PNG takes over a byte per pixel) goes as the lossy candidate when that is clearly smaller, and
// only when opaque (JPEG has no transparency). Returns the index of the candidate to send.
export function chooseFormat(candidates: Encoded[], photo: boolean, opaque: boolean): number {
  let best = candidates.findIndex((c) => c.type === 'image/png')
  if (best < 0) return 0
  if (!photo || !opaque) return best
  const png = candidates[best]!.size
  candidates.forEach((c, i) => {
    if (c.type !== 'image/png' && c.size < png * 0.9 && c.size < candidates[best]!.size) best = i
  })
  return best
}

export const looksLikePhoto = (sourceType: string, pngBytes: number, pixels: number): boolean =>
  sourceType === 'image/jpeg' || sourceType === 'image/webp' || pngBytes > pixels
