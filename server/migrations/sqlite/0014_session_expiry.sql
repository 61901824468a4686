-- Expired sessions are deleted now and then (with the push subscriptions they made): by expiry.
CREATE INDEX sessions_expiry ON sessions(expires_at);
