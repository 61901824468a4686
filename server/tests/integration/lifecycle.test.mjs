// Start-up and shutdown: --help, refusing bad options, SIGTERM with open connections, and TLS.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import https from 'node:https'
import WebSocket from 'ws'
import { BIN, startServer, rawConnect } from './harness.mjs'

test('--help explains the options and exits 0', () => {
  const r = spawnSync(BIN, ['--help'], { encoding: 'utf8' })
  assert.equal(r.status, 0)
  for (const flag of ['--host', '--port', '--data-dir', '--config', '--tls-cert', '--allowed-origins']) {
    assert.ok(r.stdout.includes(flag), flag)
  }
})

test('an unknown option is refused with a message and a non-zero exit', () => {
  const r = spawnSync(BIN, ['--no-such-option'], { encoding: 'utf8' })
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /no-such-option/)
})

test('SIGTERM closes WebSockets with 1001 and exits 0 within 2 seconds', async () => {
  const server = await startServer()
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { origin: server.origin } })
  await once(ws, 'message')
  const idle = await rawConnect(server.port) // an idle keep-alive connection must not hold shutdown up
  const closed = once(ws, 'close')
  const started = performance.now()
  server.expectExit()
  server.proc.kill('SIGTERM')
  const [code, reason] = await closed
  const { code: exitCode } = await server.stop()
  const elapsed = performance.now() - started
  assert.equal(code, 1001)
  assert.match(reason.toString(), /going away/)
  assert.equal(exitCode, 0)
  assert.ok(elapsed < 2000, `exited after ${elapsed.toFixed(0)} ms`)
  await idle.closed
})

test('with a certificate and key the server speaks HTTPS and WSS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-tls-'))
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' })
  const server = await startServer(['--tls-cert', cert, '--tls-key', key])
  try {
    const agent = new https.Agent({ rejectUnauthorized: false })
    const status = await new Promise((resolve, reject) => {
      https.get(`${server.url}/healthz`, { agent }, (res) => {
        res.resume()
        resolve(res.statusCode)
      }).on('error', reject)
    })
    assert.equal(status, 200)
    const ws = new WebSocket(`wss://127.0.0.1:${server.port}/ws`, {
      headers: { origin: server.origin },
      rejectUnauthorized: false,
    })
    const [msg] = await once(ws, 'message')
    assert.equal(JSON.parse(msg.toString()).type, 'hello')
    ws.close()
    await once(ws, 'close')
  } finally {
    const { code } = await server.stop()
    rmSync(dir, { recursive: true, force: true })
    assert.equal(code, 0, server.stderr)
  }
})
