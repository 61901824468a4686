// Size budget of the first screen: the JS (and CSS) that dist/index.html loads before anything is
// shown, brotli-compressed as the server sends it. Exits 1 when the JS is over 150 KiB.
// Run after `npm run build`: node scripts/budget.mjs [dist]
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants } from 'node:zlib'

const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const budget = 150 * 1024
const html = readFileSync(join(root, 'index.html'), 'utf8')

// Module scripts, modulepreload links and stylesheets: what the browser fetches for the first screen.
const urls = new Set()
for (const [tag] of html.matchAll(/<(script|link)\b[^>]*>/gi)) {
  const attr = (name) => new RegExp(`\\s${name}\\s*=\\s*["']?([^"'\\s>]+)`, 'i').exec(tag)?.[1]
  const rel = attr('rel')?.toLowerCase()
  const url = tag.toLowerCase().startsWith('<script')
    ? attr('src')
    : rel === 'modulepreload' || rel === 'stylesheet'
      ? attr('href')
      : undefined
  if (url?.startsWith('/') && !url.startsWith('//')) urls.add(url)
}

// The .br sibling compress.mjs wrote, or the same compression done here.
function brotliSize(file) {
  if (existsSync(`${file}.br`)) return readFileSync(`${file}.br`).length
  const data = readFileSync(file)
  return brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length
}

const totals = { js: 0, css: 0 }
for (const url of [...urls].sort()) {
  const kind = url.endsWith('.css') ? 'css' : 'js'
  const bytes = brotliSize(join(root, url.split(/[?#]/)[0]))
  totals[kind] += bytes
  console.log(`  ${String(bytes).padStart(7)}  ${url}`)
}
const ok = totals.js <= budget
console.log(`first_screen_css_br_bytes=${totals.css}`)
console.log(`first_screen_js_br_bytes=${totals.js} budget=${budget} ok=${ok}`)
if (!ok) process.exit(1)
