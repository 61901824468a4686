// Who is online, where rooms are large (docs/protocol.md `watch`): a room of more members than
// --presence-room-members carries no presence unasked, so the page watches the people it shows. A
// members panel of such a room follows people going and coming; a direct room's dot shows a peer
// who was online before the page opened.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { newChannel } from './users'
import { freePort, newUserAt, startParley, stopParley } from './own-server'

// A row of the open members panel.
const memberRow = (page: Page, name: string) =>
  page.getByRole('listitem').filter({ has: page.getByRole('button', { name: `Message ${name}` }) })

test('a large room’s members panel and a direct room’s dot follow who is online', async ({ browser }) => {
  // #general holds everyone; with a bound of 2 its three members make it large.
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-presence-'))
  const server = await startParley(port, dataDir, ['--presence-room-members', '2'])
  try {
    const ann = await newUserAt(browser, base, 'annp')
    const ben = await newUserAt(browser, base, 'benp')
    await newUserAt(browser, base, 'catp')

    await ann.getByRole('button', { name: /^general/ }).click()
    await ann.getByRole('button', { name: /^Members/ }).click()
    const benRow = memberRow(ann, 'benp')
    await expect(benRow).toContainText('online')

    // Ben's only tab closes: the panel says when he was last seen; a new tab brings him back.
    const benContext = ben.context()
    await ben.close()
    await expect(benRow).toContainText('last seen')
    const benAgain = await benContext.newPage()
    await benAgain.goto(base)
    await expect(benAgain.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
    await expect(benRow).toContainText('online')

    // A direct room with Ben, then a reload with a room open that Ben is not in: the dot in the
    // room list is lit from the page's `watch`, though no presence frame came since.
    await benRow.getByRole('button', { name: 'Message benp' }).click()
    await expect(ann.getByRole('heading', { name: 'benp' })).toBeVisible()
    await newChannel(ann, 'alone')
    await ann.reload()
    await expect(ann.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
    // The dot is drawn; a screen reader hears it in the room's name.
    const dm = ann.getByRole('button', { name: /^benp/ })
    await expect(dm).toHaveAccessibleName('benp, online')
    await expect(dm.locator('.dot')).toHaveClass(/\bon\b/)
    await benAgain.close()
    await expect(dm).toHaveAccessibleName('benp')
    await expect(dm.locator('.dot')).not.toHaveClass(/\bon\b/)
  } finally {
    await stopParley(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
})
