-- Rooms, membership, the per-room event log, messages and what hangs off them.
ALTER TABLE users ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;

CREATE TABLE rooms (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('channel', 'private', 'direct')),
  name        TEXT NOT NULL DEFAULT '',
  name_key    TEXT NOT NULL DEFAULT '',          -- lower-case, for the directory search
  topic       TEXT NOT NULL DEFAULT '',
  created_by  INTEGER NOT NULL REFERENCES users(id),
  created_at  INTEGER NOT NULL,
  last_seq    INTEGER NOT NULL DEFAULT 0,        -- the seq of the room's latest event
  last_at     INTEGER NOT NULL DEFAULT 0,        -- when that event happened
  direct_key  TEXT UNIQUE                        -- 'low:high' user ids of a direct room
) STRICT;

CREATE TABLE members (
  room_id       INTEGER NOT NULL REFERENCES rooms(id),
  user_id       INTEGER NOT NULL REFERENCES users(id),
  role          TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
  joined_at     INTEGER NOT NULL,
  read_seq      INTEGER NOT NULL DEFAULT 0,
  delivered_seq INTEGER NOT NULL DEFAULT 0,
  notify        INTEGER NOT NULL DEFAULT 1,
  volume        INTEGER NOT NULL DEFAULT 100,
  muted         INTEGER NOT NULL DEFAULT 0,
  hidden        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (room_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX members_by_user ON members(user_id, room_id);

-- The append-only log: one row per change to a room, numbered per room. The text of a deleted
-- message is blanked here too (the order stays, the content goes).
CREATE TABLE events (
  room_id    INTEGER NOT NULL REFERENCES rooms(id),
  seq        INTEGER NOT NULL,
  kind       INTEGER NOT NULL,                   -- chat::EventKind
  user_id    INTEGER NOT NULL REFERENCES users(id),
  at         INTEGER NOT NULL,
  message_id INTEGER NOT NULL DEFAULT 0,
  text       TEXT NOT NULL DEFAULT '',           -- message text, emoji, new name
  ref        INTEGER NOT NULL DEFAULT 0,         -- reply_to, or the target user
  flag       INTEGER NOT NULL DEFAULT 0,         -- reaction on/off
  extra      TEXT NOT NULL DEFAULT '',           -- mentions 'id,id', topic, room kind
  PRIMARY KEY (room_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX events_by_message ON events(message_id) WHERE message_id <> 0;

CREATE TABLE messages (
  id          INTEGER PRIMARY KEY,
  room_id     INTEGER NOT NULL REFERENCES rooms(id),
  seq         INTEGER NOT NULL,                  -- the event that posted it
  author      INTEGER NOT NULL REFERENCES users(id),
  text        TEXT NOT NULL,
  reply_to    INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  edited_at   INTEGER NOT NULL DEFAULT 0,
  deleted     INTEGER NOT NULL DEFAULT 0,
  replies     INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX messages_by_seq ON messages(room_id, seq);
CREATE INDEX messages_by_parent ON messages(reply_to, seq) WHERE reply_to <> 0;

CREATE TABLE message_edits (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  at         INTEGER NOT NULL,
  text       TEXT NOT NULL                       -- the text before this edit
) STRICT;
CREATE INDEX message_edits_by_message ON message_edits(message_id);

CREATE TABLE mentions (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  user_id    INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY (user_id, message_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE reactions (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  user_id    INTEGER NOT NULL REFERENCES users(id),
  emoji      TEXT NOT NULL,
  at         INTEGER NOT NULL,
  PRIMARY KEY (message_id, user_id, emoji)
) STRICT, WITHOUT ROWID;

-- Client command ids: a resend with the same (user, cid) gets the stored outcome, not a duplicate.
CREATE TABLE client_commands (
  user_id    INTEGER NOT NULL REFERENCES users(id),
  cid        TEXT NOT NULL,
  room_id    INTEGER NOT NULL DEFAULT 0,
  seq        INTEGER NOT NULL DEFAULT 0,
  message_id INTEGER NOT NULL DEFAULT 0,
  at         INTEGER NOT NULL,
  PRIMARY KEY (user_id, cid)
) STRICT, WITHOUT ROWID;
