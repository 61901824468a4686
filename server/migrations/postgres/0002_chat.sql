-- Chat: rooms, membership, the per-room event log, messages and what hangs off them, groups, and
-- full-text search. The same rules as server/migrations/sqlite 0002-0012, in PostgreSQL's types.
-- Flags the chat code reads as 0/1 stay SMALLINT/INTEGER (as in SQLite), so the queries read the same.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE groups (
  id         BIGSERIAL PRIMARY KEY,
  name       TEXT NOT NULL,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL
);

CREATE TABLE group_members (
  group_id  BIGINT NOT NULL REFERENCES groups(id),
  user_id   BIGINT NOT NULL REFERENCES users(id),
  role      TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
  joined_at BIGINT NOT NULL,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members(user_id, group_id);

CREATE TABLE rooms (
  id          BIGSERIAL PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('channel', 'private', 'direct')),
  name        TEXT NOT NULL DEFAULT '',
  name_key    TEXT NOT NULL DEFAULT '',          -- lower-case, for the directory search
  topic       TEXT NOT NULL DEFAULT '',
  created_by  BIGINT NOT NULL REFERENCES users(id),
  created_at  BIGINT NOT NULL,
  last_seq    BIGINT NOT NULL DEFAULT 0,         -- the seq of the room's latest event: taken by
                                                 -- UPDATE ... RETURNING, so writers on several
                                                 -- nodes number a room's events one at a time
  last_at     BIGINT NOT NULL DEFAULT 0,         -- when that event happened
  direct_key  TEXT UNIQUE,                       -- 'low:high' user ids of a direct room
  group_id    BIGINT NOT NULL DEFAULT 0,         -- 0: in no group
  deleted     SMALLINT NOT NULL DEFAULT 0        -- an admin deleted it
);
CREATE INDEX rooms_by_group ON rooms(group_id) WHERE group_id <> 0;
CREATE INDEX rooms_by_name_key ON rooms USING gin (name_key gin_trgm_ops);

CREATE TABLE members (
  room_id       BIGINT NOT NULL REFERENCES rooms(id),
  user_id       BIGINT NOT NULL REFERENCES users(id),
  role          TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
  joined_at     BIGINT NOT NULL,
  read_seq      BIGINT NOT NULL DEFAULT 0,
  delivered_seq BIGINT NOT NULL DEFAULT 0,
  notify        SMALLINT NOT NULL DEFAULT 1,
  volume        INTEGER NOT NULL DEFAULT 100,
  muted         SMALLINT NOT NULL DEFAULT 0,
  hidden        SMALLINT NOT NULL DEFAULT 0,
  muted_until   BIGINT NOT NULL DEFAULT 0,         -- may not post before it
  PRIMARY KEY (room_id, user_id)
);
CREATE INDEX members_by_user ON members(user_id, room_id);

-- A member a room admin muted stays muted if they leave and join again before it ends.
CREATE TABLE room_mutes (
  room_id BIGINT NOT NULL REFERENCES rooms(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  until   BIGINT NOT NULL,
  PRIMARY KEY (room_id, user_id)
);

-- The append-only log: one row per change to a room, numbered per room. The text of a deleted
-- message is blanked here too (the order stays, the content goes).
CREATE TABLE events (
  room_id    BIGINT NOT NULL REFERENCES rooms(id),
  seq        BIGINT NOT NULL,
  kind       INTEGER NOT NULL,                   -- chat::EventKind
  user_id    BIGINT NOT NULL REFERENCES users(id),
  at         BIGINT NOT NULL,
  message_id BIGINT NOT NULL DEFAULT 0,
  text       TEXT NOT NULL DEFAULT '',           -- message text, emoji, new name
  ref        BIGINT NOT NULL DEFAULT 0,          -- reply_to, or the target user
  flag       INTEGER NOT NULL DEFAULT 0,         -- reaction on/off
  extra      TEXT NOT NULL DEFAULT '',           -- mentions 'id,id', topic, room kind
  PRIMARY KEY (room_id, seq)
);
CREATE INDEX events_by_message ON events(message_id) WHERE message_id <> 0;

CREATE TABLE messages (
  id          BIGSERIAL PRIMARY KEY,
  room_id     BIGINT NOT NULL REFERENCES rooms(id),
  seq         BIGINT NOT NULL,                   -- the event that posted it
  author      BIGINT NOT NULL REFERENCES users(id),
  text        TEXT NOT NULL,
  reply_to    BIGINT NOT NULL DEFAULT 0,
  created_at  BIGINT NOT NULL,
  edited_at   BIGINT NOT NULL DEFAULT 0,
  deleted     SMALLINT NOT NULL DEFAULT 0,
  replies     INTEGER NOT NULL DEFAULT 0,
  pinned_at   BIGINT NOT NULL DEFAULT 0          -- 0: not pinned
);
CREATE UNIQUE INDEX messages_by_seq ON messages(room_id, seq);
CREATE INDEX messages_by_parent ON messages(reply_to, seq) WHERE reply_to <> 0;
CREATE INDEX messages_by_time ON messages(created_at);
CREATE INDEX messages_pinned ON messages(room_id, pinned_at) WHERE pinned_at <> 0;
-- Search (docs/protocol.md "search"): trigrams for terms of three or more characters (found
-- anywhere in the text, any script, any case: ILIKE uses this index); words for shorter terms
-- (the start of a word, through to_tsvector('simple', ...)).
CREATE INDEX messages_trgm ON messages USING gin (text gin_trgm_ops);
CREATE INDEX messages_words ON messages USING gin (to_tsvector('simple', text));

CREATE TABLE message_edits (
  id         BIGSERIAL PRIMARY KEY,              -- their order, for edits in the same millisecond
  message_id BIGINT NOT NULL REFERENCES messages(id),
  at         BIGINT NOT NULL,
  text       TEXT NOT NULL                       -- the text before this edit
);
CREATE INDEX message_edits_by_message ON message_edits(message_id);

CREATE TABLE mentions (
  message_id BIGINT NOT NULL REFERENCES messages(id),
  user_id    BIGINT NOT NULL REFERENCES users(id),
  PRIMARY KEY (user_id, message_id)
);

CREATE TABLE reactions (
  message_id BIGINT NOT NULL REFERENCES messages(id),
  user_id    BIGINT NOT NULL REFERENCES users(id),
  emoji      TEXT NOT NULL,
  at         BIGINT NOT NULL,
  PRIMARY KEY (message_id, user_id, emoji)
);

-- Client command ids: a resend with the same (user, cid) gets the stored outcome, not a duplicate,
-- whichever node it reaches.
CREATE TABLE client_commands (
  user_id    BIGINT NOT NULL REFERENCES users(id),
  cid        TEXT NOT NULL,
  room_id    BIGINT NOT NULL DEFAULT 0,
  seq        BIGINT NOT NULL DEFAULT 0,
  message_id BIGINT NOT NULL DEFAULT 0,
  at         BIGINT NOT NULL,
  group_id   BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, cid)
);
