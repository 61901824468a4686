// The administration half of SqliteStore: server settings, account flags, invitations, reports
// and the figures of the admin area. All on the writer (changes) or a reader (lists).
#include "store/sqlite/store_impl.hpp"

namespace parley::store {
namespace {

constexpr std::string_view kInviteColumns =
    "code, created_by, created_at, expires_at, max_uses, uses, rooms, email";

Invite read_invite(const Stmt& s) {
  Invite i;
  i.code = s.text(0);
  i.created_by = s.id<UserId>(1);
  i.created_at = s.i64(2);
  i.expires_at = s.i64(3);
  i.max_uses = static_cast<int>(s.i64(4));
  i.uses = static_cast<int>(s.i64(5));
  i.rooms = split_ids<RoomId>(s.text(6));
  i.email = s.opt_text(7);
  return i;
}

constexpr std::string_view kUsable =
    "revoked = 0 AND uses < max_uses AND expires_at > ?2 AND created_by NOT IN (SELECT id FROM "
    "users WHERE deactivated = 1)";

// A report with its message, room and people; `r` reports, `m` messages, `o` rooms, `a` author,
// `p` reporter.
constexpr std::string_view kReportQuery = R"(
  SELECT r.id, r.message_id, m.room_id, o.name, a.id, a.username, a.display_name, m.text,
    m.created_at, m.deleted, p.id, p.username, p.display_name, r.reason, r.created_at,
    r.resolved_at, r.resolved_by
  FROM reports r JOIN messages m ON m.id = r.message_id JOIN rooms o ON o.id = m.room_id
    JOIN users a ON a.id = m.author JOIN users p ON p.id = r.reporter)";

Report read_report(const Stmt& s) {
  Report r;
  r.id = s.i64(0);
  r.message = s.id<MessageId>(1);
  r.room = s.id<RoomId>(2);
  r.room_name = s.text(3);
  r.author = UserBrief{s.id<UserId>(4), s.text(5), s.text(6), 0, ""};
  r.text = s.text(7);
  r.at = s.i64(8);
  r.deleted = s.i64(9) != 0;
  r.reporter = UserBrief{s.id<UserId>(10), s.text(11), s.text(12), 0, ""};
  r.reason = s.text(13);
  r.created_at = s.i64(14);
  r.resolved_at = s.i64(15);
  r.resolved_by = s.id<UserId>(16);
  return r;
}

std::optional<Report> report_of(Connection& c, std::int64_t id) {
  Stmt s(c, std::string(kReportQuery) + " WHERE r.id = ?1");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_report(s);
}

}  // namespace

std::optional<std::string> SqliteStore::server_setting(const std::string& key) {
  return impl_->read([&](Connection& c) -> std::optional<std::string> {
    Stmt s(c, "SELECT value FROM server_settings WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  });
}

void SqliteStore::set_server_setting(const std::string& key, const std::string& value) {
  impl_->write([&](Connection& c) {
    if (value.empty()) {
      Stmt(c, "DELETE FROM server_settings WHERE key = ?1").bind(1, key).run();
    } else {
      Stmt(c,
           "INSERT INTO server_settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE "
           "SET value = excluded.value")
          .bind(1, key)
          .bind(2, value)
          .run();
    }
  });
}

bool SqliteStore::has_accounts() {
  return impl_->read([&](Connection& c) {
    Stmt s(c, "SELECT EXISTS (SELECT 1 FROM users WHERE is_guest = 0)");
    s.step();
    return s.i64(0) != 0;
  });
}

std::vector<User> SqliteStore::list_users(const std::string& query, int offset, int limit,
                                          std::int64_t& total) {
  return impl_->read([&](Connection& c) {
    std::string where =
        "username_key LIKE ?1 ESCAPE '\\' OR lower(display_name) LIKE ?1 ESCAPE '\\' OR "
        "lower(coalesce(email, '')) LIKE ?1 ESCAPE '\\'";
    std::string pattern = "%" + like_escape(query) + "%";
    Stmt n(c, "SELECT count(*) FROM users WHERE " + where);
    n.bind(1, pattern);
    n.step();
    total = n.i64(0);
    Stmt s(c, fmt::format("SELECT {} FROM users WHERE {} ORDER BY username_key LIMIT ?2 OFFSET ?3",
                          kUserColumns, where));
    s.bind(1, pattern).bind(2, limit).bind(3, offset);
    std::vector<User> out;
    while (s.step()) {
      out.push_back(read_user(s));
      out.back().password_hash.clear();  // not for lists
    }
    return out;
  });
}

core::Result<User> SqliteStore::set_user_flags(UserId id, std::optional<bool> admin,
                                               std::optional<bool> deactivated) {
  return impl_->write([&](Connection& c) -> core::Result<User> {
    Transaction tx(c);
    Stmt u(c,
           "UPDATE users SET is_admin = coalesce(?2, is_admin), deactivated = "
           "coalesce(?3, deactivated) WHERE id = ?1");
    u.bind(1, id);
    admin ? u.bind(2, *admin) : u.bind_null(2);
    deactivated ? u.bind(3, *deactivated) : u.bind_null(3);
    u.run();
    if (c.changes() == 0) return core::make_error(core::Errc::kNotFound, "No such user");
    Stmt left(c, "SELECT count(*) FROM users WHERE is_admin = 1 AND deactivated = 0");
    left.step();
    if (left.i64(0) == 0) {
      return core::make_error(core::Errc::kConflict, "At least one active admin must remain");
    }
    Stmt s(c, fmt::format("SELECT {} FROM users WHERE id = ?1", kUserColumns));
    s.bind(1, id);
    s.step();
    User out = read_user(s);
    out.password_hash.clear();
    tx.commit();
    return out;
  });
}

void SqliteStore::create_invite(const Invite& i) {
  impl_->write([&](Connection& c) {
    Stmt s(c,
           "INSERT INTO invites (code, created_by, created_at, expires_at, max_uses, rooms, email) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    s.bind(1, i.code)
        .bind(2, i.created_by)
        .bind(3, i.created_at)
        .bind(4, i.expires_at)
        .bind(5, i.max_uses)
        .bind(6, join_ids(i.rooms))
        .bind(7, i.email);
    s.run();
  });
}

std::optional<Invite> SqliteStore::find_invite(const std::string& code, Millis now) {
  return impl_->read([&](Connection& c) -> std::optional<Invite> {
    Stmt s(c,
           fmt::format("SELECT {} FROM invites WHERE code = ?1 AND {}", kInviteColumns, kUsable));
    s.bind(1, code).bind(2, now);
    if (!s.step()) return std::nullopt;
    return read_invite(s);
  });
}

std::vector<Invite> SqliteStore::list_invites(UserId creator, Millis now) {
  return impl_->read([&](Connection& c) {
    Stmt s(c, fmt::format("SELECT {} FROM invites WHERE (?1 = 0 OR created_by = ?1) AND {} ORDER "
                          "BY created_at DESC, code LIMIT 500",
                          kInviteColumns, kUsable));
    s.bind(1, creator).bind(2, now);
    std::vector<Invite> out;
    while (s.step()) out.push_back(read_invite(s));
    return out;
  });
}

bool SqliteStore::revoke_invite(const std::string& code, UserId by) {
  return impl_->write([&](Connection& c) {
    Stmt s(c,
           "UPDATE invites SET revoked = 1 WHERE code = ?1 AND revoked = 0 AND (?2 = 0 OR "
           "created_by = ?2)");
    s.bind(1, code).bind(2, by);
    s.run();
    return c.changes() > 0;
  });
}

std::optional<Invite> SqliteStore::take_invite(const std::string& code, Millis now) {
  return impl_->write([&](Connection& c) -> std::optional<Invite> {
    Stmt s(c, fmt::format("UPDATE invites SET uses = uses + 1 WHERE code = ?1 AND {} RETURNING {}",
                          kUsable, kInviteColumns));
    s.bind(1, code).bind(2, now);
    if (!s.step()) return std::nullopt;
    auto out = read_invite(s);
    while (s.step()) {
    }
    return out;
  });
}

void SqliteStore::give_back_invite(const std::string& code) {
  impl_->write([&](Connection& c) {
    Stmt(c, "UPDATE invites SET uses = max(0, uses - 1) WHERE code = ?1").bind(1, code).run();
  });
}

core::Result<Report> SqliteStore::create_report(MessageId message, UserId reporter,
                                                const std::string& reason, Millis at) {
  return impl_->write([&](Connection& c) -> core::Result<Report> {
    try {
      Stmt s(c,
             "INSERT INTO reports (message_id, reporter, reason, created_at) VALUES (?1, ?2, ?3, "
             "?4)");
      s.bind(1, message).bind(2, reporter).bind(3, reason).bind(4, at);
      s.run();
    } catch (const DbError& e) {
      if (e.constraint()) {
        return core::make_error(core::Errc::kConflict, "You already reported this message");
      }
      throw;
    }
    return *report_of(c, c.last_insert_id());
  });
}

std::vector<Report> SqliteStore::list_reports(bool resolved, int limit) {
  return impl_->read([&](Connection& c) {
    Stmt s(c, std::string(kReportQuery) +
                  " WHERE (r.resolved_at <> 0) = ?1 ORDER BY r.id DESC LIMIT ?2");
    s.bind(1, resolved).bind(2, limit);
    std::vector<Report> out;
    while (s.step()) out.push_back(read_report(s));
    return out;
  });
}

std::optional<Report> SqliteStore::resolve_report(std::int64_t id, UserId by, bool resolved,
                                                  Millis at) {
  return impl_->write([&](Connection& c) {
    Stmt s(c, "UPDATE reports SET resolved_at = ?2, resolved_by = ?3 WHERE id = ?1");
    s.bind(1, id).bind(2, resolved ? at : 0).bind(3, resolved ? by : UserId{});
    s.run();
    return report_of(c, id);
  });
}

std::vector<AdminRoom> SqliteStore::admin_rooms(const std::string& query, int limit) {
  return impl_->read([&](Connection& c) {
    Stmt s(c, R"(
      SELECT r.id, r.kind, r.name, r.topic, r.created_by, r.last_seq, r.group_id,
        r.member_count,
        (SELECT count(*) FROM messages z WHERE z.room_id = r.id AND z.deleted = 0), r.last_at
      FROM rooms r WHERE r.kind <> 'direct' AND r.deleted = 0 AND r.name_key LIKE ?1 ESCAPE '\'
      ORDER BY r.name_key, r.id LIMIT ?2)");
    s.bind(1, "%" + like_escape(query) + "%").bind(2, limit);
    std::vector<AdminRoom> out;
    while (s.step()) {
      AdminRoom a;
      a.room.id = s.id<RoomId>(0);
      a.room.kind = s.text(1) == "private" ? RoomKind::kPrivate : RoomKind::kChannel;
      a.room.name = s.text(2);
      a.room.topic = s.text(3);
      a.room.created_by = s.id<UserId>(4);
      a.room.last_seq = s.i64(5);
      a.room.group = s.id<GroupId>(6);
      a.members = static_cast<int>(s.i64(7));
      a.messages = s.i64(8);
      a.last_at = s.i64(9);
      out.push_back(std::move(a));
    }
    for (auto& a : out) {
      Stmt m(c,
             "SELECT u.id, u.username, u.display_name FROM members m JOIN users u ON u.id = "
             "m.user_id WHERE m.room_id = ?1 AND m.role = 'admin' ORDER BY u.username_key "
             "LIMIT 10");
      m.bind(1, a.room.id);
      while (m.step()) a.admins.push_back(UserBrief{m.id<UserId>(0), m.text(1), m.text(2), 0, ""});
    }
    return out;
  });
}

std::vector<AdminGroup> SqliteStore::admin_groups(const std::string& query, int limit) {
  return impl_->read([&](Connection& c) {
    Stmt s(c, R"(
      SELECT g.id, g.name, (SELECT count(*) FROM group_members z WHERE z.group_id = g.id),
        (SELECT count(*) FROM rooms r WHERE r.group_id = g.id AND r.deleted = 0)
      FROM groups g WHERE lower(g.name) LIKE ?1 ESCAPE '\' ORDER BY lower(g.name), g.id LIMIT ?2)");
    s.bind(1, "%" + like_escape(query) + "%").bind(2, limit);
    std::vector<AdminGroup> out;
    while (s.step()) {
      out.push_back(AdminGroup{Group{s.id<GroupId>(0), s.text(1)},
                               static_cast<int>(s.i64(2)),
                               static_cast<int>(s.i64(3)),
                               {}});
    }
    for (auto& g : out) {
      Stmt m(c,
             "SELECT u.id, u.username, u.display_name FROM group_members m JOIN users u ON u.id = "
             "m.user_id WHERE m.group_id = ?1 AND m.role = 'admin' ORDER BY u.username_key "
             "LIMIT 10");
      m.bind(1, g.group.id);
      while (m.step()) g.admins.push_back(UserBrief{m.id<UserId>(0), m.text(1), m.text(2), 0, ""});
    }
    return out;
  });
}

Health SqliteStore::health(Millis messages_since) {
  return impl_->read([&](Connection& c) {
    Stmt s(c, R"(
      SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM rooms),
        (SELECT count(*) FROM messages WHERE created_at >= ?1),
        (SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()),
        (SELECT coalesce(sum(size), 0) FROM blobs))");
    s.bind(1, messages_since);
    s.step();
    return Health{s.i64(0), s.i64(1), s.i64(2), s.i64(3), s.i64(4)};
  });
}

PushSubscription SqliteStore::add_push_subscription(const PushSubscription& in) {
  return impl_->write([&](Connection& c) {
    Stmt s(c, R"(
      INSERT INTO push_subscriptions
        (user_id, endpoint, p256dh, auth, user_agent, created_at, session_id)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
      ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh,
        auth = excluded.auth, user_agent = excluded.user_agent, created_at = excluded.created_at,
        session_id = excluded.session_id
      RETURNING id)");
    s.bind(1, in.user)
        .bind(2, in.endpoint)
        .bind(3, in.p256dh)
        .bind(4, in.auth)
        .bind(5, in.user_agent)
        .bind(6, in.created_at);
    if (in.session)
      s.bind(7, in.session);
    else
      s.bind_null(7);
    s.step();
    PushSubscription out = in;
    out.id = s.i64(0);
    s.run();
    return out;
  });
}

std::vector<PushSubscription> SqliteStore::push_subscriptions(UserId user) {
  return impl_->read([&](Connection& c) {
    Stmt s(c,
           "SELECT id, user_id, endpoint, p256dh, auth, user_agent, created_at, "
           "coalesce(session_id, 0) FROM push_subscriptions WHERE user_id = ?1 ORDER BY id");
    s.bind(1, user);
    std::vector<PushSubscription> out;
    while (s.step()) {
      out.push_back(PushSubscription{s.i64(0), s.id<UserId>(1), s.text(2), s.text(3), s.text(4),
                                     s.text(5), s.i64(6), s.i64(7)});
    }
    return out;
  });
}

bool SqliteStore::delete_push_subscription(UserId user, std::int64_t id) {
  return impl_->write([&](Connection& c) {
    Stmt s(c, "DELETE FROM push_subscriptions WHERE id = ?1 AND (?2 = 0 OR user_id = ?2)");
    s.bind(1, id).bind(2, user);
    s.run();
    return c.changes() > 0;
  });
}

std::vector<PushMember> SqliteStore::push_members(RoomId room, const std::vector<UserId>& users) {
  return impl_->read([&](Connection& c) {
    Stmt s(c,
           "SELECT m.user_id, m.notify, m.muted FROM members m JOIN users u ON u.id = m.user_id "
           "WHERE m.room_id = ?1 AND u.deactivated = 0 AND m.user_id IN (SELECT value FROM "
           "json_each(?2))");
    s.bind(1, room).bind(2, "[" + join_ids(users) + "]");
    std::vector<PushMember> out;
    while (s.step()) out.push_back(PushMember{s.id<UserId>(0), s.i64(1) != 0, s.i64(2) != 0});
    return out;
  });
}

core::Result<Identity> SqliteStore::link_identity(const Identity& id) {
  return impl_->write([&](Connection& c) -> core::Result<Identity> {
    try {
      Stmt(c,
           "INSERT INTO identities (provider, subject, user_id, email, linked_at) VALUES (?1, ?2, "
           "?3, ?4, ?5)")
          .bind(1, id.provider)
          .bind(2, id.subject)
          .bind(3, id.user)
          .bind(4, id.email)
          .bind(5, id.linked_at)
          .run();
    } catch (const DbError& e) {
      if (e.constraint()) {
        return core::make_error(core::Errc::kConflict,
                                "That account of the provider is linked to another Parley account");
      }
      throw;
    }
    return id;
  });
}

namespace {
constexpr std::string_view kIdentityColumns = "provider, subject, user_id, email, linked_at";
Identity read_identity(const Stmt& s) {
  return Identity{s.text(0), s.text(1), s.id<UserId>(2), s.text(3), s.i64(4)};
}
}  // namespace

std::optional<Identity> SqliteStore::find_identity(const std::string& provider,
                                                   const std::string& subject) {
  return impl_->read([&](Connection& c) -> std::optional<Identity> {
    Stmt s(c, fmt::format("SELECT {} FROM identities WHERE provider = ?1 AND subject = ?2",
                          kIdentityColumns));
    s.bind(1, provider).bind(2, subject);
    if (!s.step()) return std::nullopt;
    return read_identity(s);
  });
}

std::vector<Identity> SqliteStore::identities(UserId user) {
  return impl_->read([&](Connection& c) {
    Stmt s(c, fmt::format("SELECT {} FROM identities WHERE user_id = ?1 ORDER BY provider",
                          kIdentityColumns));
    s.bind(1, user);
    std::vector<Identity> out;
    while (s.step()) out.push_back(read_identity(s));
    return out;
  });
}

bool SqliteStore::unlink_identity(UserId user, const std::string& provider) {
  return impl_->write([&](Connection& c) {
    Stmt(c, "DELETE FROM identities WHERE user_id = ?1 AND provider = ?2")
        .bind(1, user)
        .bind(2, provider)
        .run();
    return c.changes() > 0;
  });
}

void SqliteStore::create_oidc_state(const OidcState& st) {
  impl_->write([&](Connection& c) {
    Stmt(c, "DELETE FROM oidc_states WHERE created_at < ?1").bind(1, st.created_at - 3600000).run();
    Stmt(c,
         "INSERT INTO oidc_states (state_hash, provider, nonce, verifier, link_user, created_at) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, st.state_hash)
        .bind(2, st.provider)
        .bind(3, st.nonce)
        .bind(4, st.verifier)
        .bind(5, st.link_user)
        .bind(6, st.created_at)
        .run();
  });
}

std::optional<OidcState> SqliteStore::take_oidc_state(const std::string& state_hash,
                                                      Millis made_after) {
  return impl_->write([&](Connection& c) -> std::optional<OidcState> {
    Stmt s(c,
           "DELETE FROM oidc_states WHERE state_hash = ?1 RETURNING provider, nonce, verifier, "
           "link_user, created_at");
    s.bind(1, state_hash);
    if (!s.step()) return std::nullopt;
    OidcState st{state_hash, s.text(0), s.text(1), s.text(2), s.id<UserId>(3), s.i64(4)};
    s.run();
    if (st.created_at <= made_after) return std::nullopt;
    return st;
  });
}

void SqliteStore::create_oidc_link(const OidcLink& l) {
  impl_->write([&](Connection& c) {
    Stmt(c, "DELETE FROM oidc_links WHERE created_at < ?1").bind(1, l.created_at - 3600000).run();
    Stmt(c,
         "INSERT INTO oidc_links (token_hash, provider, subject, email, user_id, created_at) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, l.token_hash)
        .bind(2, l.provider)
        .bind(3, l.subject)
        .bind(4, l.email)
        .bind(5, l.user)
        .bind(6, l.created_at)
        .run();
  });
}

std::optional<OidcLink> SqliteStore::find_oidc_link(const std::string& token_hash,
                                                    Millis made_after) {
  return impl_->read([&](Connection& c) -> std::optional<OidcLink> {
    Stmt s(c,
           "SELECT provider, subject, email, user_id, created_at FROM oidc_links WHERE "
           "token_hash = ?1 AND created_at > ?2");
    s.bind(1, token_hash).bind(2, made_after);
    if (!s.step()) return std::nullopt;
    return OidcLink{token_hash, s.text(0), s.text(1), s.text(2), s.id<UserId>(3), s.i64(4)};
  });
}

void SqliteStore::delete_oidc_link(const std::string& token_hash) {
  impl_->write([&](Connection& c) {
    Stmt(c, "DELETE FROM oidc_links WHERE token_hash = ?1").bind(1, token_hash).run();
  });
}

}  // namespace parley::store
