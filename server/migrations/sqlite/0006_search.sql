-- Full-text search over messages (docs/protocol.md "search"): two FTS5 indexes of messages.text,
-- kept by triggers in the same transaction as every post, edit and deletion (a deleted message's
-- text is blanked, so it leaves both indexes).
--   message_words: words (unicode61, diacritics folded) for terms of one or two characters, which
--     match the start of a word;
--   message_grams: trigrams, for terms of three or more characters, which match anywhere inside
--     the text, case-insensitively: Chinese, Japanese and Korean have no spaces between words.
-- Both are external-content tables: they hold the index only, the text stays in messages.
CREATE VIRTUAL TABLE message_words USING fts5(
  text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE message_grams USING fts5(
  text, content = 'messages', content_rowid = 'id', tokenize = 'trigram');

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
  INSERT INTO message_words (rowid, text) VALUES (new.id, new.text);
  INSERT INTO message_grams (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF text ON messages BEGIN
  INSERT INTO message_words (message_words, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO message_grams (message_grams, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO message_words (rowid, text) VALUES (new.id, new.text);
  INSERT INTO message_grams (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
  INSERT INTO message_words (message_words, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO message_grams (message_grams, rowid, text) VALUES ('delete', old.id, old.text);
END;

-- Messages already there (deleted ones have no text left).
INSERT INTO message_words (message_words) VALUES ('rebuild');
INSERT INTO message_grams (message_grams) VALUES ('rebuild');

-- A date range becomes a range of message ids (ids grow with time), so the index walk starts and
-- stops where the dates do.
CREATE INDEX messages_by_time ON messages(created_at);
