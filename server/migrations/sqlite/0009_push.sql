-- Web Push subscriptions (docs/api.md "Web Push"): one per browser that allowed notifications.
CREATE TABLE push_subscriptions (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  endpoint   TEXT NOT NULL UNIQUE,
  p256dh     TEXT NOT NULL,             -- the browser's P-256 key, base64url
  auth       TEXT NOT NULL,             -- its auth secret, base64url
  user_agent TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX push_subscriptions_by_user ON push_subscriptions(user_id);
