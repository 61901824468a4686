-- Administration (docs/api.md "Registration, invitations, reports and administration"): accounts
-- an admin deactivated, server-wide settings, invitations and reports of messages.
ALTER TABLE users ADD COLUMN deactivated INTEGER NOT NULL DEFAULT 0;

-- Settings an admin changes at run time (registration mode, the current notice).
CREATE TABLE server_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Invitation links: the code is the link's secret (shown again to its creator and admins).
CREATE TABLE invites (
  code       TEXT PRIMARY KEY,
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  max_uses   INTEGER NOT NULL,
  uses       INTEGER NOT NULL DEFAULT 0,
  rooms      TEXT NOT NULL DEFAULT '',   -- room ids 'id,id' the new account joins
  email      TEXT,                       -- where it was mailed, if it was
  revoked    INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
CREATE INDEX invites_by_creator ON invites(created_by);

CREATE TABLE reports (
  id          INTEGER PRIMARY KEY,
  message_id  INTEGER NOT NULL REFERENCES messages(id),
  reporter    INTEGER NOT NULL REFERENCES users(id),
  reason      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  resolved_at INTEGER NOT NULL DEFAULT 0,
  resolved_by INTEGER NOT NULL DEFAULT 0,
  UNIQUE (message_id, reporter)
) STRICT;
CREATE INDEX reports_open ON reports(resolved_at, id);
