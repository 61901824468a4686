-- An e-mail address is claimed (email_key, unique) only once it is confirmed: an unconfirmed one
-- no longer keeps its real owner from registering with it. Whichever account confirms it first
-- holds it; the others are told so when they try.
UPDATE users SET email_key = NULL WHERE email_confirmed = 0;
