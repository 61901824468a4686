// Reporting a message: what is sent, and a clear text when it was reported already.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fakeFetch } from './fake-fetch'
import { reportMessage } from './reports'

describe('reporting a message', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('sends the message and the reason; a second report says so', async () => {
    const server = fakeFetch()
    server.answer(201, { report: { id: 1 } })
    server.answer(409, { error: 'conflict', message: 'Already reported' })
    await reportMessage(42, ' spam ')
    expect(server.calls[0]).toEqual({
      method: 'POST',
      path: '/api/reports',
      body: { message: 42, reason: 'spam' },
    })
    await expect(reportMessage(42, 'spam')).rejects.toThrow('You already reported this message.')
  })
})
