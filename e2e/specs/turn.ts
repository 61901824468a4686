// A real coturn on loopback (Debian's turnserver) for the relay-only tests of calls and transfers,
// with a Parley server of its own that hands out TURN credentials for it (REST-style shared secret).
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from './fixtures'
import { freePort, startParley, stopParley } from './own-server'

// Whether a STUN server answers a Binding request on 127.0.0.1:port within 200 ms.
async function stunAnswers(port: number): Promise<boolean> {
  const sock = createSocket('udp4')
  const request = Buffer.concat([
    Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]),
    randomBytes(12),
  ])
  try {
    return await new Promise<boolean>((ok) => {
      const timer = setTimeout(() => ok(false), 200)
      sock.on('message', (m) => {
        clearTimeout(timer)
        ok(m.readUInt16BE(0) === 0x0101)
      })
      sock.on('error', () => ok(false))
      sock.send(request, port, '127.0.0.1')
    })
  } finally {
    sock.close()
  }
}

// Runs `body` with the base URL of a Parley server whose ICE servers are a fresh coturn's.
export async function withTurn(body: (base: string) => Promise<void>): Promise<void> {
  const secret = 'e2e-turn-secret'
  const turnPort = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-turn-'))
  const turn: ChildProcess = spawn(
    'turnserver',
    [
      '--listening-ip',
      '127.0.0.1',
      '--relay-ip',
      '127.0.0.1',
      '--listening-port',
      String(turnPort),
      '--min-port',
      '49160',
      '--max-port',
      '49400',
      '--use-auth-secret',
      '--static-auth-secret',
      secret,
      '--realm',
      'parley.test',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--allow-loopback-peers',
      '--no-stdout-log',
      '--log-file',
      join(dataDir, 'turn.log'),
      '--pidfile',
      join(dataDir, 'turn.pid'),
      '--userdb',
      join(dataDir, 'turn.db'),
    ],
    { stdio: 'ignore' },
  )
  let exited = ''
  turn.on('exit', (code) => (exited = `turnserver exited with ${code}`))
  try {
    await expect.poll(async () => exited || (await stunAnswers(turnPort)), { timeout: 10_000 }).toBe(true)
    const port = await freePort()
    const server = await startParley(port, join(dataDir, 'parley'), [
      '--turn',
      `turn:127.0.0.1:${turnPort}?transport=udp`,
      '--turn-secret',
      secret,
    ])
    try {
      await body(`http://127.0.0.1:${port}`)
    } finally {
      await stopParley(server)
    }
  } finally {
    turn.kill('SIGTERM')
    rmSync(dataDir, { recursive: true, force: true })
  }
}
