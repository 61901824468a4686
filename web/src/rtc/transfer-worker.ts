// A direct transfer's work off the main thread (a dedicated worker, one per transfer): the sender's
// SHA-256 of the whole file, or the receiver's sink, which hashes the bytes as they come and writes
// them to disk: to a file the user picked (File System Access), or into a stream that the service
// worker serves as a download. WebCrypto has no incremental SHA-256, hence hash-wasm (WebAssembly,
// 393 MiB/s on this machine against 165 for @noble/hashes' pure JS: the hash competes with the
// transfer for the same cores). The server lets this one script compile WebAssembly (its own CSP,
// net/http_policy.cpp); where that fails, @noble/hashes serves.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { createSHA256 } from 'hash-wasm'
import type { WorkerIn, WorkerOut } from './transfer-sink'

interface Scope {
  postMessage(message: WorkerOut, transfer?: Transferable[]): void
  onmessage: ((e: MessageEvent<WorkerIn>) => void) | null
}
const scope = self as unknown as Scope
const post = (m: WorkerOut, transfer: Transferable[] = []): void => scope.postMessage(m, transfer)

const READ_BLOCK = 4 * 1024 * 1024
const REPORT_EVERY = 256 * 1024

interface Hasher {
  update(bytes: Uint8Array): void
  hex(): string
}

async function newHasher(): Promise<Hasher> {
  try {
    const h = await createSHA256()
    h.init()
    return { update: (b) => void h.update(b), hex: () => h.digest('hex') }
  } catch {
    const h = nobleSha256.create()
    return { update: (b) => void h.update(b), hex: () => bytesToHex(h.digest()) }
  }
}

const hasher = newHasher()
let writer: WritableStreamDefaultWriter<Uint8Array> | null = null
let written = 0
let reported = 0
let queue: Promise<void> = Promise.resolve()
let broken: string | null = null

async function hashFile(file: Blob): Promise<void> {
  const hash = await hasher
  for (let at = 0; at < file.size; at += READ_BLOCK) {
    hash.update(new Uint8Array(await file.slice(at, at + READ_BLOCK).arrayBuffer()))
  }
  post({ op: 'digest', hex: hash.hex() })
}

async function openFile(handle: FileSystemFileHandle): Promise<void> {
  const w = await handle.createWritable()
  writer = w.getWriter()
}

// Enough to keep the download busy; what is beyond it waits in the sender's window.
const STREAM_BUFFER = 8 * 1024 * 1024

// The stream the service worker serves as the download: its readable side goes to it over `port`.
// The queue is on the readable side, so writes go on while the download takes what is there.
function openDownload(port: MessagePort): void {
  const stream = new TransformStream<Uint8Array, Uint8Array>(
    undefined,
    undefined,
    new ByteLengthQueuingStrategy({ highWaterMark: STREAM_BUFFER }),
  )
  writer = stream.writable.getWriter()
  port.postMessage({ readable: stream.readable }, [stream.readable])
  port.close()
}

async function write(bytes: Uint8Array): Promise<void> {
  if (broken || !writer) return
  ;(await hasher).update(bytes)
  await writer.ready
  await writer.write(bytes)
  written += bytes.length
  if (written - reported >= REPORT_EVERY) {
    reported = written
    post({ op: 'written', offset: written })
  }
}

function then(step: () => Promise<void>): void {
  queue = queue.then(step).catch((e: unknown) => {
    broken = e instanceof Error ? e.message : String(e)
    post({ op: 'error', message: broken })
  })
}

scope.onmessage = ({ data: m }) => {
  switch (m.op) {
    case 'hash-file':
      then(() => hashFile(m.file))
      return
    case 'open-file':
      then(() => openFile(m.handle))
      return
    case 'open-download':
      openDownload(m.port)
      return
    case 'write':
      then(() => write(new Uint8Array(m.buffer, m.offset, m.length)))
      return
    case 'digest':
      then(async () => {
        reported = written
        post({ op: 'written', offset: written })
        post({ op: 'digest', hex: (await hasher).hex() })
      })
      return
    case 'commit':
      then(async () => {
        await writer?.close()
        post({ op: 'committed' })
      })
      return
    case 'abort':
      broken = m.reason
      // Not behind the queue: a write waiting for room would hold it forever.
      void writer?.abort(new Error(m.reason)).catch(() => undefined)
      return
    default: {
      const never: never = m
      return never
    }
  }
}
