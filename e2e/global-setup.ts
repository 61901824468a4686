// Starts the real parley binary for the whole run and stops it afterwards. Tests read its address
// from PARLEY_URL (set here, inherited by the test workers).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')

export default async function globalSetup(): Promise<() => Promise<void>> {
  const bin = process.env.PARLEY_BIN ?? join(root, 'build/asan/bin/parley')
  const webRoot = process.env.PARLEY_WEB_ROOT ?? join(root, 'web/dist')
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'))
  // Fast password hashing: the e2e run creates many accounts; the cost is a setting, not a behaviour.
  const args = ['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--web-root', webRoot,
    '--argon2-ops', '1', '--argon2-mem-kib', '8', '--auth-attempts-per-minute', '10000']
  const proc = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((ok, fail) => {
    let out = ''
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = out.match(/listening on (https?:\/\/[^\s]+)/)
      if (m?.[1]) ok(m[1])
    })
    proc.on('exit', (code) => fail(new Error(`parley exited with ${code} before listening`)))
  })
  process.env.PARLEY_URL = url
  return async () => {
    // A server that died during the run, or exits non-zero (a sanitizer report), fails the run.
    const alreadyGone = proc.exitCode !== null || proc.signalCode !== null
    const [code, signal] = alreadyGone
      ? [proc.exitCode, proc.signalCode]
      : await new Promise<[number | null, string | null]>((ok) => {
          proc.on('exit', (c, s) => ok([c, s]))
          proc.kill('SIGTERM')
        })
    rmSync(dataDir, { recursive: true, force: true })
    if (code !== 0) throw new Error(`parley ended with code ${code}, signal ${signal}; its log is above`)
  }
}
