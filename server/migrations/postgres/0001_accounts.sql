-- Accounts, sessions and e-mail tokens: the same rules as server/migrations/sqlite (0001, and the
-- columns and indexes later SQLite migrations added), in PostgreSQL's types.
CREATE TABLE users (
  id              BIGSERIAL PRIMARY KEY,
  username        TEXT NOT NULL,
  username_key    TEXT NOT NULL UNIQUE,          -- lower-case: unique case-insensitively
  email           TEXT,
  email_key       TEXT UNIQUE,                   -- lower-case, NULL unless confirmed
  email_confirmed BOOLEAN NOT NULL DEFAULT false,
  password_hash   TEXT NOT NULL,                 -- $argon2id$...; '' for a provider-only account
  display_name    TEXT NOT NULL DEFAULT '',
  about           TEXT NOT NULL DEFAULT '',
  avatar          TEXT NOT NULL DEFAULT '',
  is_admin        BOOLEAN NOT NULL DEFAULT false,
  is_guest        BOOLEAN NOT NULL DEFAULT false,
  settings        TEXT NOT NULL DEFAULT '{}',
  created_at      BIGINT NOT NULL,               -- unix milliseconds
  deactivated     BOOLEAN NOT NULL DEFAULT false,
  last_seen       BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
  id          BIGSERIAL PRIMARY KEY,
  user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash  TEXT NOT NULL UNIQUE,              -- SHA-256 of the cookie token; never the token
  user_agent  TEXT NOT NULL DEFAULT '',
  ip          TEXT NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL,
  last_seen   BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE email_tokens (
  token_hash  TEXT PRIMARY KEY,
  user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose     TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset')),
  email       TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  used_at     BIGINT
);
CREATE INDEX email_tokens_user ON email_tokens(user_id, purpose);
