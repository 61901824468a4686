-- Rooms an admin deleted: no members any more, and gone from every list, search and join.
ALTER TABLE rooms ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
