-- OpenID Connect sign-in (docs/api.md "Sign-in with an OpenID provider"): accounts linked to a
-- provider's subject, and the short-lived state of sign-ins in progress. An account made by a
-- provider has no password: its password_hash is '' until one is set.
CREATE TABLE identities (
  provider   TEXT NOT NULL,
  subject    TEXT NOT NULL,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  email      TEXT NOT NULL DEFAULT '',
  linked_at  INTEGER NOT NULL,
  PRIMARY KEY (provider, subject)
) STRICT, WITHOUT ROWID;
CREATE INDEX identities_by_user ON identities(user_id);

CREATE TABLE oidc_states (
  state_hash TEXT PRIMARY KEY,           -- SHA-256 of the state sent to the provider
  provider   TEXT NOT NULL,
  nonce      TEXT NOT NULL,
  verifier   TEXT NOT NULL,              -- the PKCE code verifier
  link_user  INTEGER NOT NULL DEFAULT 0, -- linking to this signed-in account (0: signing in)
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
