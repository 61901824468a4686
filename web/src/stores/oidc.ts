// Sign-in with an OpenID provider (docs/api.md, "Sign-in with an OpenID provider"): the providers
// the server offers, where the browser goes to start, what the server's redirect back said
// (`/login?oidc_error=…`, `/profile?linked=<id>`), and the signed-in user's linked providers.
// The sign-in itself is page navigations (the server answers with redirects); only the lists and
// unlinking are calls, through connection/http.ts.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '../connection/http'

export interface OidcProvider {
  id: string
  name: string
}

export interface OidcIdentity {
  provider: string
  email: string
  linked_at: number
}

type Query = Record<string, unknown>

const isStr = (v: unknown): v is string => typeof v === 'string'
const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {}

// The longest error text shown: the server's messages are a sentence; a longer one was not its own.
const MAX_ERROR = 300

// A query value as one string (the first of repeated ones), or null.
function firstValue(v: unknown): string | null {
  const one = Array.isArray(v) ? (v as unknown[])[0] : v
  return isStr(one) ? one : null
}

// The sign-in error the server's redirect carries, as plain text (shown as text, never HTML).
export function readOidcError(query: Query): string | null {
  const text = firstValue(query.oidc_error)?.replace(/\s+/g, ' ').trim()
  if (!text) return null
  return text.length > MAX_ERROR ? text.slice(0, MAX_ERROR - 1) + '…' : text
}

// The provider just linked (`/profile?linked=<id>`), or null.
export function readLinked(query: Query): string | null {
  const id = firstValue(query.linked)?.trim()
  return id ? id : null
}

// The query without the keys read once (so a reload or a shared address does not say it again).
export function withoutKeys<Q extends Query>(query: Q, keys: readonly string[]): Q {
  const rest: Query = {}
  for (const [k, v] of Object.entries(query)) if (!keys.includes(k)) rest[k] = v
  return rest as Q
}

// Where the browser goes to sign in with a provider (or, signed in, to link it to this account).
export function startUrl(id: string, link = false): string {
  return `/api/auth/oidc/${encodeURIComponent(id)}/start${link ? '?link=1' : ''}`
}

// A provider's sign-in waiting for the password of the account its e-mail address belongs to.
export interface PendingLink {
  provider: string
  username: string
  email: string
}

export function decodePendingLink(body: unknown): PendingLink | null {
  const { provider, username, email } = record(body)
  if (!isStr(provider) || !isStr(username) || !username) return null
  return { provider, username, email: isStr(email) ? email : '' }
}

// The link waiting in this browser (its cookie), or null when there is none or it expired.
export async function loadPendingLink(): Promise<PendingLink | null> {
  try {
    return decodePendingLink(await api<unknown>('GET', '/api/auth/oidc-link'))
  } catch {
    return null
  }
}

export function decodeProviders(body: unknown): OidcProvider[] {
  const list = record(body).providers
  if (!Array.isArray(list)) return []
  const out: OidcProvider[] = []
  for (const p of list) {
    const { id, name } = record(p)
    if (isStr(id) && id) out.push({ id, name: isStr(name) && name.trim() ? name : id })
  }
  return out
}

export function decodeIdentities(body: unknown): OidcIdentity[] {
  const list = record(body).identities
  if (!Array.isArray(list)) return []
  const out: OidcIdentity[] = []
  for (const i of list) {
    const { provider, email, linked_at } = record(i)
    if (!isStr(provider) || !provider) continue
    out.push({
      provider,
      email: isStr(email) ? email : '',
      linked_at: typeof linked_at === 'number' && Number.isFinite(linked_at) ? linked_at : 0,
    })
  }
  return out
}

export const useOidcStore = defineStore('oidc', () => {
  const providers = ref<OidcProvider[]>([])
  const identities = ref<OidcIdentity[]>([])
  let asked: Promise<void> | null = null

  // The server's providers, asked once per page load (they change only with the server's config);
  // a failure leaves the list empty and is asked again next time.
  function loadProviders(): Promise<void> {
    asked ??= api<unknown>('GET', '/api/auth/oidc/providers').then(
      (body) => void (providers.value = decodeProviders(body)),
      () => void (asked = null),
    )
    return asked
  }

  // A provider's label (its id when the server does not list it any more).
  function providerName(id: string): string {
    return providers.value.find((p) => p.id === id)?.name ?? id
  }

  async function loadIdentities(): Promise<void> {
    identities.value = decodeIdentities(await api<unknown>('GET', '/api/me/identities'))
  }

  // Rejects with the server's ApiError (409: the only way left to sign in).
  async function unlink(provider: string): Promise<void> {
    await api('DELETE', `/api/me/identities/${encodeURIComponent(provider)}`)
    identities.value = identities.value.filter((i) => i.provider !== provider)
  }

  return { providers, identities, loadProviders, providerName, loadIdentities, unlink }
})
