import { describe, expect, it } from 'vitest'
import { ApiError, toApiError } from './http'

describe('toApiError', () => {
  it('keeps the code, message and field of a server error', async () => {
    const res = new Response(JSON.stringify({ error: 'invalid', message: 'Too short', field: 'password' }), {
      status: 400,
    })
    const e = await toApiError(res)
    expect(e).toBeInstanceOf(ApiError)
    expect([e.status, e.code, e.message, e.field]).toEqual([400, 'invalid', 'Too short', 'password'])
  })

  it('reads Retry-After on 429', async () => {
    const res = new Response(JSON.stringify({ error: 'rate_limited', message: 'Wait' }), {
      status: 429,
      headers: { 'Retry-After': '42' },
    })
    expect((await toApiError(res)).retryAfter).toBe(42)
  })

  it('survives a body that is not the error shape', async () => {
    const e = await toApiError(new Response('<html>oops</html>', { status: 502 }))
    expect(e.code).toBe('http_502')
    expect(e.field).toBeNull()
  })
})
