// Sign-in with an OpenID provider, the client's small part: the error and the link confirmation
// read from the address the server's redirect lands on (and taken out of it), the start URL, the
// providers and identities as the server lists them, and unlinking.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '../connection/http'
import { fakeFetch } from './fake-fetch'
import {
  decodeIdentities,
  decodePendingLink,
  decodeProviders,
  readLinked,
  readOidcError,
  startUrl,
  useOidcStore,
  withoutKeys,
} from './oidc'

describe('the address the server sends the browser back to', () => {
  it('reads the error as plain text', () => {
    expect(readOidcError({ oidc_error: 'The sign-in was cancelled at the provider' })).toBe(
      'The sign-in was cancelled at the provider',
    )
    expect(readOidcError({ oidc_error: ['first', 'second'] })).toBe('first')
    expect(readOidcError({ oidc_error: '  two\n lines ' })).toBe('two lines')
    // Markup stays text: the page shows it with text interpolation, never as HTML.
    expect(readOidcError({ oidc_error: '<img src=x onerror=alert(1)>' })).toBe('<img src=x onerror=alert(1)>')
  })

  it('reads no error when there is none or it is empty', () => {
    expect(readOidcError({})).toBeNull()
    expect(readOidcError({ oidc_error: '' })).toBeNull()
    expect(readOidcError({ oidc_error: '   ' })).toBeNull()
    expect(readOidcError({ oidc_error: [null] })).toBeNull()
    expect(readOidcError({ oidc_error: null })).toBeNull()
  })

  it('shortens an error far longer than any the server writes', () => {
    const text = readOidcError({ oidc_error: 'x'.repeat(5000) })
    expect(text).toHaveLength(300)
    expect(text?.endsWith('…')).toBe(true)
  })

  it('reads the provider just linked', () => {
    expect(readLinked({ linked: 'local' })).toBe('local')
    expect(readLinked({ linked: ['google', 'x'] })).toBe('google')
    expect(readLinked({ linked: '' })).toBeNull()
    expect(readLinked({})).toBeNull()
  })

  it('clears what was read and keeps the rest of the query', () => {
    expect(withoutKeys({ oidc_error: 'no', next: '/room/3' }, ['oidc_error'])).toEqual({ next: '/room/3' })
    expect(withoutKeys({ linked: 'local', oidc_error: 'x' }, ['linked', 'oidc_error'])).toEqual({})
    const q = { oidc_error: 'no' }
    withoutKeys(q, ['oidc_error'])
    expect(q).toEqual({ oidc_error: 'no' }) // a copy: the route's own query is not touched
  })

  it('makes the start URL, with link=1 to link', () => {
    expect(startUrl('local')).toBe('/api/auth/oidc/local/start')
    expect(startUrl('local', true)).toBe('/api/auth/oidc/local/start?link=1')
    expect(startUrl('a/b?c')).toBe('/api/auth/oidc/a%2Fb%3Fc/start')
  })
})

describe('decoding the server’s lists', () => {
  it('keeps providers with an id, naming them by id when the name is missing', () => {
    expect(
      decodeProviders({
        providers: [{ id: 'google', name: 'Google' }, { id: 'local' }, { name: 'no id' }, 'x', null],
      }),
    ).toEqual([
      { id: 'google', name: 'Google' },
      { id: 'local', name: 'local' },
    ])
    expect(decodeProviders({})).toEqual([])
    expect(decodeProviders(null)).toEqual([])
  })

  it('keeps identities with a provider', () => {
    expect(
      decodeIdentities({
        identities: [{ provider: 'local', email: 'ann@id.example', linked_at: 5 }, { provider: 'g' }, {}],
      }),
    ).toEqual([
      { provider: 'local', email: 'ann@id.example', linked_at: 5 },
      { provider: 'g', email: '', linked_at: 0 },
    ])
    expect(decodeIdentities({ identities: 'no' })).toEqual([])
  })
})

describe('the providers store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('asks for the providers once, however many buttons want them', async () => {
    const server = fakeFetch()
    server.answer(200, { providers: [{ id: 'local', name: 'Local ID' }] })
    const oidc = useOidcStore()
    await Promise.all([oidc.loadProviders(), oidc.loadProviders()])
    await oidc.loadProviders()
    expect(server.calls).toEqual([{ method: 'GET', path: '/api/auth/oidc/providers', body: undefined }])
    expect(oidc.providers).toEqual([{ id: 'local', name: 'Local ID' }])
    expect(oidc.providerName('local')).toBe('Local ID')
    expect(oidc.providerName('gone')).toBe('gone')
  })

  it('shows no providers when the server cannot be asked, and asks again later', async () => {
    const server = fakeFetch()
    server.answer(500)
    const oidc = useOidcStore()
    await oidc.loadProviders()
    expect(oidc.providers).toEqual([])
    server.answer(200, { providers: [{ id: 'local', name: 'Local ID' }] })
    await oidc.loadProviders()
    expect(oidc.providers).toHaveLength(1)
    expect(server.calls).toHaveLength(2)
  })

  it('lists the identities and unlinks one', async () => {
    const server = fakeFetch()
    server.answer(200, {
      identities: [
        { provider: 'local', email: 'a@x', linked_at: 1 },
        { provider: 'google', email: 'a@g', linked_at: 2 },
      ],
    })
    server.answer(204)
    const oidc = useOidcStore()
    await oidc.loadIdentities()
    await oidc.unlink('local')
    expect(server.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/me/identities',
      'DELETE /api/me/identities/local',
    ])
    expect(oidc.identities.map((i) => i.provider)).toEqual(['google'])
  })

  it('keeps the only way to sign in linked when the server refuses (409)', async () => {
    const server = fakeFetch()
    server.answer(200, { identities: [{ provider: 'local', email: 'a@x', linked_at: 1 }] })
    server.answer(409, { error: 'conflict', message: 'It is the only way to sign in' })
    const oidc = useOidcStore()
    await oidc.loadIdentities()
    const refused = await oidc.unlink('local').catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ApiError)
    expect((refused as ApiError).status).toBe(409)
    expect(oidc.identities).toHaveLength(1)
  })
})

describe('a sign-in waiting for an existing account’s password', () => {
  it('reads what the server says, and nothing from a malformed answer', () => {
    expect(decodePendingLink({ provider: 'Google', username: 'tess', email: 'tess@x.test' })).toEqual({
      provider: 'Google',
      username: 'tess',
      email: 'tess@x.test',
    })
    expect(decodePendingLink({ provider: 'Google', username: 'tess' })?.email).toBe('')
    expect(decodePendingLink({ provider: 'Google' })).toBeNull()
    expect(decodePendingLink(null)).toBeNull()
    expect(decodePendingLink({ provider: 1, username: 'tess' })).toBeNull()
  })
})
