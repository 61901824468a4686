-- Groups: a named set of rooms with its own admins and members (a team). Its channels are seen and
-- joined by its members only.
CREATE TABLE groups (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE group_members (
  group_id  INTEGER NOT NULL REFERENCES groups(id),
  user_id   INTEGER NOT NULL REFERENCES users(id),
  role      TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_members_by_user ON group_members(user_id, group_id);

ALTER TABLE rooms ADD COLUMN group_id INTEGER NOT NULL DEFAULT 0;  -- 0: in no group
CREATE INDEX rooms_by_group ON rooms(group_id) WHERE group_id <> 0;
ALTER TABLE client_commands ADD COLUMN group_id INTEGER NOT NULL DEFAULT 0;
