// Vite build of the client; `vitest/config` so the test key type-checks.
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { rolldown } from 'rolldown'
import type { Plugin, Rolldown } from 'vite'
import vue from '@vitejs/plugin-vue'

// The entry chunk, its static imports (the modulepreload links) and their CSS: what the first screen
// loads; and the pages of src/views/ (sign-in, profile, settings...), loaded on demand but small,
// which a start without the server must be able to show too (a sign-out lands on the sign-in page),
// and the catalogs of the other languages, so a German or Arabic page starts offline in its language.
// Other lazily loaded chunks (calls, emoji, code highlighting) join the cache on first use.
function shellFiles(bundle: Rolldown.OutputBundle): string[] {
  const files = new Set<string>()
  const visit = (fileName: string): void => {
    const item = bundle[fileName]
    if (item?.type !== 'chunk' || files.has(fileName)) return
    files.add(fileName)
    item.viteMetadata?.importedCss.forEach((css) => files.add(css))
    item.imports.forEach(visit)
  }
  for (const item of Object.values(bundle)) {
    if (item.type !== 'chunk') continue
    const page = item.facadeModuleId?.includes('/src/views/') || item.facadeModuleId?.includes('/src/i18n/')
    if (item.isEntry || (item.isDynamicEntry && page)) visit(item.fileName)
  }
  return [...files].sort()
}

// Bundles src/sw.ts (with what it imports) to dist/sw.js, stamped with this build's shell (index.html
// and the files above) and a hash of it, so each deploy installs a new worker with a cache
// of its own.
function serviceWorker(): Plugin {
  const source = fileURLToPath(new URL('./src/sw.ts', import.meta.url))
  return {
    name: 'parley:service-worker',
    apply: 'build',
    enforce: 'post', // after Vite has emitted index.html, which the version hash covers
    async generateBundle(_options, bundle) {
      const html = bundle['index.html']
      if (html?.type !== 'asset') this.error('service worker: index.html is not in the bundle')
      const urls = ['/index.html', ...shellFiles(bundle).map((f) => `/${f}`)]
      // A classic worker script (module workers are not supported everywhere): one IIFE, no imports.
      const worker = await rolldown({ input: source, platform: 'browser', transform: { target: 'es2022' } })
      let code: string
      try {
        const { output } = await worker.generate({ format: 'iife' })
        if (output.length !== 1) this.error('service worker: expected one chunk')
        code = output[0].code
      } finally {
        await worker.close()
      }
      const version = createHash('sha256')
        .update(html.source)
        .update(JSON.stringify(urls))
        .update(code)
        .digest('hex')
        .slice(0, 16)
      const constants = `const PRECACHE_URLS = ${JSON.stringify(urls)};\nconst VERSION = "${version}";\n`
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: constants + code })
    },
  }
}

export default defineConfig({
  plugins: [vue(), serviceWorker()],
  build: {
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0, // the CSP allows no inline data: scripts; keep assets as files
    rolldownOptions: {
      output: {
        // Everything the first screen imports statically in one chunk. Left to itself the bundler
        // cuts it into a chunk per set of lazy importers (Vue's reactivity apart from its runtime,
        // Pinia and the session store apart from the rest), each compressed on its own: about 2 KiB
        // more to load for the same code, growing with every lazy chunk (the call UI added three).
        codeSplitting: { groups: [{ name: 'app', tags: ['$initial'] }] },
      },
    },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
})
