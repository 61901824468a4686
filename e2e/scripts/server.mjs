// The real parley binary for a browser script (benchmarks, screenshots): on a free loopback port,
// with fast password hashing, serving `webRoot`; `url` resolves once it listens.
import { spawn } from 'node:child_process'

export function startServer(bin, webRoot, dataDir, extraArgs = []) {
  const proc = spawn(
    bin,
    ['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--web-root', webRoot,
      '--argon2-ops', '1', '--argon2-mem-kib', '8', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const url = new Promise((ok, fail) => {
    let text = ''
    proc.stdout.on('data', (d) => {
      text += d.toString()
      const m = text.match(/listening on (https?:\/\/\S+)/)
      if (m) ok(m[1])
    })
    proc.on('exit', (code) => fail(new Error(`parley exited with ${code} before listening`)))
  })
  return { proc, url }
}
