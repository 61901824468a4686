-- A member a room admin muted stays muted if they leave and join again before it ends.
CREATE TABLE room_mutes (
  room_id INTEGER NOT NULL REFERENCES rooms(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  until   INTEGER NOT NULL,
  PRIMARY KEY (room_id, user_id)
) STRICT, WITHOUT ROWID;
INSERT INTO room_mutes (room_id, user_id, until)
  SELECT room_id, user_id, muted_until FROM members WHERE muted_until <> 0;
