// A message the server cannot take never leaves the composer (the server's hello says its
// limits), and one the server refused by closing the socket (1009, over its frame limit, from a
// server that did not say) is not sent again after the reconnect: the messages after it keep
// flowing and the socket stays up.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page, WebSocket } from '@playwright/test'
import { test, expect } from './fixtures'
import { newChannel, newUser, shownMessage } from './users'
import { freePort, newUserAt, startParley, stopParley } from './own-server'

function countSockets(page: Page): WebSocket[] {
  const sockets: WebSocket[] = []
  page.on('websocket', (ws) => sockets.push(ws))
  return sockets
}

test('a pasted text over the frame limit stays in the composer and the socket stays up', async ({
  browser,
}) => {
  const { page, name } = await newUser(browser, 'paster')
  const channel = await newChannel(page, 'paste')
  const sockets = countSockets(page) // none opens after this unless the socket drops
  const box = page.getByLabel(`Message #${channel}`)
  const huge = 'x'.repeat(70 * 1024)
  await box.fill(huge)
  await expect(page.getByRole('alert').filter({ hasText: 'Too long to send' })).toBeVisible()
  await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeDisabled()
  await box.press('Enter')
  await expect(box).toHaveValue(huge)
  await expect(page.getByText('sending…')).toHaveCount(0)

  // The same socket carries the next message.
  await box.fill('a short one')
  await box.press('Enter')
  await expect(shownMessage(page, name, 'a short one')).toBeVisible()
  await expect(page.getByText('sending…')).toHaveCount(0)
  expect(sockets).toHaveLength(0)
  await expect(page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
})

test('a server that says it takes less gets no larger message; one that does not say refuses it by closing the socket, and it is not resent', async ({
  browser,
}) => {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-1009-'))
  const server = await startParley(port, dataDir, ['--ws-max-message-bytes', '4096'])
  try {
    const page = await newUserAt(browser, `http://127.0.0.1:${port}`, 'bigsender')
    const channel = await newChannel(page, 'limits')
    const box = page.getByLabel(`Message #${channel}`)
    // Its hello said 4096 bytes a frame: the composer keeps a text that would not fit.
    await box.fill('y'.repeat(6000))
    await expect(page.getByRole('alert').filter({ hasText: 'Too long to send' })).toBeVisible()
    await box.press('Enter')
    await expect(box).toHaveValue('y'.repeat(6000))
    await expect(page.getByText('sending…')).toHaveCount(0)

    // The same server, its hello's limits taken out on the way (a server that does not say them):
    // the client lets the message go, the server closes the socket with 1009.
    let sockets = 0
    await page.routeWebSocket(/\/ws$/, (ws) => {
      sockets += 1
      const toServer = ws.connectToServer()
      toServer.onMessage((m) => {
        const frame = JSON.parse(String(m)) as { type: string; limits?: unknown }
        if (frame.type === 'hello') delete frame.limits
        ws.send(JSON.stringify(frame))
      })
    })
    await page.reload()
    await expect(page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
    expect(sockets).toBe(1)
    await box.fill('y'.repeat(6000))
    await expect(page.getByRole('alert').filter({ hasText: 'Too long to send' })).toHaveCount(0)
    await box.press('Enter')
    await expect(page.getByText('Not sent: Too large for the server')).toBeVisible()
    // Edit takes it back to the composer to be shortened.
    await page.getByRole('button', { name: 'Edit', exact: true }).click()
    await expect(box).toHaveValue('y'.repeat(6000))
    await expect(page.getByText('Not sent: Too large for the server')).toHaveCount(0)

    await box.fill('after the big one')
    await box.press('Enter')
    await expect(shownMessage(page, 'bigsender', 'after the big one')).toBeVisible()
    await expect(page.getByText('sending…')).toHaveCount(0)
    await expect(page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
    // One reconnect after the refusal, not one after every resend.
    expect(sockets).toBe(2)
  } finally {
    await stopParley(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
})
