// End-to-end tests drive Debian's Chromium (never a downloaded browser) against the real server,
// which global-setup.ts starts on a free port with a fresh data directory.
import { defineConfig } from '@playwright/test'

import { chromiumArgs } from './chromium-args.mjs'

export default defineConfig({
  testDir: './specs',
  globalSetup: './global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
    trace: 'off',
  },
})
