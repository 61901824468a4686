-- Each room's number of members, kept by triggers. Counting it on every connect cost about 250 µs
-- in a room of 10,000 (every account is in #general), so a reconnect storm of 10,000 sockets spent
-- 2.5 s of CPU counting the same room.
ALTER TABLE rooms ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE rooms SET member_count = (SELECT count(*) FROM members m WHERE m.room_id = rooms.id);
CREATE TRIGGER members_count_insert AFTER INSERT ON members BEGIN
  UPDATE rooms SET member_count = member_count + 1 WHERE id = new.room_id;
END;
CREATE TRIGGER members_count_delete AFTER DELETE ON members BEGIN
  UPDATE rooms SET member_count = member_count - 1 WHERE id = old.room_id;
END;
