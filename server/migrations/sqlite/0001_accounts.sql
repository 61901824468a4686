-- Accounts, sessions, e-mail tokens and roaming settings.
CREATE TABLE users (
  id              INTEGER PRIMARY KEY,
  username        TEXT NOT NULL,
  username_key    TEXT NOT NULL UNIQUE,          -- lower-case: unique case-insensitively
  email           TEXT,
  email_key       TEXT UNIQUE,                   -- lower-case, NULL when none
  email_confirmed INTEGER NOT NULL DEFAULT 0,
  password_hash   TEXT NOT NULL,                 -- $argon2id$... with its parameters
  display_name    TEXT NOT NULL DEFAULT '',
  about           TEXT NOT NULL DEFAULT '',
  avatar          TEXT NOT NULL DEFAULT '',      -- file name under data/avatars, '' when none
  is_admin        INTEGER NOT NULL DEFAULT 0,
  is_guest        INTEGER NOT NULL DEFAULT 0,
  settings        TEXT NOT NULL DEFAULT '{}',    -- JSON object, validated by the server
  created_at      INTEGER NOT NULL               -- unix milliseconds
) STRICT;

CREATE TABLE sessions (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash  TEXT NOT NULL UNIQUE,              -- SHA-256 of the cookie token; never the token
  user_agent  TEXT NOT NULL DEFAULT '',
  ip          TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE email_tokens (
  token_hash  TEXT PRIMARY KEY,                  -- SHA-256 of the token in the link
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose     TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset')),
  email       TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
) STRICT;
CREATE INDEX email_tokens_user ON email_tokens(user_id, purpose);
