#include "store/postgres/pg_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "store/postgres/migrations.hpp"
#include "store/postgres/pg.hpp"
#include "store/postgres/pg_rows.hpp"
#include "store/postgres/pg_store_impl.hpp"

namespace parley::store {
namespace {

using pg::Connection;
using pg::kUserColumns;
using pg::PgError;
using pg::read_user;
using pg::Transaction;

// Any number: the same on every node, so they take the same lock.
constexpr std::int64_t kMigrationLock = 0x7061726c6579;      // "parley"
constexpr std::int64_t kFirstUserLock = 0x7061726c6579 + 1;  // the first account is the admin

std::optional<std::string> lower_opt(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return lower(*s);
}

constexpr std::string_view kSessionColumns =
    "id, user_id, token_hash, user_agent, ip, created_at, last_seen, expires_at";
constexpr std::string_view kEmailTokenColumns =
    "token_hash, user_id, purpose, email, created_at, expires_at";

Session read_session(const pg::Result& r, int row) {
  return Session{r.i64(row, 0),  r.id<UserId>(row, 1), r.text(row, 2), r.text(row, 3),
                 r.text(row, 4), r.i64(row, 5),        r.i64(row, 6),  r.i64(row, 7)};
}

EmailToken read_email_token(const pg::Result& r, int row) {
  return EmailToken{r.text(row, 0), r.id<UserId>(row, 1), r.text(row, 2),
                    r.text(row, 3), r.i64(row, 4),        r.i64(row, 5)};
}

std::optional<User> user_by_id(Connection& c, UserId id) {
  auto r = c.run(fmt::format("SELECT {} FROM users WHERE id = $1", kUserColumns), id);
  if (r.rows() == 0) return std::nullopt;
  return read_user(r, 0);
}

// Whether a confirmed account other than `except` holds the address.
bool email_claimed(Connection& c, const std::optional<std::string>& email, UserId except) {
  if (!email) return false;
  return c.run("SELECT 1 FROM users WHERE email_key = $1 AND id <> $2", lower(*email), except)
             .rows() > 0;
}

core::Error email_in_use() {
  return core::make_error(core::Errc::kConflict, "That e-mail address is already in use");
}

// A uniqueness violation on users, as a message naming the field.
core::Error conflict_of(const PgError& e) {
  if (e.constraint().find("email_key") != std::string::npos) return email_in_use();
  return core::make_error(core::Errc::kConflict, "That username is taken");
}

void migrate(Connection& c) {
  Transaction tx(c);
  c.run("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
  c.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
      "NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  int have =
      static_cast<int>(c.exec("SELECT coalesce(max(version), 0) FROM schema_migrations").i64(0, 0));
  const auto& all = pg::migrations();
  int known = all.empty() ? 0 : all.back().version;
  if (have > known) {
    throw std::runtime_error(fmt::format(
        "the PostgreSQL schema is at version {}, newer than this binary knows ({}): run the "
        "newer Parley, or restore a backup",
        have, known));
  }
  for (const auto& m : all) {
    if (m.version <= have) continue;
    c.exec(m.sql);
    c.run("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name);
  }
  tx.commit();
}

}  // namespace

PgAccountStore::PgAccountStore(const std::string& conninfo, int connections)
    : pool_(std::make_unique<pg::Pool>(conninfo, std::max(1, connections))) {
  auto c = pool_->take();
  migrate(*c);
}

PgAccountStore::~PgAccountStore() = default;

int PgAccountStore::known_schema_version() {
  const auto& all = pg::migrations();
  return all.empty() ? 0 : all.back().version;
}

int PgAccountStore::schema_version() {
  auto c = pool_->take();
  return static_cast<int>(c->exec("SELECT max(version) FROM schema_migrations").i64(0, 0));
}

core::Result<User> PgAccountStore::create_user(const NewUser& u) {
  auto c = pool_->take();
  try {
    Transaction tx(*c);
    // Two first registrations at once (two nodes) must not both become admin.
    c->run("SELECT pg_advisory_xact_lock($1)", kFirstUserLock);
    const bool first =
        !u.is_guest &&
        c->exec("SELECT NOT EXISTS (SELECT 1 FROM users WHERE NOT is_guest)").boolean(0, 0);
    // A new account's address is not confirmed, so not claimed (email_key stays NULL).
    if (email_claimed(*c, u.email, UserId{})) return email_in_use();
    auto r = c->run(fmt::format("INSERT INTO users (username, username_key, email, password_hash, "
                                "display_name, is_admin, is_guest, created_at) VALUES ($1, $2, $3, "
                                "$4, $5, $6, $7, $8) RETURNING {}",
                                kUserColumns),
                    u.username, lower(u.username), u.email, u.password_hash, u.display_name, first,
                    u.is_guest, u.created_at);
    User out = read_user(r, 0);
    tx.commit();
    return out;
  } catch (const PgError& e) {
    if (e.unique_violation()) return conflict_of(e);
    throw;
  }
}

std::optional<User> PgAccountStore::find_user(UserId id) {
  auto c = pool_->take();
  return user_by_id(*c, id);
}

std::optional<User> PgAccountStore::find_user_by_name_or_email(const std::string& login) {
  auto c = pool_->take();
  auto key = lower(login);
  auto r = c->run(
      fmt::format("SELECT {} FROM users WHERE username_key = $1 OR email_key = $1", kUserColumns),
      key);
  if (r.rows() > 0) return read_user(r, 0);
  // An address nobody confirmed names an account only if exactly one account gave it.
  auto loose = c->run(
      fmt::format("SELECT {} FROM users WHERE email_key IS NULL AND lower(email) = $1 LIMIT 2",
                  kUserColumns),
      key);
  if (loose.rows() != 1) return std::nullopt;
  return read_user(loose, 0);
}

core::Result<User> PgAccountStore::update_profile(UserId id, const ProfileUpdate& p) {
  auto c = pool_->take();
  auto r = c->run(fmt::format("UPDATE users SET display_name = coalesce($2, display_name), about "
                              "= coalesce($3, about), avatar = coalesce($4, avatar) WHERE id = $1 "
                              "RETURNING {}",
                              kUserColumns),
                  id, p.display_name, p.about, p.avatar);
  if (r.rows() == 0) return core::make_error(core::Errc::kNotFound, "No such user");
  return read_user(r, 0);
}

core::Result<User> PgAccountStore::set_email(UserId id, const std::optional<std::string>& email,
                                             bool confirmed) {
  auto c = pool_->take();
  try {
    Transaction tx(*c);
    // Claimed (email_key) only when confirmed; an address another account confirmed is taken.
    if (email_claimed(*c, email, id)) {
      return confirmed ? core::make_error(core::Errc::kConflict,
                                          "Another account confirmed this e-mail address first")
                       : email_in_use();
    }
    c->run("UPDATE users SET email = $2, email_key = $3, email_confirmed = $4 WHERE id = $1", id,
           email, confirmed ? lower_opt(email) : std::nullopt, confirmed);
    // Reset links sent to another address than the new one stop working.
    c->run(
        "DELETE FROM email_tokens WHERE user_id = $1 AND purpose = 'reset' AND used_at IS NULL "
        "AND email IS DISTINCT FROM $2",
        id, email);
    tx.commit();
  } catch (const PgError& e) {
    if (e.unique_violation()) return conflict_of(e);
    throw;
  }
  auto user = user_by_id(*c, id);
  if (!user) return core::make_error(core::Errc::kNotFound, "No such user");
  return *user;
}

void PgAccountStore::set_password_hash(UserId id, const std::string& hash) {
  auto c = pool_->take();
  Transaction tx(*c);
  c->run("UPDATE users SET password_hash = $2 WHERE id = $1", id, hash);
  c->run("DELETE FROM email_tokens WHERE user_id = $1 AND purpose = 'reset' AND used_at IS NULL",
         id);
  tx.commit();
}

void PgAccountStore::set_settings(UserId id, const std::string& json) {
  auto c = pool_->take();
  c->run("UPDATE users SET settings = $2 WHERE id = $1", id, json);
}

Session PgAccountStore::create_session(const Session& in) {
  auto c = pool_->take();
  auto r = c->run(
      "INSERT INTO sessions (user_id, token_hash, user_agent, ip, created_at, last_seen, "
      "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      in.user_id, in.token_hash, in.user_agent, in.ip, in.created_at, in.last_seen, in.expires_at);
  Session out = in;
  out.id = r.i64(0, 0);
  return out;
}

std::optional<Session> PgAccountStore::find_session(const std::string& token_hash) {
  auto c = pool_->take();
  auto r = c->run(fmt::format("SELECT {} FROM sessions WHERE token_hash = $1", kSessionColumns),
                  token_hash);
  if (r.rows() == 0) return std::nullopt;
  return read_session(r, 0);
}

void PgAccountStore::touch_session(SessionId id, Millis last_seen, Millis expires_at) {
  auto c = pool_->take();
  c->run("UPDATE sessions SET last_seen = $2, expires_at = $3 WHERE id = $1", id, last_seen,
         expires_at);
}

std::vector<Session> PgAccountStore::list_sessions(UserId user) {
  auto c = pool_->take();
  auto r = c->run(
      fmt::format("SELECT {} FROM sessions WHERE user_id = $1 ORDER BY last_seen DESC, id DESC",
                  kSessionColumns),
      user);
  std::vector<Session> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_session(r, i));
  return out;
}

bool PgAccountStore::delete_session(UserId user, SessionId id) {
  auto c = pool_->take();
  return c->run("DELETE FROM sessions WHERE id = $1 AND user_id = $2", id, user).affected() > 0;
}

int PgAccountStore::delete_sessions(UserId user, SessionId keep) {
  auto c = pool_->take();
  return c->run("DELETE FROM sessions WHERE user_id = $1 AND id <> $2", user, keep).affected();
}

int PgAccountStore::delete_expired_sessions(Millis now) {
  auto c = pool_->take();
  return c->run("DELETE FROM sessions WHERE expires_at <= $1", now).affected();
}

void PgAccountStore::create_email_token(const EmailToken& t) {
  auto c = pool_->take();
  Transaction tx(*c);
  // A new link replaces the older unused ones of the same purpose.
  c->run("DELETE FROM email_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
         t.user_id, t.purpose);
  c->run(
      "INSERT INTO email_tokens (token_hash, user_id, purpose, email, created_at, expires_at) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      t.token_hash, t.user_id, t.purpose, t.email, t.created_at, t.expires_at);
  tx.commit();
}

std::optional<EmailToken> PgAccountStore::find_email_token(const std::string& token_hash,
                                                           const std::string& purpose, Millis now) {
  auto c = pool_->take();
  auto r = c->run(fmt::format("SELECT {} FROM email_tokens WHERE token_hash = $1 AND purpose = "
                              "$2 AND used_at IS NULL AND expires_at > $3",
                              kEmailTokenColumns),
                  token_hash, purpose, now);
  if (r.rows() == 0) return std::nullopt;
  return read_email_token(r, 0);
}

std::optional<EmailToken> PgAccountStore::take_email_token(const std::string& token_hash,
                                                           const std::string& purpose, Millis now) {
  auto c = pool_->take();
  auto r = c->run(fmt::format("UPDATE email_tokens SET used_at = $3 WHERE token_hash = $1 AND "
                              "purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING {}",
                              kEmailTokenColumns),
                  token_hash, purpose, now);
  if (r.rows() == 0) return std::nullopt;
  return read_email_token(r, 0);
}

PgStore::PgStore(const std::string& conninfo, int readers)
    : impl_(std::make_unique<Impl>(conninfo, readers)) {}

PgStore::~PgStore() {
  stop_chat_writer();
}

int PgStore::known_schema_version() {
  return PgAccountStore::known_schema_version();
}

int PgStore::schema_version() {
  return impl_->accounts.schema_version();
}

core::Result<User> PgStore::create_user(const NewUser& user) {
  return impl_->accounts.create_user(user);
}

std::optional<User> PgStore::find_user(UserId id) {
  return impl_->accounts.find_user(id);
}

std::optional<User> PgStore::find_user_by_name_or_email(const std::string& login) {
  return impl_->accounts.find_user_by_name_or_email(login);
}

core::Result<User> PgStore::update_profile(UserId id, const ProfileUpdate& update) {
  return impl_->accounts.update_profile(id, update);
}

core::Result<User> PgStore::set_email(UserId id, const std::optional<std::string>& email,
                                      bool confirmed) {
  return impl_->accounts.set_email(id, email, confirmed);
}

void PgStore::set_password_hash(UserId id, const std::string& hash) {
  return impl_->accounts.set_password_hash(id, hash);
}

void PgStore::set_settings(UserId id, const std::string& json) {
  return impl_->accounts.set_settings(id, json);
}

Session PgStore::create_session(const Session& session) {
  return impl_->accounts.create_session(session);
}

std::optional<Session> PgStore::find_session(const std::string& token_hash) {
  return impl_->accounts.find_session(token_hash);
}

void PgStore::touch_session(SessionId id, Millis last_seen, Millis expires_at) {
  return impl_->accounts.touch_session(id, last_seen, expires_at);
}

std::vector<Session> PgStore::list_sessions(UserId user) {
  return impl_->accounts.list_sessions(user);
}

bool PgStore::delete_session(UserId user, SessionId id) {
  return impl_->accounts.delete_session(user, id);
}

int PgStore::delete_sessions(UserId user, SessionId keep) {
  return impl_->accounts.delete_sessions(user, keep);
}

int PgStore::delete_expired_sessions(Millis now) {
  return impl_->accounts.delete_expired_sessions(now);
}

void PgStore::create_email_token(const EmailToken& token) {
  return impl_->accounts.create_email_token(token);
}

std::optional<EmailToken> PgStore::find_email_token(const std::string& token_hash,
                                                    const std::string& purpose, Millis now) {
  return impl_->accounts.find_email_token(token_hash, purpose, now);
}

std::optional<EmailToken> PgStore::take_email_token(const std::string& token_hash,
                                                    const std::string& purpose, Millis now) {
  return impl_->accounts.take_email_token(token_hash, purpose, now);
}

}  // namespace parley::store
