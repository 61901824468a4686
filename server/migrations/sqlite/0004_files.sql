-- Uploaded files: content-addressed blobs on disk (by the SHA-256 of what was uploaded), the
-- files people shared (a name, a room, a message), and uploads still arriving.
CREATE TABLE blobs (
  sha256      TEXT PRIMARY KEY,                  -- hex; the file is data/files/ab/<sha256>
  size        INTEGER NOT NULL,                  -- bytes served (the cleaned image for images)
  type        TEXT NOT NULL,                     -- MIME type detected from the content
  kind        TEXT NOT NULL CHECK (kind IN ('image', 'audio', 'video', 'file')),
  width       INTEGER NOT NULL DEFAULT 0,
  height      INTEGER NOT NULL DEFAULT 0,
  animated    INTEGER NOT NULL DEFAULT 0,
  thumb       INTEGER NOT NULL DEFAULT 0,        -- <sha256>.thumb exists
  preview     INTEGER NOT NULL DEFAULT 0,        -- <sha256>.preview exists
  created_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE files (
  id          INTEGER PRIMARY KEY,
  blob        TEXT NOT NULL REFERENCES blobs(sha256),
  name        TEXT NOT NULL,
  uploader    INTEGER NOT NULL REFERENCES users(id),
  room_id     INTEGER NOT NULL REFERENCES rooms(id),
  message_id  INTEGER REFERENCES messages(id),   -- null until a message holds it
  position    INTEGER NOT NULL DEFAULT 0,        -- its place among the message's files
  created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX files_by_message ON files(message_id) WHERE message_id IS NOT NULL;
CREATE INDEX files_by_blob ON files(blob);
CREATE INDEX files_by_uploader ON files(uploader);

CREATE TABLE uploads (
  id          TEXT PRIMARY KEY,                  -- random token; bytes in data/files/tmp/<id>.part
  user_id     INTEGER NOT NULL REFERENCES users(id),
  room_id     INTEGER NOT NULL REFERENCES rooms(id),
  name        TEXT NOT NULL,
  size        INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  touched_at  INTEGER NOT NULL,
  type        TEXT NOT NULL DEFAULT '',          -- the browser's type (audio or video in WebM)
  file_id     INTEGER                            -- the file it became (kept a day, so a client
                                                 -- that missed the answer can ask for it)
) STRICT, WITHOUT ROWID;
CREATE INDEX uploads_by_user ON uploads(user_id);
