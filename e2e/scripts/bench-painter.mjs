// Stroke latency in the painter (docs/benchmarks.md, painter issue): a pen stroke on a 4000×3000
// picture in Debian's Chromium (software rendering, --disable-gpu), driven by real input events
// (CDP mouse events through Playwright). For each frame the painter draws after input, it marks
// `painter-frame` with the timeStamp of the oldest pointer event that frame answers; the latency is
// the mark's time minus that: from the pointer event to the stroke's pixels on the canvas, the
// wait for the animation frame included. Two views: the whole picture fitted to the stage (every
// visible pixel is the picture, scaled down) and 100 % (a part of it). Releases are counted apart:
// they draw the stroke into the full-size document and the view again. "Drawing per frame" is the
// time the painter's frame callback spends on the canvases.
// Prints a markdown table on stdout (progress on stderr).
//
//   cd e2e && node scripts/bench-painter.mjs     (make bench runs it)
//
// Environment: PARLEY_BIN (build/release/bin/parley), PARLEY_WEB_ROOT (web/dist), STROKES (8),
// MOVES (60 pointer moves per stroke).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from '@playwright/test'
import { startServer } from './server.mjs'
import { chromiumArgs } from '../chromium-args.mjs'

const root = resolve(import.meta.dirname, '../..')
const bin = process.env.PARLEY_BIN ?? join(root, 'build/release/bin/parley')
const webRoot = process.env.PARLEY_WEB_ROOT ?? join(root, 'web/dist')
const STROKES = Number(process.env.STROKES ?? 8)
const MOVES = Number(process.env.MOVES ?? 60)
const log = (...a) => console.error('[bench-painter]', ...a)

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN
}
const ms = (v) => `${v.toFixed(1)} ms`

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-painter-'))
  const server = startServer(bin, webRoot, dataDir)
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs })
  try {
    const baseURL = await server.url
    const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    const name = `bench${Date.now().toString(36)}`
    await page.goto('/register')
    await page.getByLabel('Username').fill(name)
    await page.getByLabel('Password').fill('a fine long secret')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { name: `Welcome to Parley, ${name}` }).waitFor()
    await page.getByRole('button', { name: 'New room' }).click()
    await page.getByLabel('Room name').fill('paint')
    await page.getByRole('button', { name: 'Create' }).click()
    await page.getByRole('heading', { name: '#paint' }).waitFor()

    // A 4000×3000 photo-like picture (gradients and noise), pasted into the composer.
    log('making a 4000×3000 picture')
    const box = page.getByLabel('Message #paint')
    await box.click()
    await box.evaluate(async (el) => {
      const c = document.createElement('canvas')
      c.width = 4000
      c.height = 3000
      const g = c.getContext('2d')
      const img = g.createImageData(4000, 3000)
      for (let i = 0, p = 0; i < img.data.length; i += 4, p++) {
        const x = p % 4000
        const y = (p / 4000) | 0
        const n = (Math.random() * 24) | 0
        img.data[i] = ((x * 255) / 4000 + n) | 0
        img.data[i + 1] = ((y * 255) / 3000 + n) | 0
        img.data[i + 2] = 120 + n
        img.data[i + 3] = 255
      }
      g.putImageData(img, 0, 0)
      const blob = await new Promise((ok) => c.toBlob(ok, 'image/png'))
      const data = new DataTransfer()
      data.items.add(new File([blob], 'big.png', { type: 'image/png' }))
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
    })
    await page.getByRole('button', { name: 'Edit big.png' }).click()
    const painter = page.getByRole('dialog', { name: 'Painter' })
    const canvas = painter.getByRole('img', { name: 'Picture, 4,000 × 3,000 pixels' })
    await canvas.waitFor({ timeout: 60_000 })
    await page.evaluate(() => {
      window.__frames = []
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if (e.name === 'painter-frame') window.__frames.push({ latency: e.startTime - e.detail.input, ends: e.detail.ends, draw: e.detail.draw })
        }
      }).observe({ entryTypes: ['mark'] })
    })

    const rows = []
    for (const [label, key] of [
      ['fitted (the whole picture, scaled to the stage)', '0'],
      ['100 % (a part of the picture)', '1'],
    ]) {
      await canvas.focus()
      await page.keyboard.press(key)
      const zoom = await painter.getByRole('status', { name: 'Zoom', exact: true }).textContent()
      const b = await canvas.boundingBox()
      await page.evaluate(() => (window.__frames = []))
      log(`${label}: ${STROKES} strokes of ${MOVES} moves at zoom ${zoom}`)
      for (let s = 0; s < STROKES; s++) {
        const y0 = b.y + b.height * (0.2 + (0.6 * s) / STROKES)
        await page.mouse.move(b.x + b.width * 0.15, y0)
        await page.mouse.down()
        for (let i = 1; i <= MOVES; i++) {
          const t = i / MOVES
          await page.mouse.move(b.x + b.width * (0.15 + 0.7 * t), y0 + Math.sin(t * 12) * 40)
        }
        await page.mouse.up()
        await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))))
      }
      const frames = await page.evaluate(() => window.__frames)
      const moves = frames.filter((f) => !f.ends).map((f) => f.latency)
      const ends = frames.filter((f) => f.ends).map((f) => f.latency)
      const draws = frames.filter((f) => !f.ends).map((f) => f.draw)
      rows.push({ label, zoom, moves, ends, draws })
    }

    // For comparison: what one frame would cost a painter that drew the whole picture again on
    // each event (a 4000×3000 canvas scaled into one the size of the stage), the median of 15.
    const whole = await page.evaluate(
      ({ w, h }) => {
        const big = document.createElement('canvas')
        big.width = 4000
        big.height = 3000
        const bg = big.getContext('2d')
        bg.fillStyle = '#3b5bdb'
        bg.fillRect(0, 0, 4000, 3000)
        const view = document.createElement('canvas')
        view.width = w
        view.height = h
        const g = view.getContext('2d')
        const times = []
        for (let i = 0; i < 15; i++) {
          const t0 = performance.now()
          g.drawImage(big, 0, 0, 4000, 3000, 0, 0, w, h)
          g.getImageData(0, 0, 1, 1) // waits for the drawing to be done
          times.push(performance.now() - t0)
        }
        return times.sort((a, b) => a - b)[7]
      },
      { w: Math.round((await canvas.boundingBox()).width), h: Math.round((await canvas.boundingBox()).height) },
    )

    console.log(
      '| view | frames | stroke latency p50 | p95 | max | drawing per frame p50 | p95 | release (commit + redraw) p50 | max |',
    )
    console.log('|---|---|---|---|---|---|---|---|---|')
    for (const r of rows) {
      console.log(
        `| ${r.label}, ${r.zoom} | ${r.moves.length} | ${ms(quantile(r.moves, 0.5))} | ${ms(quantile(r.moves, 0.95))} | ` +
          `${ms(Math.max(...r.moves))} | ${ms(quantile(r.draws, 0.5))} | ${ms(quantile(r.draws, 0.95))} | ` +
          `${ms(quantile(r.ends, 0.5))} | ${ms(Math.max(...r.ends))} |`,
      )
    }
    console.log(`\nDrawing the whole 4000×3000 picture into the stage once: ${ms(whole)} (median of 15).`)
    await context.close()
  } finally {
    await browser.close()
    server.proc.kill('SIGTERM')
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
