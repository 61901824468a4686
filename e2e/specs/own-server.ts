// A server of a spec's own, for specs that stop and restart it to simulate an outage (the shared
// one from global-setup.ts must stay up for the others): a free port, a start that waits until it
// listens, a graceful stop, and a user registered against it in a browser context of their own.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import type { Browser, Page } from '@playwright/test'
import { expect } from './fixtures'

const root = resolve(import.meta.dirname, '../..')
const bin = process.env.PARLEY_BIN ?? join(root, 'build/asan/bin/parley')
const webRoot = process.env.PARLEY_WEB_ROOT ?? join(root, 'web/dist')

export async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const address = s.address()
      s.close(() => ok(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

// `onLog` reads the server's log (its stderr, still shown) as it comes: e-mails with their links
// are written there when no SMTP server is configured.
export async function startParley(
  port: number,
  dataDir: string,
  extra: string[] = [],
  onLog?: (text: string) => void,
): Promise<ChildProcess> {
  const proc = spawn(
    bin,
    ['--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--web-root', webRoot,
      '--argon2-ops', '1', '--argon2-mem-kib', '8', '--auth-attempts-per-minute', '10000', ...extra],
    { stdio: ['ignore', 'pipe', onLog ? 'pipe' : 'inherit'] },
  )
  proc.stderr?.on('data', (d: Buffer) => {
    process.stderr.write(d)
    onLog?.(d.toString())
  })
  await new Promise<void>((ok, fail) => {
    let out = ''
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('listening on')) ok()
    })
    proc.on('exit', (code) => fail(new Error(`parley exited with ${code}`)))
  })
  return proc
}

export async function stopParley(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return
  await new Promise((ok) => {
    proc.on('exit', ok)
    proc.kill('SIGTERM')
  })
}

export async function newUserAt(browser: Browser, base: string, name: string): Promise<Page> {
  const page = await (await browser.newContext({ baseURL: base })).newPage()
  await page.goto('/register')
  await page.getByLabel('Username').fill(name)
  await page.getByLabel('Password').fill('a fine long secret')
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Online' })).toBeVisible()
  return page
}
