// Runs integration test files with every server on PostgreSQL: starts one PostgreSQL for the whole
// run (each server still gets a database of its own) and runs `node --test` with the arguments
// given. `node on-postgres.mjs --test-reporter=spec chat-messages.test.mjs ...`
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { startPostgres } from './harness.mjs'

const pg = await startPostgres()
const child = spawn(process.execPath, ['--test', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PARLEY_TEST_STORE: 'postgres',
    PARLEY_TEST_PG_URL: pg.url('').replace(/\/$/, ''),
  },
})
const [code, signal] = await once(child, 'exit')
await pg.stop()
process.exit(code ?? (signal ? 1 : 0))
