-- Files, administration, Web Push and OpenID Connect: the same rules as server/migrations/sqlite
-- 0004, 0007, 0009, 0010 and 0013, in PostgreSQL's types.

-- Uploaded files: content-addressed blobs on disk (by the SHA-256 of what was uploaded; on a
-- cluster the files directory is shared by every node), the files people shared, and uploads
-- still arriving.
CREATE TABLE blobs (
  sha256      TEXT PRIMARY KEY,                  -- hex; the file is data/files/ab/<sha256>
  size        BIGINT NOT NULL,                   -- bytes served (the cleaned image for images)
  type        TEXT NOT NULL,                     -- MIME type detected from the content
  kind        TEXT NOT NULL CHECK (kind IN ('image', 'audio', 'video', 'file')),
  width       INTEGER NOT NULL DEFAULT 0,
  height      INTEGER NOT NULL DEFAULT 0,
  animated    SMALLINT NOT NULL DEFAULT 0,
  thumb       SMALLINT NOT NULL DEFAULT 0,       -- <sha256>.thumb exists
  preview     SMALLINT NOT NULL DEFAULT 0,       -- <sha256>.preview exists
  created_at  BIGINT NOT NULL
);

CREATE TABLE files (
  id          BIGSERIAL PRIMARY KEY,
  blob        TEXT NOT NULL REFERENCES blobs(sha256),
  name        TEXT NOT NULL,
  uploader    BIGINT NOT NULL REFERENCES users(id),
  room_id     BIGINT NOT NULL REFERENCES rooms(id),
  message_id  BIGINT REFERENCES messages(id),    -- null until a message holds it
  position    INTEGER NOT NULL DEFAULT 0,        -- its place among the message's files
  created_at  BIGINT NOT NULL
);
CREATE INDEX files_by_message ON files(message_id) WHERE message_id IS NOT NULL;
CREATE INDEX files_by_blob ON files(blob);
CREATE INDEX files_by_uploader ON files(uploader);

CREATE TABLE uploads (
  id          TEXT PRIMARY KEY,                  -- random token; bytes in data/files/tmp/<id>.part
  user_id     BIGINT NOT NULL REFERENCES users(id),
  room_id     BIGINT NOT NULL REFERENCES rooms(id),
  name        TEXT NOT NULL,
  size        BIGINT NOT NULL,
  created_at  BIGINT NOT NULL,
  touched_at  BIGINT NOT NULL,
  type        TEXT NOT NULL DEFAULT '',          -- the browser's type (audio or video in WebM)
  file_id     BIGINT                             -- the file it became (kept a day)
);
CREATE INDEX uploads_by_user ON uploads(user_id);

-- Settings an admin changes at run time (registration mode, the current notice).
CREATE TABLE server_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Invitation links: the code is the link's secret (shown again to its creator and admins).
CREATE TABLE invites (
  code       TEXT PRIMARY KEY,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  max_uses   INTEGER NOT NULL,
  uses       INTEGER NOT NULL DEFAULT 0,
  rooms      TEXT NOT NULL DEFAULT '',   -- room ids 'id,id' the new account joins
  email      TEXT,                       -- where it was mailed, if it was
  revoked    SMALLINT NOT NULL DEFAULT 0
);
CREATE INDEX invites_by_creator ON invites(created_by);

CREATE TABLE reports (
  id          BIGSERIAL PRIMARY KEY,
  message_id  BIGINT NOT NULL REFERENCES messages(id),
  reporter    BIGINT NOT NULL REFERENCES users(id),
  reason      TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  resolved_at BIGINT NOT NULL DEFAULT 0,
  resolved_by BIGINT NOT NULL DEFAULT 0,
  UNIQUE (message_id, reporter)
);
CREATE INDEX reports_open ON reports(resolved_at, id);

-- Web Push subscriptions: one per browser that allowed notifications, ending with its sign-in.
CREATE TABLE push_subscriptions (
  id         BIGSERIAL PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users(id),
  endpoint   TEXT NOT NULL UNIQUE,
  p256dh     TEXT NOT NULL,             -- the browser's P-256 key, base64url
  auth       TEXT NOT NULL,             -- its auth secret, base64url
  user_agent TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  session_id BIGINT REFERENCES sessions(id) ON DELETE CASCADE
);
CREATE INDEX push_subscriptions_by_user ON push_subscriptions(user_id);
CREATE INDEX push_subscriptions_by_session ON push_subscriptions(session_id);

-- OpenID Connect sign-in: accounts linked to a provider's subject, the short-lived state of
-- sign-ins in progress, and sign-ins waiting for an existing account's password to be linked.
CREATE TABLE identities (
  provider   TEXT NOT NULL,
  subject    TEXT NOT NULL,
  user_id    BIGINT NOT NULL REFERENCES users(id),
  email      TEXT NOT NULL DEFAULT '',
  linked_at  BIGINT NOT NULL,
  PRIMARY KEY (provider, subject)
);
CREATE INDEX identities_by_user ON identities(user_id);

CREATE TABLE oidc_states (
  state_hash TEXT PRIMARY KEY,           -- SHA-256 of the state sent to the provider
  provider   TEXT NOT NULL,
  nonce      TEXT NOT NULL,
  verifier   TEXT NOT NULL,              -- the PKCE code verifier
  link_user  BIGINT NOT NULL DEFAULT 0,  -- linking to this signed-in account (0: signing in)
  created_at BIGINT NOT NULL
);

CREATE TABLE oidc_links (
  token_hash TEXT PRIMARY KEY,           -- SHA-256 of the token in the browser's cookie
  provider   TEXT NOT NULL,
  subject    TEXT NOT NULL,
  email      TEXT NOT NULL,
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL
);
