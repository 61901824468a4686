-- Each room's number of members, kept by a trigger. Counting it on every connect cost about 250 µs
-- in a room of 10,000 (every account is in #general), so a reconnect storm of 10,000 sockets spent
-- 2.5 s of CPU counting the same room.
ALTER TABLE rooms ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;
UPDATE rooms r SET member_count = (SELECT count(*) FROM members m WHERE m.room_id = r.id);
CREATE FUNCTION members_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE rooms SET member_count = member_count + 1 WHERE id = NEW.room_id;
  ELSE
    UPDATE rooms SET member_count = member_count - 1 WHERE id = OLD.room_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER members_count AFTER INSERT OR DELETE ON members
  FOR EACH ROW EXECUTE FUNCTION members_count();
