-- A push subscription belongs to the sign-in that made it: signing out on that device (or being
-- signed out from elsewhere) ends its notifications with the session. Rows made before this have
-- no session and stay until removed in Settings.
ALTER TABLE push_subscriptions ADD COLUMN session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE;
CREATE INDEX push_subscriptions_by_session ON push_subscriptions(session_id);

-- A provider's sign-in whose verified e-mail address belongs to an existing account: it is linked
-- once that account's password is given (docs/api.md "Sign-in with an OpenID provider").
CREATE TABLE oidc_links (
  token_hash TEXT PRIMARY KEY,           -- SHA-256 of the token in the browser's cookie
  provider   TEXT NOT NULL,
  subject    TEXT NOT NULL,
  email      TEXT NOT NULL,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
