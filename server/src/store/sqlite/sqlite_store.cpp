// SqliteStore: schema migration on open, one writer connection and a small pool of readers (WAL
// lets readers run beside the writer).
#include "store/sqlite/sqlite_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/store_impl.hpp"

namespace parley::store {
namespace {

using sqlite::Connection;
using sqlite::DbError;
using sqlite::Stmt;
using sqlite::Transaction;

std::optional<std::string> lower_opt(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return lower(std::string_view(*s));
}

constexpr std::string_view kSessionColumns =
    "id, user_id, token_hash, user_agent, ip, created_at, last_seen, expires_at";

constexpr std::string_view kEmailTokenColumns =
    "token_hash, user_id, purpose, email, created_at, expires_at";

EmailToken read_email_token(const Stmt& s) {
  return EmailToken{s.text(0), s.id<UserId>(1), s.text(2), s.text(3), s.i64(4), s.i64(5)};
}

Session read_session(const Stmt& s) {
  return Session{s.i64(0),  s.id<UserId>(1), s.text(2), s.text(3),
                 s.text(4), s.i64(5),        s.i64(6),  s.i64(7)};
}

std::optional<User> user_where(Connection& c, std::string_view where, auto&& binder) {
  Stmt s(c, fmt::format("SELECT {} FROM users WHERE {}", kUserColumns, where));
  binder(s);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

// Whether a confirmed account other than `except` holds the address.
bool email_claimed(Connection& c, const std::optional<std::string>& email, UserId except) {
  if (!email) return false;
  Stmt s(c, "SELECT 1 FROM users WHERE email_key = ?1 AND id != ?2");
  s.bind(1, lower(std::string_view(*email))).bind(2, except);
  return s.step();
}

core::Error email_in_use() {
  return core::make_error(core::Errc::kConflict, "That e-mail address is already in use");
}

// Maps a uniqueness violation on users to a message naming the field.
core::Error conflict_of(const DbError& e) {
  std::string what = e.what();
  if (what.find("email_key") != std::string::npos) {
    return core::make_error(core::Errc::kConflict, "That e-mail address is already in use");
  }
  return core::make_error(core::Errc::kConflict, "That username is taken");
}

}  // namespace

SqliteStore::SqliteStore(const std::filesystem::path& file, int readers)
    : impl_(std::make_unique<Impl>(file.string(), std::max(1, readers))) {}

SqliteStore::~SqliteStore() = default;

int SqliteStore::known_schema_version() {
  const auto& all = sqlite::migrations();
  return all.empty() ? 0 : all.back().version;
}

int SqliteStore::schema_version() {
  return impl_->write([&](Connection&) { return impl_->version(); });
}

core::Result<User> SqliteStore::create_user(const NewUser& u) {
  return impl_->write([&](Connection& c) -> core::Result<User> {
    try {
      Transaction tx(c);
      Stmt count(c, "SELECT NOT EXISTS (SELECT 1 FROM users WHERE is_guest = 0)");
      count.step();
      const bool first = count.i64(0) != 0 && !u.is_guest;
      // A new account's address is not confirmed, so not claimed (email_key stays NULL) unless
      // another account confirmed it already.
      if (email_claimed(c, u.email, UserId{})) return email_in_use();
      Stmt ins(c,
               "INSERT INTO users (username, username_key, email, email_key, password_hash, "
               "display_name, "
               "is_admin, is_guest, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
      ins.bind(1, u.username)
          .bind(2, lower(u.username))
          .bind(3, u.email)
          .bind(4, std::optional<std::string>())
          .bind(5, u.password_hash)
          .bind(6, u.display_name)
          .bind(7, std::int64_t{first})
          .bind(8, std::int64_t{u.is_guest})
          .bind(9, u.created_at);
      ins.run();
      UserId id = UserId{c.last_insert_id()};
      auto user = user_where(c, "id = ?1", [&](Stmt& s) { s.bind(1, id); });
      tx.commit();
      return *user;
    } catch (const DbError& e) {
      if (e.constraint()) return conflict_of(e);
      throw;
    }
  });
}

std::optional<User> SqliteStore::find_user(UserId id) {
  return impl_->read(
      [&](Connection& c) { return user_where(c, "id = ?1", [&](Stmt& s) { s.bind(1, id); }); });
}

std::optional<User> SqliteStore::find_user_by_name_or_email(const std::string& login) {
  auto key = lower(login);
  return impl_->read([&](Connection& c) -> std::optional<User> {
    auto found =
        user_where(c, "username_key = ?1 OR email_key = ?1", [&](Stmt& s) { s.bind(1, key); });
    if (found) return found;
    // An address nobody confirmed names an account only if exactly one account gave it.
    Stmt s(c, "SELECT " + std::string(kUserColumns) +
                  " FROM users WHERE email_key IS NULL AND lower(email) = ?1 LIMIT 2");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    User u = read_user(s);
    if (s.step()) return std::nullopt;
    return u;
  });
}

core::Result<User> SqliteStore::update_profile(UserId id, const ProfileUpdate& p) {
  return impl_->write([&](Connection& c) -> core::Result<User> {
    Stmt s(
        c,
        "UPDATE users SET display_name = coalesce(?2, display_name), about = coalesce(?3, about), "
        "avatar = coalesce(?4, avatar) WHERE id = ?1");
    s.bind(1, id).bind(2, p.display_name).bind(3, p.about).bind(4, p.avatar).run();
    auto user = user_where(c, "id = ?1", [&](Stmt& st) { st.bind(1, id); });
    if (!user) return core::make_error(core::Errc::kNotFound, "No such user");
    return *user;
  });
}

core::Result<User> SqliteStore::set_email(UserId id, const std::optional<std::string>& email,
                                          bool confirmed) {
  return impl_->write([&](Connection& c) -> core::Result<User> {
    try {
      Transaction tx(c);
      // Claimed (email_key) only when confirmed; an address another account confirmed is taken.
      if (email_claimed(c, email, id)) {
        return confirmed ? core::make_error(core::Errc::kConflict,
                                            "Another account confirmed this e-mail address first")
                         : email_in_use();
      }
      Stmt s(c, "UPDATE users SET email = ?2, email_key = ?3, email_confirmed = ?4 WHERE id = ?1");
      s.bind(1, id)
          .bind(2, email)
          .bind(3, confirmed ? lower_opt(email) : std::nullopt)
          .bind(4, std::int64_t{confirmed})
          .run();
      // Reset links sent to another address than the new one stop working.
      Stmt(c,
           "DELETE FROM email_tokens WHERE user_id = ?1 AND purpose = 'reset' AND used_at IS NULL "
           "AND email IS NOT ?2")
          .bind(1, id)
          .bind(2, email)
          .run();
      tx.commit();
    } catch (const DbError& e) {
      if (e.constraint()) return conflict_of(e);
      throw;
    }
    auto user = user_where(c, "id = ?1", [&](Stmt& st) { st.bind(1, id); });
    if (!user) return core::make_error(core::Errc::kNotFound, "No such user");
    return *user;
  });
}

void SqliteStore::set_password_hash(UserId id, const std::string& hash) {
  impl_->write([&](Connection& c) {
    Transaction tx(c);
    Stmt(c, "UPDATE users SET password_hash = ?2 WHERE id = ?1").bind(1, id).bind(2, hash).run();
    Stmt(c, "DELETE FROM email_tokens WHERE user_id = ?1 AND purpose = 'reset' AND used_at IS NULL")
        .bind(1, id)
        .run();
    tx.commit();
  });
}

void SqliteStore::set_settings(UserId id, const std::string& json) {
  impl_->write([&](Connection& c) {
    Stmt(c, "UPDATE users SET settings = ?2 WHERE id = ?1").bind(1, id).bind(2, json).run();
  });
}

Session SqliteStore::create_session(const Session& in) {
  return impl_->write([&](Connection& c) {
    Stmt s(c,
           "INSERT INTO sessions (user_id, token_hash, user_agent, ip, created_at, last_seen, "
           "expires_at) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    s.bind(1, in.user_id)
        .bind(2, in.token_hash)
        .bind(3, in.user_agent)
        .bind(4, in.ip)
        .bind(5, in.created_at)
        .bind(6, in.last_seen)
        .bind(7, in.expires_at)
        .run();
    Session out = in;
    out.id = c.last_insert_id();
    return out;
  });
}

std::optional<Session> SqliteStore::find_session(const std::string& token_hash) {
  return impl_->read([&](Connection& c) -> std::optional<Session> {
    Stmt s(c, fmt::format("SELECT {} FROM sessions WHERE token_hash = ?1", kSessionColumns));
    s.bind(1, token_hash);
    if (!s.step()) return std::nullopt;
    return read_session(s);
  });
}

void SqliteStore::touch_session(SessionId id, Millis last_seen, Millis expires_at) {
  impl_->write([&](Connection& c) {
    Stmt(c, "UPDATE sessions SET last_seen = ?2, expires_at = ?3 WHERE id = ?1")
        .bind(1, id)
        .bind(2, last_seen)
        .bind(3, expires_at)
        .run();
  });
}

std::vector<Session> SqliteStore::list_sessions(UserId user) {
  return impl_->read([&](Connection& c) {
    std::vector<Session> out;
    Stmt s(c, fmt::format("SELECT {} FROM sessions WHERE user_id = ?1 ORDER BY last_seen DESC",
                          kSessionColumns));
    s.bind(1, user);
    while (s.step()) out.push_back(read_session(s));
    return out;
  });
}

bool SqliteStore::delete_session(UserId user, SessionId id) {
  return impl_->write([&](Connection& c) {
    Stmt(c, "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2").bind(1, id).bind(2, user).run();
    return c.changes() > 0;
  });
}

int SqliteStore::delete_sessions(UserId user, SessionId keep) {
  return impl_->write([&](Connection& c) {
    Stmt(c, "DELETE FROM sessions WHERE user_id = ?1 AND id != ?2")
        .bind(1, user)
        .bind(2, keep)
        .run();
    return c.changes();
  });
}

int SqliteStore::delete_expired_sessions(Millis now) {
  return impl_->write([&](Connection& c) {
    Stmt(c, "DELETE FROM sessions WHERE expires_at <= ?1").bind(1, now).run();
    return c.changes();
  });
}

void SqliteStore::create_email_token(const EmailToken& t) {
  impl_->write([&](Connection& c) {
    Transaction tx(c);
    // A new link replaces the older unused ones of the same purpose.
    Stmt(c, "DELETE FROM email_tokens WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL")
        .bind(1, t.user_id)
        .bind(2, t.purpose)
        .run();
    Stmt(c,
         "INSERT INTO email_tokens (token_hash, user_id, purpose, email, created_at, expires_at) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, t.token_hash)
        .bind(2, t.user_id)
        .bind(3, t.purpose)
        .bind(4, t.email)
        .bind(5, t.created_at)
        .bind(6, t.expires_at)
        .run();
    tx.commit();
  });
}

std::optional<EmailToken> SqliteStore::find_email_token(const std::string& token_hash,
                                                        const std::string& purpose, Millis now) {
  return impl_->read([&](Connection& c) -> std::optional<EmailToken> {
    Stmt s(c, fmt::format("SELECT {} FROM email_tokens WHERE token_hash = ?1 AND purpose = ?2 AND "
                          "used_at IS NULL AND expires_at > ?3",
                          kEmailTokenColumns));
    s.bind(1, token_hash).bind(2, purpose).bind(3, now);
    if (!s.step()) return std::nullopt;
    return read_email_token(s);
  });
}

std::optional<EmailToken> SqliteStore::take_email_token(const std::string& token_hash,
                                                        const std::string& purpose, Millis now) {
  return impl_->write([&](Connection& c) -> std::optional<EmailToken> {
    Stmt s(c, fmt::format(
                  "UPDATE email_tokens SET used_at = ?3 WHERE token_hash = ?1 AND purpose = ?2 "
                  "AND used_at IS NULL AND expires_at > ?3 RETURNING {}",
                  kEmailTokenColumns));
    s.bind(1, token_hash).bind(2, purpose).bind(3, now);
    if (!s.step()) return std::nullopt;
    EmailToken t = read_email_token(s);
    s.run();
    return t;
  });
}

}  // namespace parley::store
