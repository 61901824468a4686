// A real OpenID Connect provider on loopback for the sign-in specs: the npm `oidc-provider` with
// its development login and consent pages (any login, any password), one confidential client for
// Parley (authorization code with PKCE), and a few fixed test accounts. The ID token carries the
// profile and e-mail claims itself, as Google's does, since Parley reads them from there.
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

export interface TestAccount {
  sub: string
  email: string
  name: string
  preferred_username: string
}

// The accounts the provider knows, by the login typed on its page (which is also their `sub`).
export const ACCOUNTS: Record<string, TestAccount> = {
  robin: { sub: 'robin', email: 'robin@id.test', name: 'Robin Provider', preferred_username: 'robin' },
  sam: { sub: 'sam', email: 'sam@id.test', name: 'Sam Linked', preferred_username: 'sam' },
  tess: { sub: 'tess', email: 'tess@id.test', name: 'Tess Existing', preferred_username: 'tess-id' },
}

export interface LocalProvider {
  issuer: string
  close(): Promise<void>
}

// Listens on 127.0.0.1 (a free port); `redirectUri` is Parley's callback as the browser sees it.
export async function startLocalProvider(redirectUri: string): Promise<LocalProvider> {
  const server: Server = createServer()
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'parley-client',
        client_secret: 'parley-secret',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    conformIdTokenClaims: false, // the claims in the ID token, not only at the userinfo endpoint
    features: { devInteractions: { enabled: true } },
    jwks: { keys: [{ ...key, kid: 'e2e-key', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['e2e-cookie-key'] },
    async findAccount(_ctx: unknown, id: string) {
      const account = ACCOUNTS[id]
      if (!account) return undefined
      return {
        accountId: account.sub,
        async claims() {
          return { ...account, email_verified: true }
        },
      }
    },
  })
  // A fault of the provider's own shows in the run's log (the browser only sees "oops").
  provider.on('server_error', (_ctx: unknown, err: Error) => console.error('oidc-provider:', err))
  server.on('request', provider.callback())
  return {
    issuer,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections()
        server.close(() => ok())
      }),
  }
}
