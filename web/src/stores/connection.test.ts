import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useConnectionStore } from './connection'
import { socketUrl } from '../connection/socket'

describe('connection store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('records the server version from hello', () => {
    const store = useConnectionStore()
    store.handleFrame({
      type: 'hello',
      server: 'parley',
      version: '9.9.9',
      user: { id: 1, username: 'a', display_name: '' },
      rooms: [],
    })
    expect(store.serverVersion).toBe('9.9.9')
  })

  it('keeps the last error message', () => {
    const store = useConnectionStore()
    store.handleFrame({ type: 'error', code: 'x', message: 'nope' })
    expect(store.lastError).toBe('nope')
  })
})

describe('socketUrl', () => {
  it('uses wss on https pages and ws on http pages', () => {
    expect(socketUrl({ protocol: 'https:', host: 'chat.example:8443' })).toBe('wss://chat.example:8443/ws')
    expect(socketUrl({ protocol: 'http:', host: 'localhost:8080' })).toBe('ws://localhost:8080/ws')
  })
})
