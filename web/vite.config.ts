// Vite build of the client; `vitest/config` so the test key type-checks.
import { createHash } from 'node:crypto'
import { copyFileSync, createReadStream, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
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

// The emoji pictures (Twemoji, an npm package) served by Parley itself under /emoji/: copied into
// dist at build time, served from node_modules by the dev server. Their names lose U+FE0F
// ('2764-fe0f' → '2764'), as src/emoji/images.ts asks for them. They are not precached: an emoji is
// fetched when first shown (<img loading="lazy">) and kept by the HTTP cache.
function emojiAssets(): Plugin {
  const require = createRequire(import.meta.url)
  const source = join(dirname(require.resolve('@discordapp/twemoji/package.json')), 'dist/svg')
  const files = (): Map<string, string> => {
    const map = new Map<string, string>()
    for (const name of readdirSync(source)) {
      if (name.endsWith('.svg')) map.set(name.replace(/-fe0f/g, ''), name)
    }
    return map
  }
  let outDir = 'dist'
  return {
    name: 'parley:emoji',
    configResolved(config) {
      outDir = config.build.outDir
    },
    configureServer(server) {
      const map = files()
      server.middlewares.use('/emoji/', (req, res, next) => {
        const name = map.get((req.url ?? '').slice(1).split('?')[0] ?? '')
        if (!name) return next()
        res.setHeader('Content-Type', 'image/svg+xml')
        createReadStream(join(source, name)).pipe(res)
      })
    },
    writeBundle() {
      const dir = join(outDir, 'emoji')
      mkdirSync(dir, { recursive: true })
      for (const [to, from] of files()) copyFileSync(join(source, from), join(dir, to))
      writeFileSync(
        join(dir, 'LICENSE.txt'),
        'Emoji graphics: Twemoji, (c) Twitter, Inc. and other contributors, licensed under CC-BY 4.0\n' +
          '(https://creativecommons.org/licenses/by/4.0/). Packaged by @discordapp/twemoji.\n',
      )
    },
  }
}

export default defineConfig({
  plugins: [vue(), serviceWorker(), emojiAssets()],
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
