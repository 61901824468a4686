// Draws the app icons (the favicon's speech bubble on the accent colour) into public/icons/ as PNGs,
// written by hand with node:zlib so no image library is needed. Run: node scripts/icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const accent = [0x3b, 0x5b, 0xdb] // --accent of the light theme (src/theme.css)
const mark = [0xff, 0xff, 0xff] // --accent-text
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons')

// Shapes in the favicon's 64-unit space (public/favicon.svg).
function insideRoundedRect(x, y, left, top, right, bottom, radius) {
  if (x < left || x > right || y < top || y > bottom) return false
  const cx = Math.min(Math.max(x, left + radius), right - radius)
  const cy = Math.min(Math.max(y, top + radius), bottom - radius)
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2
}

function insideTriangle(x, y, [ax, ay], [bx, by], [cx, cy]) {
  const side = (px, py, qx, qy) => (x - qx) * (py - qy) - (px - qx) * (y - qy)
  const d1 = side(ax, ay, bx, by)
  const d2 = side(bx, by, cx, cy)
  const d3 = side(cx, cy, ax, ay)
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0))
}

function insideBubble(x, y) {
  return insideRoundedRect(x, y, 10, 18, 54, 44, 6) || insideTriangle(x, y, [20, 43], [30, 43], [20, 52])
}

// full: the background fills the square (maskable and Apple icons, which the platform crops itself);
// markScale: the bubble's size, smaller for maskable icons so it stays inside the 80% safe circle.
function draw(size, { full, markScale }) {
  const samples = 4 // 4×4 supersampling for smooth edges
  const rgba = Buffer.alloc(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let background = 0
      let fg = 0
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = ((px + (sx + 0.5) / samples) / size) * 64
          const y = ((py + (sy + 0.5) / samples) / size) * 64
          if (!full && !insideRoundedRect(x, y, 0, 0, 64, 64, 14)) continue
          background++
          const mx = 32 + (x - 32) / markScale
          const my = 35 + (y - 35) / markScale // the bubble's centre, tail included
          if (insideBubble(mx, my)) fg++
        }
      }
      const total = samples * samples
      const i = (py * size + px) * 4
      for (let c = 0; c < 3; c++) {
        rgba[i + c] = background ? Math.round((accent[c] * (background - fg) + mark[c] * fg) / background) : 0
      }
      rgba[i + 3] = Math.round((255 * background) / total)
    }
  }
  return encodePng(size, size, rgba)
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes) {
  let c = 0xffffffff
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bits per channel
  header[9] = 6 // colour type RGBA
  const rows = Buffer.alloc((width * 4 + 1) * height) // each row: filter byte 0, then pixels
  for (let y = 0; y < height; y++)
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

const icons = {
  'icon-192.png': draw(192, { full: false, markScale: 1 }),
  'icon-512.png': draw(512, { full: false, markScale: 1 }),
  'icon-maskable-512.png': draw(512, { full: true, markScale: 0.8 }),
  'apple-touch-icon.png': draw(180, { full: true, markScale: 0.9 }),
}
mkdirSync(outDir, { recursive: true })
for (const [name, png] of Object.entries(icons)) {
  writeFileSync(join(outDir, name), png)
  console.log(`icons: ${name} ${png.length} bytes`)
}
