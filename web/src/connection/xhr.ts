// REST calls that need what fetch() cannot give: upload progress and a clean abort. Used for file
// uploads (stores/uploads.ts); everything else goes through api() in http.ts.
import { ApiError, csrfHeaders } from './http'
import { t } from '../i18n'

export interface XhrOptions {
  json?: unknown // a JSON body
  raw?: Blob // or raw bytes
  headers?: Record<string, string>
  onProgress?: (loaded: number) => void // bytes of the body sent so far
}

// Any HTTP answer: the caller reads the status (a 409 or a 413 carries what to do next).
export interface XhrAnswer {
  status: number
  body: unknown // parsed JSON, or null
  retryAfter: string | null // the Retry-After header
}

export interface XhrCall {
  done: Promise<XhrAnswer> // rejects with ApiError `network` (no answer) or `aborted`
  abort(): void
}

export function xhr(method: string, url: string, opts: XhrOptions = {}): XhrCall {
  const req = new XMLHttpRequest()
  const done = new Promise<XhrAnswer>((resolve, reject) => {
    req.open(method, url)
    const headers = { ...csrfHeaders(method), ...opts.headers }
    if (opts.json !== undefined) headers['Content-Type'] = 'application/json'
    else if (opts.raw) headers['Content-Type'] = 'application/octet-stream'
    for (const [k, v] of Object.entries(headers)) req.setRequestHeader(k, v)
    const onProgress = opts.onProgress
    if (onProgress) req.upload.onprogress = (e: ProgressEvent) => onProgress(e.loaded)
    req.onload = () => {
      let body: unknown = null
      try {
        body = req.responseText ? JSON.parse(req.responseText) : null
      } catch {
        body = null
      }
      resolve({ status: req.status, body, retryAfter: req.getResponseHeader('Retry-After') })
    }
    req.onerror = req.ontimeout = () => reject(new ApiError(0, 'network', t('errors.unreachable')))
    req.onabort = () => reject(new ApiError(0, 'aborted', 'Cancelled'))
    req.send(opts.json !== undefined ? JSON.stringify(opts.json) : (opts.raw ?? null))
  })
  return { done, abort: () => req.abort() }
}
