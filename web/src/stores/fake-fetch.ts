// A stand-in for fetch in unit tests: records each call (method, path, JSON body) and answers with
// what the test queued for it, in order; an unexpected call fails the test.
import { vi } from 'vitest'

export interface FetchCall {
  method: string
  path: string
  body: unknown
}

type Answer = { status: number; body?: unknown } | (() => Promise<{ status: number; body?: unknown }>)

export function fakeFetch() {
  const calls: FetchCall[] = []
  const answers: Answer[] = []
  const stub = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined
    calls.push({ method: init?.method ?? 'GET', path: String(input), body })
    const next = answers.shift()
    if (!next) throw new Error(`unexpected ${init?.method ?? 'GET'} ${String(input)}`)
    const a = typeof next === 'function' ? await next() : next
    return new Response(a.status === 204 ? null : JSON.stringify(a.body ?? {}), { status: a.status })
  })
  vi.stubGlobal('fetch', stub)
  return {
    calls,
    // Queues the answer to the next call.
    answer(status: number, body?: unknown) {
      answers.push({ status, body })
    },
    // Queues an answer the test releases later (to answer out of order).
    hold() {
      let release!: (a: { status: number; body?: unknown }) => void
      answers.push(() => new Promise((ok) => (release = ok)))
      return (status: number, body?: unknown) => release({ status, body })
    },
  }
}
