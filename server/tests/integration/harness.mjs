// Starts the real parley binary on port 0 in a fresh temporary data directory and talks to it over
// real sockets. Every test file uses this; nothing here reaches into the server's internals.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import net from 'node:net'
import { once } from 'node:events'

export const BIN = process.env.PARLEY_BIN ?? new URL('../../../build/asan/bin/parley', import.meta.url).pathname
export const WEB_ROOT = process.env.PARLEY_WEB_ROOT ?? new URL('../../../web/dist', import.meta.url).pathname

export async function startServer(args = [], { env = {} } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-it-'))
  const proc = spawn(BIN, ['--port', '0', '--data-dir', dataDir, '--web-root', WEB_ROOT, ...args], {
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  proc.stderr.on('data', (d) => (stderr += d))
  const exited = once(proc, 'exit')
  let stopping = false
  proc.on('exit', (code, signal) => {
    // A server that dies on its own is a bug: show why, whichever test notices it.
    if (!stopping) console.error(`parley died unexpectedly (code ${code}, signal ${signal}):\n${stderr}`)
  })
  const port = await new Promise((resolve, reject) => {
    let out = ''
    proc.stdout.on('data', (d) => {
      out += d
      const m = out.match(/listening on https?:\/\/[^:]+:(\d+)/)
      if (m) resolve(Number(m[1]))
    })
    proc.on('exit', (code) => reject(new Error(`parley exited with ${code} before listening:\n${stderr}`)))
  })
  const scheme = args.includes('--tls-cert') ? 'https' : 'http'
  const server = {
    proc,
    port,
    dataDir,
    url: `${scheme}://127.0.0.1:${port}`,
    origin: `${scheme}://127.0.0.1:${port}`,
    get stderr() {
      return stderr
    },
    exited,
    expectExit() {
      stopping = true
    },
    async stop() {
      stopping = true
      if (!proc.killed && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
      const [code, signal] = await exited
      rmSync(dataDir, { recursive: true, force: true })
      return { code, signal }
    },
  }
  return server
}

// Opens a raw TCP connection, for requests no well-behaved client would send.
export async function rawConnect(port) {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let data = ''
  socket.setEncoding('latin1')
  socket.on('data', (d) => (data += d))
  socket.on('error', () => {})
  const closed = once(socket, 'close')
  return {
    socket,
    get data() {
      return data
    },
    closed,
    write: (s) => socket.write(s),
  }
}

// Resolves with everything the peer sent once it closes the connection.
export async function readUntilClose(conn) {
  await conn.closed
  return conn.data
}
