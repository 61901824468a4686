-- Room moderation (docs/protocol.md "pin", "mute_member"): pinned messages, and members a room
-- admin muted until a time.
ALTER TABLE messages ADD COLUMN pinned_at INTEGER NOT NULL DEFAULT 0;  -- 0: not pinned
CREATE INDEX messages_pinned ON messages(room_id, pinned_at) WHERE pinned_at <> 0;
ALTER TABLE members ADD COLUMN muted_until INTEGER NOT NULL DEFAULT 0;  -- may not post before it
