// The PostgreSQL store's administration, Web Push and OpenID Connect: the same rules as SQLite's
// (sqlite/admin_store.cpp), kept by single statements or locks where several nodes write at once.
#include <fmt/format.h>

#include "store/postgres/pg.hpp"
#include "store/postgres/pg_rows.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/pg_store_impl.hpp"

namespace parley::store {
namespace {

using pg::Connection;
using pg::PgError;
using pg::Transaction;

// Taken by every change of the admin and deactivated flags, so two nodes demoting the last two
// admins at once cannot both see the other still active. (pg_store.cpp's locks are ...79 and
// ...7a.)
constexpr std::int64_t kAdminFlagsLock = 0x7061726c6579 + 2;

constexpr std::string_view kInviteColumns =
    "code, created_by, created_at, expires_at, max_uses, uses, rooms, email";

Invite read_invite(const pg::Result& r, int row) {
  return Invite{r.text(row, 0),
                r.id<UserId>(row, 1),
                r.i64(row, 2),
                r.i64(row, 3),
                static_cast<int>(r.i64(row, 4)),
                static_cast<int>(r.i64(row, 5)),
                split_ids<RoomId>(r.text(row, 6)),
                r.opt_text(row, 7)};
}

// `$2`: now. An invitation's creator deactivated takes their links with them.
constexpr std::string_view kUsable =
    "revoked = 0 AND uses < max_uses AND expires_at > $2 AND created_by NOT IN (SELECT id FROM "
    "users WHERE deactivated)";

// A report with its message, room and people; `r` reports, `m` messages, `o` rooms, `a` author,
// `p` reporter.
constexpr std::string_view kReportQuery = R"(
  SELECT r.id, r.message_id, m.room_id, o.name, a.id, a.username, a.display_name, m.text,
    m.created_at, m.deleted, p.id, p.username, p.display_name, r.reason, r.created_at,
    r.resolved_at, r.resolved_by
  FROM reports r JOIN messages m ON m.id = r.message_id JOIN rooms o ON o.id = m.room_id
    JOIN users a ON a.id = m.author JOIN users p ON p.id = r.reporter)";

Report read_report(const pg::Result& r, int row) {
  return Report{r.i64(row, 0),
                r.id<MessageId>(row, 1),
                r.id<RoomId>(row, 2),
                r.text(row, 3),
                pg::read_brief(r, row, 4),
                r.text(row, 7),
                r.i64(row, 8),
                r.i64(row, 9) != 0,
                pg::read_brief(r, row, 10),
                r.text(row, 13),
                r.i64(row, 14),
                r.i64(row, 15),
                r.id<UserId>(row, 16)};
}

std::optional<Report> report_of(Connection& c, std::int64_t id) {
  auto r = c.run(std::string(kReportQuery) + " WHERE r.id = $1", id);
  if (r.rows() == 0) return std::nullopt;
  return read_report(r, 0);
}

// The admins (at most 10, by username) of each room or group in `ids`, in `members_table`.
template <class T, class Id>
void add_admins(Connection& c, std::vector<T>& out, std::string_view members_table,
                std::string_view key, Id id_of) {
  for (auto& item : out) {
    auto r = c.run(fmt::format("SELECT u.id, u.username, u.display_name FROM {} m JOIN users u ON "
                               "u.id = m.user_id WHERE m.{} = $1 AND m.role = 'admin' ORDER BY "
                               "u.username_key LIMIT 10",
                               members_table, key),
                   id_of(item));
    for (int i = 0; i < r.rows(); ++i) item.admins.push_back(pg::read_brief(r, i, 0));
  }
}

constexpr std::string_view kPushColumns =
    "id, user_id, endpoint, p256dh, auth, user_agent, created_at, coalesce(session_id, 0)";

PushSubscription read_push(const pg::Result& r, int row) {
  return PushSubscription{r.i64(row, 0),  r.id<UserId>(row, 1), r.text(row, 2), r.text(row, 3),
                          r.text(row, 4), r.text(row, 5),       r.i64(row, 6),  r.i64(row, 7)};
}

constexpr std::string_view kIdentityColumns = "provider, subject, user_id, email, linked_at";

Identity read_identity(const pg::Result& r, int row) {
  return Identity{r.text(row, 0), r.text(row, 1), r.id<UserId>(row, 2), r.text(row, 3),
                  r.i64(row, 4)};
}

// Sign-ins in progress and links waiting for a password are forgotten an hour after.
constexpr Millis kOidcKeptMs = 3600000;

}  // namespace

std::optional<std::string> PgStore::server_setting(const std::string& key) {
  auto c = impl_->pool.take();
  auto r = c->run("SELECT value FROM server_settings WHERE key = $1", key);
  if (r.rows() == 0) return std::nullopt;
  return r.text(0, 0);
}

void PgStore::set_server_setting(const std::string& key, const std::string& value) {
  auto c = impl_->pool.take();
  if (value.empty()) {
    c->run("DELETE FROM server_settings WHERE key = $1", key);
  } else {
    c->run(
        "INSERT INTO server_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET "
        "value = excluded.value",
        key, value);
  }
}

bool PgStore::has_accounts() {
  auto c = impl_->pool.take();
  return c->exec("SELECT EXISTS (SELECT 1 FROM users WHERE NOT is_guest)").boolean(0, 0);
}

std::vector<User> PgStore::list_users(const std::string& query, int offset, int limit,
                                      std::int64_t& total) {
  auto c = impl_->pool.take();
  constexpr std::string_view kWhere =
      "username_key LIKE $1 ESCAPE '\\' OR lower(display_name) LIKE $1 ESCAPE '\\' OR "
      "lower(coalesce(email, '')) LIKE $1 ESCAPE '\\'";
  std::string pattern = "%" + like_escape(query) + "%";
  // One snapshot for the count and the page.
  Transaction tx(*c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  total = c->run(fmt::format("SELECT count(*) FROM users WHERE {}", kWhere), pattern).i64(0, 0);
  auto r = c->run(fmt::format("SELECT {} FROM users WHERE {} ORDER BY username_key LIMIT $2 "
                              "OFFSET $3",
                              pg::kUserColumns, kWhere),
                  pattern, limit, offset);
  tx.commit();
  std::vector<User> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(pg::read_user(r, i));
    out.back().password_hash.clear();  // not for lists
  }
  return out;
}

core::Result<User> PgStore::set_user_flags(UserId id, std::optional<bool> admin,
                                           std::optional<bool> deactivated) {
  auto c = impl_->pool.take();
  Transaction tx(*c);
  // Serialized across nodes: the count below is taken by a statement that starts after the lock,
  // so it sees every flag change committed before (READ COMMITTED: a snapshot per statement).
  c->run("SELECT pg_advisory_xact_lock($1)", kAdminFlagsLock);
  auto r = c->run(fmt::format("UPDATE users SET is_admin = coalesce($2, is_admin), deactivated = "
                              "coalesce($3, deactivated) WHERE id = $1 RETURNING {}",
                              pg::kUserColumns),
                  id, admin ? pg::param(*admin) : std::nullopt,
                  deactivated ? pg::param(*deactivated) : std::nullopt);
  if (r.rows() == 0) return core::make_error(core::Errc::kNotFound, "No such user");
  if (!c->exec("SELECT EXISTS (SELECT 1 FROM users WHERE is_admin AND NOT deactivated)")
           .boolean(0, 0)) {
    return core::make_error(core::Errc::kConflict, "At least one active admin must remain");
  }
  tx.commit();
  User out = pg::read_user(r, 0);
  out.password_hash.clear();
  return out;
}

void PgStore::create_invite(const Invite& i) {
  auto c = impl_->pool.take();
  c->run(
      "INSERT INTO invites (code, created_by, created_at, expires_at, max_uses, rooms, email) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      i.code, i.created_by, i.created_at, i.expires_at, i.max_uses, join_ids(i.rooms), i.email);
}

std::optional<Invite> PgStore::find_invite(const std::string& code, Millis now) {
  auto c = impl_->pool.take();
  auto r =
      c->run(fmt::format("SELECT {} FROM invites WHERE code = $1 AND {}", kInviteColumns, kUsable),
             code, now);
  if (r.rows() == 0) return std::nullopt;
  return read_invite(r, 0);
}

std::vector<Invite> PgStore::list_invites(UserId creator, Millis now) {
  auto c = impl_->pool.take();
  auto r = c->run(fmt::format("SELECT {} FROM invites WHERE ($1::bigint = 0 OR created_by = $1) "
                              "AND {} ORDER BY created_at DESC, code LIMIT 500",
                              kInviteColumns, kUsable),
                  creator, now);
  std::vector<Invite> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_invite(r, i));
  return out;
}

bool PgStore::revoke_invite(const std::string& code, UserId by) {
  auto c = impl_->pool.take();
  return c->run(
              "UPDATE invites SET revoked = 1 WHERE code = $1 AND revoked = 0 AND ($2::bigint = 0 "
              "OR created_by = $2)",
              code, by)
             .affected() > 0;
}

std::optional<Invite> PgStore::take_invite(const std::string& code, Millis now) {
  auto c = impl_->pool.take();
  // One statement: a node updating the row at the same time makes this one wait, then re-check
  // `uses < max_uses` on the row as that node left it, so the last use is counted once.
  auto r = c->run(fmt::format("UPDATE invites SET uses = uses + 1 WHERE code = $1 AND {} "
                              "RETURNING {}",
                              kUsable, kInviteColumns),
                  code, now);
  if (r.rows() == 0) return std::nullopt;
  return read_invite(r, 0);
}

void PgStore::give_back_invite(const std::string& code) {
  auto c = impl_->pool.take();
  c->run("UPDATE invites SET uses = greatest(0, uses - 1) WHERE code = $1", code);
}

core::Result<Report> PgStore::create_report(MessageId message, UserId reporter,
                                            const std::string& reason, Millis at) {
  auto c = impl_->pool.take();
  std::int64_t id = 0;
  try {
    id = c->run(
              "INSERT INTO reports (message_id, reporter, reason, created_at) VALUES ($1, $2, $3, "
              "$4) RETURNING id",
              message, reporter, reason, at)
             .i64(0, 0);
  } catch (const PgError& e) {
    if (e.unique_violation()) {
      return core::make_error(core::Errc::kConflict, "You already reported this message");
    }
    throw;
  }
  return *report_of(*c, id);
}

std::vector<Report> PgStore::list_reports(bool resolved, int limit) {
  auto c = impl_->pool.take();
  auto r = c->run(
      std::string(kReportQuery) + " WHERE (r.resolved_at <> 0) = $1 ORDER BY r.id DESC LIMIT $2",
      resolved, limit);
  std::vector<Report> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_report(r, i));
  return out;
}

std::optional<Report> PgStore::resolve_report(std::int64_t id, UserId by, bool resolved,
                                              Millis at) {
  auto c = impl_->pool.take();
  c->run("UPDATE reports SET resolved_at = $2, resolved_by = $3 WHERE id = $1", id,
         resolved ? at : 0, resolved ? by : UserId{});
  return report_of(*c, id);
}

std::vector<AdminRoom> PgStore::admin_rooms(const std::string& query, int limit) {
  auto c = impl_->pool.take();
  auto r = c->run(R"(
    SELECT r.id, r.kind, r.name, r.topic, r.created_by, r.last_seq, r.group_id,
      r.member_count,
      (SELECT count(*) FROM messages z WHERE z.room_id = r.id AND z.deleted = 0), r.last_at
    FROM rooms r WHERE r.kind <> 'direct' AND r.deleted = 0 AND r.name_key LIKE $1 ESCAPE '\'
    ORDER BY r.name_key, r.id LIMIT $2)",
                  "%" + like_escape(query) + "%", limit);
  std::vector<AdminRoom> out;
  for (int i = 0; i < r.rows(); ++i) {
    Room room{
        r.id<RoomId>(i, 0),  r.text(i, 1) == "private" ? RoomKind::kPrivate : RoomKind::kChannel,
        r.text(i, 2),        r.text(i, 3),
        r.id<UserId>(i, 4),  r.i64(i, 5),
        r.id<GroupId>(i, 6), false};
    out.push_back(
        AdminRoom{std::move(room), static_cast<int>(r.i64(i, 7)), r.i64(i, 8), r.i64(i, 9), {}});
  }
  add_admins(*c, out, "members", "room_id", [](const AdminRoom& a) { return a.room.id; });
  return out;
}

std::vector<AdminGroup> PgStore::admin_groups(const std::string& query, int limit) {
  auto c = impl_->pool.take();
  auto r = c->run(R"(
    SELECT g.id, g.name, (SELECT count(*) FROM group_members z WHERE z.group_id = g.id),
      (SELECT count(*) FROM rooms r WHERE r.group_id = g.id AND r.deleted = 0)
    FROM groups g WHERE lower(g.name) LIKE $1 ESCAPE '\' ORDER BY lower(g.name), g.id LIMIT $2)",
                  "%" + like_escape(query) + "%", limit);
  std::vector<AdminGroup> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(AdminGroup{Group{r.id<GroupId>(i, 0), r.text(i, 1)},
                             static_cast<int>(r.i64(i, 2)),
                             static_cast<int>(r.i64(i, 3)),
                             {}});
  }
  add_admins(*c, out, "group_members", "group_id", [](const AdminGroup& g) { return g.group.id; });
  return out;
}

Health PgStore::health(Millis messages_since) {
  auto c = impl_->pool.take();
  auto r = c->run(R"(
    SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM rooms),
      (SELECT count(*) FROM messages WHERE created_at >= $1),
      pg_database_size(current_database()),
      (SELECT coalesce(sum(size), 0) FROM blobs))",
                  messages_since);
  return Health{r.i64(0, 0), r.i64(0, 1), r.i64(0, 2), r.i64(0, 3), r.i64(0, 4)};
}

PushSubscription PgStore::add_push_subscription(const PushSubscription& in) {
  auto c = impl_->pool.take();
  // An endpoint already known (a browser signed in anew, maybe as someone else) moves, atomically
  // whichever node the two sign-ins reached.
  auto r = c->run(R"(
    INSERT INTO push_subscriptions
      (user_id, endpoint, p256dh, auth, user_agent, created_at, session_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh,
      auth = excluded.auth, user_agent = excluded.user_agent, created_at = excluded.created_at,
      session_id = excluded.session_id
    RETURNING id)",
                  in.user, in.endpoint, in.p256dh, in.auth, in.user_agent, in.created_at,
                  in.session ? pg::param(in.session) : std::nullopt);
  PushSubscription out = in;
  out.id = r.i64(0, 0);
  return out;
}

std::vector<PushSubscription> PgStore::push_subscriptions(UserId user) {
  auto c = impl_->pool.take();
  auto r = c->run(
      fmt::format("SELECT {} FROM push_subscriptions WHERE user_id = $1 ORDER BY id", kPushColumns),
      user);
  std::vector<PushSubscription> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_push(r, i));
  return out;
}

bool PgStore::delete_push_subscription(UserId user, std::int64_t id) {
  auto c = impl_->pool.take();
  return c->run("DELETE FROM push_subscriptions WHERE id = $1 AND ($2::bigint = 0 OR user_id = $2)",
                id, user)
             .affected() > 0;
}

std::vector<PushMember> PgStore::push_members(RoomId room, const std::vector<UserId>& users) {
  auto c = impl_->pool.take();
  auto r = c->run(
      "SELECT m.user_id, m.notify, m.muted FROM members m JOIN users u ON u.id = m.user_id WHERE "
      "m.room_id = $1 AND NOT u.deactivated AND m.user_id = ANY($2::bigint[])",
      room, pg::id_array(users));
  std::vector<PushMember> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(PushMember{r.id<UserId>(i, 0), r.i64(i, 1) != 0, r.i64(i, 2) != 0});
  }
  return out;
}

core::Result<Identity> PgStore::link_identity(const Identity& id) {
  auto c = impl_->pool.take();
  try {
    c->run(
        "INSERT INTO identities (provider, subject, user_id, email, linked_at) VALUES ($1, $2, "
        "$3, $4, $5)",
        id.provider, id.subject, id.user, id.email, id.linked_at);
  } catch (const PgError& e) {
    if (e.unique_violation()) {
      return core::make_error(core::Errc::kConflict,
                              "That account of the provider is linked to another Parley account");
    }
    throw;
  }
  return id;
}

std::optional<Identity> PgStore::find_identity(const std::string& provider,
                                               const std::string& subject) {
  auto c = impl_->pool.take();
  auto r = c->run(fmt::format("SELECT {} FROM identities WHERE provider = $1 AND subject = $2",
                              kIdentityColumns),
                  provider, subject);
  if (r.rows() == 0) return std::nullopt;
  return read_identity(r, 0);
}

std::vector<Identity> PgStore::identities(UserId user) {
  auto c = impl_->pool.take();
  auto r = c->run(fmt::format("SELECT {} FROM identities WHERE user_id = $1 ORDER BY provider",
                              kIdentityColumns),
                  user);
  std::vector<Identity> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_identity(r, i));
  return out;
}

bool PgStore::unlink_identity(UserId user, const std::string& provider) {
  auto c = impl_->pool.take();
  return c->run("DELETE FROM identities WHERE user_id = $1 AND provider = $2", user, provider)
             .affected() > 0;
}

void PgStore::create_oidc_state(const OidcState& st) {
  auto c = impl_->pool.take();
  c->run("DELETE FROM oidc_states WHERE created_at < $1", st.created_at - kOidcKeptMs);
  c->run(
      "INSERT INTO oidc_states (state_hash, provider, nonce, verifier, link_user, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      st.state_hash, st.provider, st.nonce, st.verifier, st.link_user, st.created_at);
}

std::optional<OidcState> PgStore::take_oidc_state(const std::string& state_hash,
                                                  Millis made_after) {
  auto c = impl_->pool.take();
  // Deleted and returned by one statement: a state comes back once, whichever node asks first.
  auto r = c->run(
      "DELETE FROM oidc_states WHERE state_hash = $1 RETURNING provider, nonce, verifier, "
      "link_user, created_at",
      state_hash);
  if (r.rows() == 0) return std::nullopt;
  OidcState st{state_hash,   r.text(0, 0),       r.text(0, 1),
               r.text(0, 2), r.id<UserId>(0, 3), r.i64(0, 4)};
  if (st.created_at <= made_after) return std::nullopt;
  return st;
}

void PgStore::create_oidc_link(const OidcLink& l) {
  auto c = impl_->pool.take();
  c->run("DELETE FROM oidc_links WHERE created_at < $1", l.created_at - kOidcKeptMs);
  c->run(
      "INSERT INTO oidc_links (token_hash, provider, subject, email, user_id, created_at) VALUES "
      "($1, $2, $3, $4, $5, $6)",
      l.token_hash, l.provider, l.subject, l.email, l.user, l.created_at);
}

std::optional<OidcLink> PgStore::find_oidc_link(const std::string& token_hash, Millis made_after) {
  auto c = impl_->pool.take();
  auto r = c->run(
      "SELECT provider, subject, email, user_id, created_at FROM oidc_links WHERE token_hash = $1 "
      "AND created_at > $2",
      token_hash, made_after);
  if (r.rows() == 0) return std::nullopt;
  return OidcLink{token_hash,   r.text(0, 0),       r.text(0, 1),
                  r.text(0, 2), r.id<UserId>(0, 3), r.i64(0, 4)};
}

void PgStore::delete_oidc_link(const std::string& token_hash) {
  auto c = impl_->pool.take();
  c->run("DELETE FROM oidc_links WHERE token_hash = $1", token_hash);
}

}  // namespace parley::store
