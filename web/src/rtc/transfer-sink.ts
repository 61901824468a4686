// The page's side of the transfer worker (transfer-worker.ts): the sender's file hash, and the
// receiver's sink, which writes to a file the user picked or streams a download through the
// service worker (sw.ts, /transfer-download/...), so a file larger than memory never sits in it.
import type { Sink } from './transfer-receive'
import { t } from '../i18n'

export type WorkerIn =
  | { op: 'hash-file'; file: Blob }
  | { op: 'open-file'; handle: FileSystemFileHandle }
  | { op: 'open-download'; port: MessagePort }
  | { op: 'write'; buffer: ArrayBuffer; offset: number; length: number }
  | { op: 'digest' }
  | { op: 'commit' }
  | { op: 'abort'; reason: string }

export type WorkerOut =
  | { op: 'digest'; hex: string }
  | { op: 'written'; offset: number }
  | { op: 'committed' }
  | { op: 'error'; message: string }

// What receives the file: a file the user chose, or a download the service worker streams.
export type Target = { kind: 'file'; handle: FileSystemFileHandle } | { kind: 'download' }

function newWorker(): Worker {
  return new Worker(new URL('./transfer-worker.ts', import.meta.url), { type: 'module' })
}

const post = (w: Worker, m: WorkerIn, transfer: Transferable[] = []): void => w.postMessage(m, transfer)

// The SHA-256 of a whole file (hex), read and hashed in a worker.
export function hashFile(file: Blob): { digest: Promise<string>; stop(): void } {
  const w = newWorker()
  const digest = new Promise<string>((resolve, reject) => {
    w.onmessage = ({ data }: MessageEvent<WorkerOut>) => {
      if (data.op === 'digest') resolve(data.hex)
      else if (data.op === 'error') reject(new Error(data.message))
      if (data.op === 'digest' || data.op === 'error') w.terminate()
    }
    w.onerror = () => reject(new Error(t('transfer.error.unreadable')))
  })
  post(w, { op: 'hash-file', file })
  return { digest, stop: () => w.terminate() }
}

type ShowSaveFilePicker = (options: { suggestedName?: string }) => Promise<FileSystemFileHandle>

// Asks where to save (File System Access), which must happen in the click that accepted; null when
// the browser has no picker or it failed (the download through the service worker serves then).
// The user closing the picker is an AbortError: the caller keeps the offer open.
export async function pickTarget(name: string): Promise<Target> {
  const picker = (window as unknown as { showSaveFilePicker?: ShowSaveFilePicker }).showSaveFilePicker
  if (!picker) return { kind: 'download' }
  try {
    return { kind: 'file', handle: await picker({ suggestedName: name }) }
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    return { kind: 'download' }
  }
}

// A download URL the service worker answers with the stream, named after the file.
export function downloadPath(id: string, name: string): string {
  return `/transfer-download/${encodeURIComponent(id)}/${encodeURIComponent(name)}`
}

export interface FileInfo {
  id: string
  name: string
  size: number
  mime: string
}

// The receiver's sink. `ready` settles once bytes can be written (the download started).
export class WorkerSink implements Sink {
  onWritten: (offset: number) => void = () => undefined
  onError: (message: string) => void = () => undefined
  readonly ready: Promise<void>
  private readonly worker = newWorker()
  private digestWaiter: ((hex: string) => void) | null = null
  private commitWaiter: (() => void) | null = null
  private keepAlive: ReturnType<typeof setInterval> | null = null
  private ended = false
  private readyResolve = (): void => undefined
  private readyReject: (e: Error) => void = () => undefined

  constructor(target: Target, info: FileInfo) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.readyResolve = resolve
      this.readyReject = reject
    })
    this.worker.onmessage = ({ data }: MessageEvent<WorkerOut>) => {
      switch (data.op) {
        case 'written':
          this.onWritten(data.offset)
          return
        case 'digest':
          this.digestWaiter?.(data.hex)
          return
        case 'committed':
          this.commitWaiter?.()
          return
        case 'error':
          this.readyReject(new Error(data.message))
          this.onError(data.message)
          return
        default: {
          const never: never = data
          return never
        }
      }
    }
    if (target.kind === 'file') {
      post(this.worker, { op: 'open-file', handle: target.handle })
      this.readyResolve()
    } else {
      void this.openDownload(info).catch((e: unknown) =>
        this.readyReject(e instanceof Error ? e : new Error(String(e))),
      )
    }
  }

  private async openDownload(info: FileInfo): Promise<void> {
    const sw = navigator.serviceWorker as ServiceWorkerContainer | undefined
    // No worker at all (the dev server, a browser without them): `ready` would never settle.
    const registration = (await sw?.getRegistration()) ? await sw?.ready : null
    const active = registration?.active
    if (!active) throw new Error(t('transfer.error.noStream'))
    // The worker makes the stream and hands its readable side straight to the service worker over
    // this channel (through the page it would cost the main thread a copy of every byte).
    const channel = new MessageChannel()
    const registered = new Promise<void>((resolve) => {
      const done = new MessageChannel()
      done.port2.onmessage = () => resolve()
      active.postMessage(
        {
          type: 'transfer-download',
          path: downloadPath(info.id, info.name),
          size: info.size,
          port: channel.port1,
          done: done.port1,
        },
        [channel.port1, done.port1],
      )
    })
    post(this.worker, { op: 'open-download', port: channel.port2 }, [channel.port2])
    await registered
    this.readyResolve()
    this.startDownload(info)
    // A service worker left without events is stopped, which would cut the stream it serves.
    this.keepAlive = setInterval(() => active.postMessage({ type: 'transfer-keepalive' }), 10_000)
  }

  // The browser's download takes the stream the service worker serves. A plain link, which the
  // response's Content-Disposition turns into a download: Chromium does not stream a link with the
  // `download` attribute from a service worker (measured: cancelled, or stalled after the first
  // bytes), and the CSP allows no frame.
  private startDownload(info: FileInfo): void {
    const a = document.createElement('a')
    a.href = downloadPath(info.id, info.name)
    a.hidden = true
    document.body.append(a)
    a.click()
    a.remove()
  }

  write(bytes: Uint8Array): void {
    const buffer = bytes.buffer as ArrayBuffer
    post(this.worker, { op: 'write', buffer, offset: bytes.byteOffset, length: bytes.length }, [buffer])
  }

  digest(): Promise<string> {
    return new Promise((resolve) => {
      this.digestWaiter = resolve
      post(this.worker, { op: 'digest' })
    })
  }

  commit(): Promise<void> {
    return new Promise((resolve) => {
      this.commitWaiter = () => {
        this.end()
        resolve()
      }
      post(this.worker, { op: 'commit' })
    })
  }

  abort(reason: string): void {
    if (this.ended) return
    post(this.worker, { op: 'abort', reason })
    // The abort reaches the stream before the worker goes.
    setTimeout(() => this.end(), 1000)
  }

  private end(): void {
    if (this.ended) return
    this.ended = true
    if (this.keepAlive) clearInterval(this.keepAlive)
    setTimeout(() => this.worker.terminate(), 1000)
  }
}
