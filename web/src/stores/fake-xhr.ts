// Tests only: an XMLHttpRequest that records each request and answers, fails, aborts or reports
// upload progress when the test says so (the transport of stores/uploads.ts, faked).
import { expect } from 'vitest'

// Lets the promise chains a response starts run to their end.
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

// The requests still waiting for an answer (of `method`, when given).
export const open = (method?: string): FakeXHR[] =>
  FakeXHR.all.filter((x) => !x.done && (method === undefined || x.method === method))

// The one request of `method` waiting for an answer (fails the test when there is not exactly one).
export const only = (method: string): FakeXHR => {
  const list = open(method)
  expect(list).toHaveLength(1)
  return list[0]!
}

export class FakeXHR {
  static all: FakeXHR[] = []
  method = ''
  url = ''
  headers: Record<string, string> = {}
  body: unknown = null
  status = 0
  responseText = ''
  responseHeaders: Record<string, string> = {}
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  ontimeout: (() => void) | null = null
  onabort: (() => void) | null = null
  done = false
  aborted = false

  open(method: string, url: string): void {
    this.method = method
    this.url = url
  }
  setRequestHeader(k: string, v: string): void {
    this.headers[k] = v
  }
  getResponseHeader(k: string): string | null {
    return this.responseHeaders[k] ?? null
  }
  send(body: unknown): void {
    this.body = body
    FakeXHR.all.push(this)
  }
  abort(): void {
    this.aborted = this.done = true
    this.onabort?.()
  }
  respond(status: number, body?: unknown, headers: Record<string, string> = {}): void {
    this.status = status
    this.responseText = body === undefined ? '' : JSON.stringify(body)
    this.responseHeaders = headers
    this.done = true
    this.onload?.()
  }
  fail(): void {
    this.done = true
    this.onerror?.()
  }
  progress(loaded: number): void {
    this.upload.onprogress?.({ loaded } as ProgressEvent)
  }
}
