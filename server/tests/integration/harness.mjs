// Starts the real parley binary on port 0 in a fresh temporary data directory and talks to it over
// real sockets. Every test file uses this; nothing here reaches into the server's internals.
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync, chownSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, basename } from 'node:path'
import net from 'node:net'
import { once } from 'node:events'

export const BIN =
  process.env.PARLEY_BIN ?? new URL('../../../build/asan/bin/parley', import.meta.url).pathname
export const WEB_ROOT = process.env.PARLEY_WEB_ROOT ?? new URL('../../../web/dist', import.meta.url).pathname

// Which store the servers use: 'sqlite' (the default), or 'postgres' (PARLEY_TEST_STORE=postgres):
// every data directory then gets its own database in a PostgreSQL this process starts once (or
// the one PARLEY_TEST_PG_URL names, e.g. postgresql://postgres@127.0.0.1:5432), so the whole suite
// runs on both stores.
export const STORE = process.env.PARLEY_TEST_STORE ?? 'sqlite'

let sharedPostgres = null
async function postgresForTests() {
  const base = process.env.PARLEY_TEST_PG_URL
  if (base) {
    return {
      url: (db) => `${base}/${db}`,
      async createDatabase(name) {
        execFileSync('psql', [`${base}/postgres`, '-X', '-q', '-c', `CREATE DATABASE ${name}`])
      },
    }
  }
  sharedPostgres ??= startPostgres()
  return sharedPostgres
}

// The database of a data directory (made at its first server, kept across restarts).
async function storeArgs(dataDir, args) {
  if (STORE !== 'postgres' || args.includes('--store')) return []
  const pg = await postgresForTests()
  const marker = join(dataDir, 'postgres-database')
  if (existsSync(marker)) return ['--store', readFileSync(marker, 'utf8')]
  const name = `parley_${basename(dataDir)
    .replace(/[^a-zA-Z0-9]/g, '_')
    .toLowerCase()}`
  await pg.createDatabase(name)
  writeFileSync(marker, pg.url(name))
  return ['--store', pg.url(name)]
}

// `dataDir` reuses an existing data directory (a restart after a crash); by default a fresh one.
export async function startServer(
  args = [],
  { env = {}, dataDir = mkdtempSync(join(tmpdir(), 'parley-it-')) } = {},
) {
  const store = await storeArgs(dataDir, args)
  const proc = spawn(BIN, ['--port', '0', '--data-dir', dataDir, '--web-root', WEB_ROOT, ...store, ...args], {
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  const logWaiters = []
  proc.stderr.on('data', (d) => {
    stderr += d
    for (const w of logWaiters.splice(0)) w()
  })
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
    // Resolves with the first match of `pattern` in the server's log, as soon as it is written.
    async waitForLog(pattern) {
      for (;;) {
        const m = stderr.match(pattern)
        if (m) return m
        await new Promise((resolve) => logWaiters.push(resolve))
      }
    },
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

// Resolves with the first truthy value of `fn` (which may be async), asked again every `interval`
// ms; throws when `timeout` ms pass first. For state that no event announces (files on disk).
export async function poll(fn, { timeout = 10000, interval = 20, what = fn.toString() } = {}) {
  const deadline = Date.now() + timeout
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`still not true after ${timeout} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, interval))
  }
}

// A counter or gauge from GET /metrics (0 when absent), on a connection of its own.
export async function metric(server, name) {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { connection: 'close' } })).text()
  return Number(text.match(new RegExp(`^${name} (\\d+)`, 'm'))?.[1] ?? 0)
}

// Opens a raw TCP connection, for requests no well-behaved client would send.
export async function rawConnect(port) {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let data = ''
  socket.setEncoding('latin1')
  socket.on('data', (d) => (data += d))
  socket.on('error', () => {})
  // Closed however it ends: a FIN, or a reset (the server closing with our unread bytes in its
  // buffer resets; events.once would reject on that 'error' instead).
  const closed = new Promise((resolve) => socket.on('close', resolve))
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

// Fast password hashing and a generous per-address limit, for tests that are not about them.
export const FAST_AUTH = [
  '--argon2-ops',
  '1',
  '--argon2-mem-kib',
  '8',
  '--auth-attempts-per-minute',
  '100000',
]

// A client with a cookie jar that speaks the API as the web app does (CSRF header included).
export class Client {
  constructor(server) {
    this.server = server
    this.cookies = new Map()
    this.csrf = null
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  keepCookies(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const expired = attrs.some((a) => a.trim().toLowerCase() === 'max-age=0')
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  async raw(method, path, { body, headers = {}, csrf = true, redirect = 'follow' } = {}) {
    const h = { ...headers }
    if (this.cookies.size) h.cookie = this.cookieHeader()
    if (csrf && this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      body = JSON.stringify(body)
      h['content-type'] = 'application/json'
    }
    const res = await fetch(`${this.server.url}${path}`, {
      method,
      headers: h,
      body,
      redirect,
    })
    this.keepCookies(res)
    // `bytes`: the body exactly as sent (files); `text` decodes it as UTF-8.
    const bytes = Buffer.from(await res.arrayBuffer())
    const text = bytes.toString('utf8')
    let json = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = null
    }
    return { status: res.status, headers: res.headers, json, text, bytes }
  }

  // GET /api/session: who am I, and the CSRF token, as the app does on start.
  async session() {
    const r = await this.raw('GET', '/api/session')
    this.csrf = r.json.csrf
    return r.json
  }

  async call(method, path, body, opts) {
    if (!this.csrf) await this.session()
    return this.raw(method, path, { body, ...opts })
  }

  async register(username, password = 'a long enough secret', extra = {}) {
    const r = await this.call('POST', '/api/auth/register', {
      username,
      password,
      ...extra,
    })
    if (r.status !== 201) throw new Error(`register ${username}: ${r.status} ${r.text}`)
    return r.json.user
  }
}

// A real SMTP server (npm smtp-server) on loopback that keeps every message it receives.
export async function startSmtp() {
  const { SMTPServer } = await import('smtp-server')
  const messages = []
  const waiters = []
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let data = ''
      stream.setEncoding('utf8')
      stream.on('data', (d) => (data += d))
      stream.on('end', () => {
        const msg = {
          to: session.envelope.rcptTo.map((r) => r.address),
          from: session.envelope.mailFrom.address,
          data,
        }
        messages.push(msg)
        for (const w of waiters.splice(0)) w()
        callback()
      })
    },
  })
  await new Promise((resolve) => smtp.listen(0, '127.0.0.1', resolve))
  const port = smtp.server.address().port
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    // Resolves with the first message to `address` whose text matches `pattern`, when it arrives.
    async next(address, pattern) {
      for (;;) {
        const m = messages.find((x) => x.to.includes(address) && pattern.test(x.data) && !x.taken)
        if (m) {
          m.taken = true
          return m
        }
        await new Promise((resolve) => waiters.push(resolve))
      }
    },
    close: () => new Promise((resolve) => smtp.close(resolve)),
  }
}

// The server's PostgreSQL database, when it has one.
function databaseOf(server) {
  const marker = join(server.dataDir, 'postgres-database')
  return existsSync(marker) ? readFileSync(marker, 'utf8') : null
}

// Runs SQL against the server's database (read-only) and answers JSON rows as text: with the
// sqlite3 shell on its file, or with psql on its PostgreSQL database.
export function sql(server, query) {
  const db = databaseOf(server)
  if (db) {
    const out = execFileSync(
      'psql',
      [
        db,
        '-X',
        '-q',
        '-t',
        '-A',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        `SELECT coalesce(json_agg(q), '[]') FROM (${query}) q`,
      ],
      { encoding: 'utf8' },
    ).trim()
    return out === '[]' ? '' : out
  }
  return execFileSync('sqlite3', ['-readonly', '-json', join(server.dataDir, 'parley.db'), query], {
    encoding: 'utf8',
  })
}

// Everything the server stored, as text (to look for what must not be there).
export function dump(server) {
  const db = databaseOf(server)
  if (db)
    // Sequences left out: a refused INSERT still takes a number, and changed nothing (-T does not
    // leave out a sequence a table owns: its setval goes too). The \restrict lines pg_dump 15.14+
    // adds carry a random key each time: not the data either.
    return execFileSync('pg_dump', ['--data-only', '--inserts', '-T', '*_seq', db], {
      encoding: 'utf8',
    })
      .replace(/^\\(un)?restrict .*\n/gm, '')
      .replace(/^SELECT pg_catalog\.setval\(.*\n/gm, '')
  return execFileSync('sqlite3', ['-readonly', join(server.dataDir, 'parley.db'), '.dump'], {
    encoding: 'utf8',
  })
}

// A real PostgreSQL 15 on 127.0.0.1 for tests (as ../unit/postgres_server.hpp): initdb into a
// temporary directory (trust, fsync off), as the postgres user when root. Stopped when this
// process exits.
const PG_BIN = '/usr/lib/postgresql/15/bin/'
export async function startPostgres() {
  const { port } = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const address = s.address()
      s.close(() => resolve(address))
    })
  })
  const dir = mkdtempSync(join(tmpdir(), 'parley-it-pg-'))
  const asPostgres = (cmd, args) =>
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }))
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }))
    chownSync(dir, uid, gid)
  }
  execFileSync(
    ...asPostgres(PG_BIN + 'initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']),
    {
      stdio: 'ignore',
    },
  )
  const proc = spawn(
    ...asPostgres(PG_BIN + 'postgres', [
      '-D',
      join(dir, 'data'),
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'log_min_messages=warning',
      '-c',
      'max_connections=300',
    ]),
    { stdio: 'ignore' },
  )
  proc.unref() // the tests' process ends when they do; the exit hook below stops it
  const stopNow = () => {
    // The server's own pid (as root, proc is runuser's): a fast shutdown.
    try {
      const pid = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
      if (pid > 0) process.kill(pid, 'SIGINT')
    } catch {}
  }
  process.on('exit', () => {
    stopNow()
    rmSync(dir, { recursive: true, force: true })
  })
  await new Promise((resolve, reject) => {
    const check = () => {
      try {
        execFileSync(PG_BIN + 'pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(port)])
        resolve()
      } catch {
        if (proc.exitCode !== null) reject(new Error(`postgres exited with ${proc.exitCode}`))
        else setTimeout(check, 50) // readiness poll: PostgreSQL announces nothing we can wait on
      }
    }
    check()
  })
  const url = (db = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${db}`
  return {
    port,
    url,
    async createDatabase(name) {
      execFileSync(PG_BIN + 'createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name])
      return url(name)
    },
    async stop() {
      proc.ref() // waited for now: the process must not end before it has
      const exited = once(proc, 'exit')
      stopNow()
      await exited
    },
  }
}

// A real redis-server on 127.0.0.1 (nothing saved to disk): `kill()` is kill -9, `start()` brings
// it back on the same port, empty, as a crashed Redis restarted.
export async function startRedis() {
  const { port } = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const address = s.address()
      s.close(() => resolve(address))
    })
  })
  let proc = null
  const redis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      )
      await new Promise((resolve, reject) => {
        let out = ''
        proc.stdout.on('data', (d) => {
          out += d
          if (out.includes('Ready to accept connections')) resolve()
        })
        proc.on('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${out}`)))
      })
    },
    async kill() {
      if (!proc || proc.exitCode !== null) return
      const gone = once(proc, 'exit')
      proc.kill('SIGKILL')
      await gone
    },
  }
  await redis.start()
  return redis
}
