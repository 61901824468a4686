// Tests only: an XMLHttpRequest that records each request and answers, fails, aborts or reports
// upload progress when the test says so (the transport of stores/uploads.ts, faked).
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
