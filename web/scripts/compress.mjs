// Writes .br and .gz siblings of every compressible file in the build, so the server sends
// pre-compressed bytes without compressing on each request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, gzipSync, constants } from 'node:zlib'

const root = process.argv[2] ?? 'dist'
const compressible = /\.(html|js|mjs|css|svg|json|webmanifest|txt|map)$/

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* walk(path)
    else yield path
  }
}

let count = 0
for (const file of walk(root)) {
  if (!compressible.test(file)) continue
  const data = readFileSync(file)
  if (data.length < 256) continue
  writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }))
  writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }))
  count++
}
console.log(`compress: ${count} files pre-compressed in ${root}`)
