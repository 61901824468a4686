// The REST side of the one way in and out of the network: JSON calls to /api with the CSRF token,
// and errors turned into ApiError with the field they concern.
import { t } from '../i18n'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
    readonly retryAfter: number | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

let csrfToken: string | null = null

export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

// The header every state-changing call carries (docs/api.md, "Sessions and CSRF").
export function csrfHeaders(method: string): Record<string, string> {
  return method !== 'GET' && csrfToken ? { 'X-CSRF-Token': csrfToken } : {}
}

// The server's error shape {"error", "message", "field"?} as an ApiError; anything else gets a
// generic text. `retryAfterHeader` is the Retry-After header as sent.
export function apiErrorFrom(status: number, body: unknown, retryAfterHeader: string | null): ApiError {
  const retry = Number(retryAfterHeader)
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : null
  if (isRecord(body) && typeof body.error === 'string' && typeof body.message === 'string') {
    const field = typeof body.field === 'string' ? body.field : null
    return new ApiError(status, body.error, body.message, field, retryAfter)
  }
  return new ApiError(
    status,
    'http_' + status,
    t('errors.serverAnswered', { status: String(status) }),
    null,
    retryAfter,
  )
}

export async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    body = null
  }
  return apiErrorFrom(res.status, body, res.headers.get('retry-after'))
}

export interface CallOptions {
  body?: unknown
  raw?: Blob
}

// Calls the API; resolves with the parsed JSON (or null for 204), rejects with ApiError.
export async function api<T = unknown>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = csrfHeaders(method)
  let body: BodyInit | undefined
  if (opts.raw) {
    body = opts.raw
    headers['Content-Type'] = opts.raw.type || 'application/octet-stream'
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body)
    headers['Content-Type'] = 'application/json'
  }
  let res: Response
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin' })
  } catch {
    throw new ApiError(0, 'network', t('errors.unreachable'))
  }
  if (!res.ok) throw await toApiError(res)
  if (res.status === 204) return null as T
  return (await res.json()) as T
}
