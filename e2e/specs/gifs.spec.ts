// GIFs (issue 18): where the server has GIF search, the composer's GIF button opens a picker; a
// search (typed, then a pause) shows previews, "More" brings the next page, the arrow keys move
// among them and Enter sends one; the other person sees the GIF as an image. A URL on any other
// host stays a link; too many searches are said so.
//
// Giphy is a third-party cloud API that cannot be reached from here, so this spec runs a server of
// its own pointed at a local stand-in that answers as Giphy's search API documents
// (https://developers.giphy.com/docs/api/endpoint#search: `data[].images.fixed_height{,_small}`,
// `pagination`) and serves the GIFs themselves: 1×1 GIF89a files made here.
import { createServer, type Server } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { freePort, newUserAt, startParley, stopParley } from './own-server'
import { sharedChannel } from './users'

test.describe.configure({ mode: 'serial' })

// The smallest GIF: 1×1 pixel, GIF89a.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')
const TOTAL = 30 // results the stand-in has for any words: a page of 24, then 6

let giphy: Server
let giphyBase: string
let server: ChildProcess
let dataDir: string
let base: string
let ann: Page
let bob: Page
const searches: URLSearchParams[] = []
const errors: string[] = []

function watchConsole(page: Page): Page {
  page.on('console', (msg) => {
    const refused = /^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())
    if (msg.type() === 'error' && !refused) errors.push(msg.text())
  })
  page.on('pageerror', (err) => errors.push(err.message))
  return page
}

// Giphy's search answer for `q` from `offset`: numbered GIFs on the stand-in's own host.
function giphyAnswer(q: string, offset: number, limit: number): unknown {
  const data = []
  for (let i = offset; i < Math.min(TOTAL, offset + limit); i++) {
    const image = (size: string) => ({ url: `${giphyBase}/media/${i}/${size}.gif`, width: '200', height: '200' })
    data.push({
      type: 'gif',
      id: `g${i}`,
      title: `${q} ${i}`,
      images: { fixed_height: image('200'), fixed_height_small: image('100') },
    })
  }
  return { data, pagination: { total_count: TOTAL, count: data.length, offset }, meta: { status: 200, msg: 'OK' } }
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(60_000)
  giphy = createServer((req, res) => {
    const url = new URL(req.url ?? '/', giphyBase)
    if (url.pathname === '/v1/gifs/search') {
      searches.push(url.searchParams)
      const offset = Number(url.searchParams.get('offset') ?? 0)
      const limit = Number(url.searchParams.get('limit') ?? 25)
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(giphyAnswer(url.searchParams.get('q') ?? '', offset, limit)))
    } else if (url.pathname.startsWith('/media/')) {
      res.writeHead(200, { 'Content-Type': 'image/gif', 'Content-Length': PIXEL.length })
      res.end(PIXEL)
    } else {
      res.writeHead(404).end()
    }
  })
  const giphyPort = await freePort()
  await new Promise<void>((ok) => giphy.listen(giphyPort, '127.0.0.1', ok))
  giphyBase = `http://127.0.0.1:${giphyPort}`

  const port = await freePort()
  dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-gifs-'))
  server = await startParley(port, dataDir, [
    '--gif-provider', 'giphy',
    '--gif-api-key', 'test',
    '--gif-api-url', `${giphyBase}/v1/gifs/search`,
    '--gif-media-hosts', giphyBase,
  ])
  base = `http://127.0.0.1:${port}`
  ann = watchConsole(await newUserAt(browser, base, 'anngif'))
  bob = watchConsole(await newUserAt(browser, base, 'bobgif'))
})

test.afterEach(() => {
  expect(errors.splice(0), 'console errors').toEqual([])
})

test.afterAll(async () => {
  for (const p of [ann, bob]) await p?.context().close()
  if (server) await stopParley(server)
  giphy?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

test('a GIF is searched, picked with the keyboard and seen by the other person', async () => {
  const channel = await sharedChannel(ann, bob, 'gifs')
  await ann.getByRole('button', { name: 'Send a GIF' }).click()
  const picker = ann.getByRole('dialog', { name: 'GIFs' })
  const box = picker.getByRole('searchbox', { name: 'Search GIFs' })
  await expect(box).toBeFocused()
  await box.pressSequentially('dancing cat')
  const results = picker.getByRole('list', { name: 'GIFs found' })
  await expect(results.getByRole('button')).toHaveCount(24)
  // Typed quickly, searched once, after the pause; with the server's key, not one of the page's.
  expect(searches.map((s) => s.get('q'))).toEqual(['dancing cat'])
  expect(searches[0]!.get('api_key')).toBe('test')
  // Previews load lazily, in boxes sized before they load.
  const first = results.getByRole('button', { name: 'Send dancing cat 0', exact: true })
  await expect(first.locator('img')).toHaveAttribute('loading', 'lazy')
  await expect(first.locator('img')).toHaveAttribute('src', `${giphyBase}/media/0/100.gif`)

  await picker.getByRole('button', { name: 'More' }).click()
  await expect(results.getByRole('button')).toHaveCount(TOTAL)
  await expect(picker.getByRole('button', { name: 'More' })).toHaveCount(0)

  // Down from the box enters the grid, Right moves on, Enter sends.
  await box.press('ArrowDown')
  await expect(first).toBeFocused()
  await ann.keyboard.press('ArrowRight')
  await expect(results.getByRole('button', { name: 'Send dancing cat 1', exact: true })).toBeFocused()
  await ann.keyboard.press('Enter')
  await expect(picker).toHaveCount(0)

  const gif = bob.getByRole('list', { name: 'Messages' }).getByAltText('GIF')
  await expect(gif).toBeVisible()
  await expect(gif).toHaveAttribute('src', `${giphyBase}/media/1/200.gif`)
  await expect.poll(() => gif.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)
  // A click opens it in the image viewer.
  await gif.click()
  const viewer = bob.getByRole('dialog', { name: /GIF/ })
  await expect(viewer.getByRole('img', { name: 'GIF' })).toBeVisible()
  await viewer.getByRole('button', { name: 'Close' }).click()

  // The same host inside another URL is a link, never an image.
  const box2 = ann.getByLabel(`Message #${channel}`)
  const spoof = `https://evil.example/?u=${giphyBase}/media/2/200.gif`
  await box2.fill(spoof)
  await box2.press('Enter')
  const bobMessages = bob.getByRole('list', { name: 'Messages' })
  await expect(bobMessages.getByRole('link', { name: spoof })).toBeVisible()
  await expect(bobMessages.getByAltText('GIF')).toHaveCount(1)
})

test('too many searches are said so', async () => {
  // The server allows 30 searches a minute per person; Bob spends them (distinct words: answers
  // are cached) and then searches in the picker.
  const statuses = await bob.evaluate(async () => {
    const out: number[] = []
    for (let i = 0; i < 31; i++) out.push((await fetch(`/api/gifs/search?q=spent${i}`)).status)
    return out
  })
  expect(statuses).toContain(429)
  await bob.getByRole('button', { name: 'Send a GIF' }).click()
  const picker = bob.getByRole('dialog', { name: 'GIFs' })
  await picker.getByRole('searchbox', { name: 'Search GIFs' }).fill('one more')
  await expect(picker.getByRole('alert')).toHaveText('Too many searches, wait a moment')
  // Escape closes the picker and puts the writer back in the message box.
  await bob.keyboard.press('Escape')
  await expect(picker).toHaveCount(0)
  await expect(bob.getByRole('textbox', { name: /^Message #/ })).toBeFocused()
})
