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
import { BIN, STORE, startServer, rawConnect, Client, FAST_AUTH, sql } from './harness.mjs'

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
  const server = await startServer(FAST_AUTH)
  const alice = new Client(server)
  await alice.register('alice')
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
    headers: { origin: server.origin, cookie: alice.cookieHeader() },
  })
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

test('a database written by a newer Parley is refused with a clear message', async () => {
  const server = await startServer()
  const dataDir = server.dataDir
  server.expectExit()
  server.proc.kill('SIGTERM')
  await server.exited
  execFileSync('sqlite3', [join(dataDir, 'parley.db'), 'PRAGMA user_version = 999'])
  const r = spawnSync(BIN, ['--port', '0', '--data-dir', dataDir], { encoding: 'utf8', timeout: 10000 })
  rmSync(dataDir, { recursive: true, force: true })
  assert.equal(r.status, 1)
  assert.match(r.stderr, /schema version 999, newer than/)
})

test('a fresh data directory gets a migrated database (SQLite: in WAL mode)', async () => {
  const server = await startServer()
  try {
    if (STORE === 'postgres') {
      // Every migration applied, in the server's own database.
      const applied = JSON.parse(sql(server, 'SELECT version FROM schema_migrations ORDER BY version'))
      assert.deepEqual(
        applied.map((r) => r.version),
        Array.from({ length: applied.length }, (_, i) => i + 1),
      )
      assert.ok(applied.length >= 3, JSON.stringify(applied))
      return
    }
    const out = execFileSync('sqlite3', ['-readonly', join(server.dataDir, 'parley.db'),
      'PRAGMA user_version; PRAGMA journal_mode;'], { encoding: 'utf8' })
    assert.match(out, /^[1-9]\d*\nwal\n$/)
  } finally {
    await server.stop()
  }
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
    // Over WSS the upgrade reaches the session check (no session here, so 401).
    const ws = new WebSocket(`wss://127.0.0.1:${server.port}/ws`, {
      headers: { origin: server.origin },
      rejectUnauthorized: false,
    })
    ws.on('error', () => {})
    const [, res] = await once(ws, 'unexpected-response')
    assert.equal(res.statusCode, 401)
    ws.terminate()
  } finally {
    const { code } = await server.stop()
    rmSync(dir, { recursive: true, force: true })
    assert.equal(code, 0, server.stderr)
  }
})
