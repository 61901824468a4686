// The PostgreSQL store's chat reads (timeline, rooms, members, directory) on the read pool, and
// the row readers the writer's ChatTx shares. The same queries as SQLite's chat_store.cpp; orders
// by text are COLLATE "C" (bytes, as SQLite's) whatever the database's locale.
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <limits>
#include <unordered_map>

#include "store/postgres/pg_chat.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/pg_store_impl.hpp"

namespace parley::store {
namespace pgchat {

using pg::Connection;
using pg::param;

std::optional<Room> room_of(Connection& c, RoomId id) {
  auto r = c.run(
      "SELECT id, kind, name, topic, created_by, last_seq, group_id, deleted FROM rooms WHERE id "
      "= $1",
      id);
  if (r.rows() == 0) return std::nullopt;
  return Room{r.id<RoomId>(0, 0), kind_of(r.text(0, 1)), r.text(0, 2),        r.text(0, 3),
              r.id<UserId>(0, 4), r.i64(0, 5),           r.id<GroupId>(0, 6), r.i64(0, 7) != 0};
}

std::optional<bool> group_role_of(Connection& c, GroupId group, UserId user) {
  auto r =
      c.run("SELECT role FROM group_members WHERE group_id = $1 AND user_id = $2", group, user);
  if (r.rows() == 0) return std::nullopt;
  return r.text(0, 0) == "admin";
}

std::optional<Membership> membership_of(Connection& c, RoomId room, UserId user) {
  auto r = c.run(
      "SELECT role, read_seq, delivered_seq, muted_until FROM members WHERE room_id = $1 AND "
      "user_id = $2",
      room, user);
  if (r.rows() == 0) return std::nullopt;
  return Membership{room, user, r.text(0, 0) == "admin", r.i64(0, 1), r.i64(0, 2), r.i64(0, 3)};
}

std::optional<Message> message_of(Connection& c, MessageId id) {
  auto r = c.run(
      "SELECT id, room_id, seq, author, text, reply_to, deleted, pinned_at FROM messages WHERE "
      "id = $1",
      id);
  if (r.rows() == 0) return std::nullopt;
  return Message{r.id<MessageId>(0, 0), r.id<RoomId>(0, 1),    r.i64(0, 2),      r.id<UserId>(0, 3),
                 r.text(0, 4),          r.id<MessageId>(0, 5), r.i64(0, 6) != 0, r.i64(0, 7)};
}

std::vector<RoomId> room_ids_of(Connection& c, UserId user) {
  auto r = c.run("SELECT room_id FROM members WHERE user_id = $1 ORDER BY room_id", user);
  std::vector<RoomId> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.id<RoomId>(i, 0));
  return out;
}

std::vector<RoomSummary> rooms_of_user(Connection& c, UserId user) {
  // Unread counts stop at 1000: counting a million unread rows on every connect would be slow,
  // and a badge shows "999+" anyway.
  auto s = c.run(R"(
    SELECT r.id, r.kind, r.name, r.topic, r.created_by, r.last_seq, m.role, m.read_seq,
      m.delivered_seq, m.notify, m.volume, m.muted, m.hidden, r.last_at,
      (SELECT count(*) FROM (SELECT 1 FROM messages x WHERE x.room_id = r.id AND
         x.seq > m.read_seq AND x.author <> m.user_id AND x.deleted = 0 LIMIT 1000) AS unread),
      (SELECT count(*) FROM mentions y JOIN messages x ON x.id = y.message_id
         WHERE y.user_id = m.user_id AND x.room_id = r.id AND x.seq > m.read_seq AND x.deleted = 0),
      r.member_count, r.group_id, m.muted_until
    FROM members m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = $1
    ORDER BY r.last_at DESC, r.id DESC)",
                 user);
  std::vector<RoomSummary> out;
  for (int i = 0; i < s.rows(); ++i) {
    RoomSummary r;
    r.room = Room{s.id<RoomId>(i, 0), kind_of(s.text(i, 1)), s.text(i, 2),         s.text(i, 3),
                  s.id<UserId>(i, 4), s.i64(i, 5),           s.id<GroupId>(i, 17), false};
    r.me = Membership{r.room.id,   user,        s.text(i, 6) == "admin",
                      s.i64(i, 7), s.i64(i, 8), s.i64(i, 18)};
    r.notify = s.i64(i, 9) != 0;
    r.volume = static_cast<int>(s.i64(i, 10));
    r.muted = s.i64(i, 11) != 0;
    r.hidden = s.i64(i, 12) != 0;
    r.last_at = s.i64(i, 13);
    r.unread = static_cast<int>(s.i64(i, 14));
    r.mentions = static_cast<int>(s.i64(i, 15));
    r.members = static_cast<int>(s.i64(i, 16));
    out.push_back(std::move(r));
  }
  for (auto& r : out) {
    if (r.room.kind != RoomKind::kDirect) continue;
    auto p = c.run(
        "SELECT u.id, u.username, u.display_name, u.last_seen FROM members m JOIN users u ON "
        "u.id = m.user_id WHERE m.room_id = $1 AND m.user_id <> $2 LIMIT 1",
        r.room.id, user);
    if (p.rows() > 0)
      r.peer = UserBrief{p.id<UserId>(0, 0), p.text(0, 1), p.text(0, 2), p.i64(0, 3), {}};
  }
  return out;
}

namespace {

constexpr std::string_view kEventColumns = R"(
  e.room_id, e.seq, e.kind, e.user_id, u.username, e.at, e.message_id, e.text, e.ref, e.flag,
  e.extra, coalesce(t.username, ''), m.deleted, m.edited_at, m.replies, m.text)";
constexpr std::string_view kEventJoins = R"(
  JOIN users u ON u.id = e.user_id
  LEFT JOIN users t ON t.id = e.ref AND e.kind IN (8, 9, 14)
  LEFT JOIN messages m ON m.id = e.message_id AND e.kind = 2)";

Event read_event(const pg::Result& s, int i) {
  Event e;
  e.room = s.id<RoomId>(i, 0);
  e.seq = s.i64(i, 1);
  e.kind = static_cast<EventKind>(s.i64(i, 2));
  e.user = s.id<UserId>(i, 3);
  e.username = s.text(i, 4);
  e.at = s.i64(i, 5);
  e.message = s.id<MessageId>(i, 6);
  e.text = s.text(i, 7);
  switch (e.kind) {
    case EventKind::kMessage:
      e.reply_to = s.id<MessageId>(i, 8);
      e.mentions = split_ids<UserId>(s.text(i, 10));
      e.has_state = true;
      e.deleted = s.i64(i, 12) != 0;
      e.edited_at = s.i64(i, 13);
      e.replies = static_cast<int>(s.i64(i, 14));
      e.text = s.text(i, 15);
      break;
    case EventKind::kInvited:
    case EventKind::kRemoved:
      e.target = s.id<UserId>(i, 8);
      e.target_name = s.text(i, 11);
      break;
    case EventKind::kReaction:
    case EventKind::kPinned:
      e.on = s.i64(i, 9) != 0;
      break;
    case EventKind::kCreated:
      e.room_kind = static_cast<RoomKind>(s.i64(i, 9));
      e.topic = s.text(i, 10);
      break;
    case EventKind::kRenamed:
      e.topic = s.text(i, 10);
      break;
    case EventKind::kCall:
      e.duration = s.i64(i, 8);
      e.on = s.i64(i, 9) != 0;
      break;
    case EventKind::kMemberMuted: {
      e.target = s.id<UserId>(i, 8);
      e.target_name = s.text(i, 11);
      auto until = s.text(i, 10);
      std::from_chars(until.data(), until.data() + until.size(), e.until);
      break;
    }
    default:
      break;
  }
  return e;
}

// Fills in the reactions and files of the (not deleted) message events in `events`: one query
// each for the whole page, instead of a query per message.
void add_reactions_and_files(Connection& c, std::vector<Event>& events) {
  std::unordered_map<MessageId, Event*> by_id;
  std::vector<MessageId> ids;
  for (auto& e : events) {
    if (e.kind != EventKind::kMessage || e.deleted || !e.message) continue;
    if (by_id.emplace(e.message, &e).second) ids.push_back(e.message);
  }
  if (ids.empty()) return;
  auto array = pg::id_array(ids);
  auto r = c.run(
      "SELECT message_id, emoji, user_id FROM reactions WHERE message_id = ANY($1::bigint[]) "
      "ORDER BY message_id, emoji COLLATE \"C\", at, user_id",
      array);
  for (int i = 0; i < r.rows(); ++i) {
    Event& e = *by_id.at(r.id<MessageId>(i, 0));
    auto emoji = r.text(i, 1);
    if (e.reactions.empty() || e.reactions.back().emoji != emoji) {
      e.reactions.push_back(Reaction{emoji, {}});
    }
    e.reactions.back().users.push_back(r.id<UserId>(i, 2));
  }
  auto f = c.run(fmt::format("SELECT f.message_id, {} FROM files f JOIN blobs b ON b.sha256 = "
                             "f.blob WHERE f.message_id = ANY($1::bigint[]) ORDER BY "
                             "f.message_id, f.position",
                             kFileInfoColumns),
                 array);
  for (int i = 0; i < f.rows(); ++i)
    by_id.at(f.id<MessageId>(i, 0))->files.push_back(read_file_info(f, i, 1));
}

}  // namespace

std::vector<Event> query_events(Connection& c, std::string_view tail,
                                const std::vector<pg::Param>& params) {
  auto r = c.exec(fmt::format("SELECT {} FROM events e {} {}", kEventColumns, kEventJoins, tail),
                  params);
  std::vector<Event> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_event(r, i));
  add_reactions_and_files(c, out);
  return out;
}

}  // namespace pgchat

using namespace pgchat;  // NOLINT(google-build-using-namespace): this file's own helpers

std::vector<RoomSummary> PgStore::rooms_at_mark(
    UserId user, const std::function<void(const std::vector<RoomId>&)>& mark) {
  auto c = impl_->pool.take();
  // One snapshot for the whole read, taken by its first statement, under publish_mu: between two
  // of this node's batches, with every committed event handed on.
  pg::Transaction tx(*c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  {
    std::lock_guard lock(impl_->writer->publish_mu);
    mark(room_ids_of(*c, user));
  }
  auto rooms = rooms_of_user(*c, user);  // the same snapshot, without holding the writer
  tx.commit();
  return rooms;
}

std::optional<Room> PgStore::room(RoomId id) {
  auto c = impl_->pool.take();
  return room_of(*c, id);
}

std::optional<Membership> PgStore::membership(RoomId room, UserId user) {
  auto c = impl_->pool.take();
  return membership_of(*c, room, user);
}

std::optional<Message> PgStore::message(MessageId id) {
  auto c = impl_->pool.take();
  return message_of(*c, id);
}

std::vector<RoomSummary> PgStore::rooms_of(UserId user) {
  auto c = impl_->pool.take();
  return rooms_of_user(*c, user);
}

std::vector<Event> PgStore::history(RoomId room, Seq before, int limit,
                                    const std::vector<EventKind>& skip) {
  std::string kinds;
  for (auto k : skip) kinds += (kinds.empty() ? "" : ", ") + std::to_string(static_cast<int>(k));
  auto c = impl_->pool.take();
  return query_events(*c,
                      "WHERE e.room_id = $1 AND e.seq < $2" +
                          (kinds.empty() ? "" : " AND e.kind NOT IN (" + kinds + ")") +
                          " ORDER BY e.seq DESC LIMIT $3",
                      {param(room), param(before), param(limit)});
}

std::vector<Event> PgStore::events_after(RoomId room, Seq after, int limit) {
  auto c = impl_->pool.take();
  return query_events(*c, "WHERE e.room_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3",
                      {param(room), param(after), param(limit)});
}

std::vector<Event> PgStore::thread(MessageId parent, Seq before, int limit) {
  auto c = impl_->pool.take();
  return query_events(*c,
                      "JOIN messages r ON r.room_id = e.room_id AND r.seq = e.seq WHERE "
                      "r.reply_to = $1 AND r.seq < $2 ORDER BY r.seq DESC LIMIT $3",
                      {param(parent), param(before), param(limit)});
}

std::vector<Edit> PgStore::edits(MessageId id) {
  auto c = impl_->pool.take();
  auto r = c->run("SELECT text, at FROM message_edits WHERE message_id = $1 ORDER BY at, id", id);
  std::vector<Edit> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(Edit{r.text(i, 0), r.i64(i, 1)});
  return out;
}

std::vector<Event> PgStore::pins(RoomId room, int limit) {
  auto c = impl_->pool.take();
  return query_events(*c,
                      "JOIN messages r ON r.room_id = e.room_id AND r.seq = e.seq WHERE "
                      "r.room_id = $1 AND r.pinned_at <> 0 AND r.deleted = 0 ORDER BY "
                      "r.pinned_at DESC LIMIT $2",
                      {param(room), param(limit)});
}

std::vector<MemberInfo> PgStore::members(RoomId room, const MemberQuery& q) {
  auto c = impl_->pool.take();
  auto s = c->run(
      "SELECT u.id, u.username, u.display_name, u.last_seen, m.role, u.avatar FROM members m "
      "JOIN users u ON u.id = m.user_id WHERE m.room_id = $1 AND u.username_key COLLATE \"C\" > $2 "
      "AND ($3 = '%' OR u.username_key LIKE $3 OR lower(u.display_name) LIKE $3) AND "
      "(cardinality($5::bigint[]) = 0 OR m.user_id = ANY($5::bigint[])) ORDER BY "
      "u.username_key COLLATE \"C\" LIMIT $4",
      room, lower(q.after), like_escape(q.prefix) + "%",
      static_cast<std::int64_t>(q.limit > 0 ? q.limit : std::numeric_limits<std::int32_t>::max()),
      pg::id_array(q.users));
  std::vector<MemberInfo> out;
  for (int i = 0; i < s.rows(); ++i) {
    out.push_back(MemberInfo{
        UserBrief{s.id<UserId>(i, 0), s.text(i, 1), s.text(i, 2), s.i64(i, 3), s.text(i, 5)},
        s.text(i, 4) == "admin"});
  }
  return out;
}

std::vector<DirectoryEntry> PgStore::directory(UserId viewer, const std::string& query, int limit) {
  auto c = impl_->pool.take();
  // Channels in no group, and those of the viewer's groups.
  auto s = c->run(R"(
    SELECT r.id, r.group_id, r.name, r.topic,
      r.member_count,
      EXISTS (SELECT 1 FROM members z WHERE z.room_id = r.id AND z.user_id = $1)
    FROM rooms r WHERE r.kind = 'channel' AND r.deleted = 0 AND r.name_key LIKE $2 AND
      (r.group_id = 0 OR EXISTS (SELECT 1 FROM group_members g WHERE g.group_id = r.group_id
                                 AND g.user_id = $1))
    ORDER BY r.name_key COLLATE "C" LIMIT $3)",
                  viewer, "%" + like_escape(query) + "%", limit);
  std::vector<DirectoryEntry> out;
  for (int i = 0; i < s.rows(); ++i) {
    out.push_back(DirectoryEntry{s.id<RoomId>(i, 0), s.id<GroupId>(i, 1), s.text(i, 2),
                                 s.text(i, 3), static_cast<int>(s.i64(i, 4)), s.boolean(i, 5)});
  }
  return out;
}

std::vector<UserBrief> PgStore::find_users(UserId viewer, const std::string& prefix, int limit) {
  auto c = impl_->pool.take();
  auto s =
      c->run("SELECT u.id, u.username, u.display_name, u.last_seen, " + presence_visible_to("$3") +
                 " FROM users u WHERE u.username_key LIKE $1 OR lower(u.display_name) LIKE $1 "
                 "ORDER BY u.username_key COLLATE \"C\" LIMIT $2",
             like_escape(prefix) + "%", limit, viewer);
  std::vector<UserBrief> out;
  for (int i = 0; i < s.rows(); ++i) {
    UserBrief u{s.id<UserId>(i, 0), s.text(i, 1), s.text(i, 2), s.i64(i, 3), {}};
    u.presence_visible = s.boolean(i, 4);
    if (!u.presence_visible) u.last_seen = 0;
    out.push_back(std::move(u));
  }
  return out;
}

std::vector<UserBrief> PgStore::presence_visible(UserId viewer, const std::vector<UserId>& users) {
  auto c = impl_->pool.take();
  auto s = c->run("SELECT u.id, u.last_seen FROM users u WHERE u.id = ANY($1::bigint[]) AND " +
                      presence_visible_to("$2") + " ORDER BY u.id",
                  pg::id_array(users), viewer);
  std::vector<UserBrief> out;
  for (int i = 0; i < s.rows(); ++i) {
    out.push_back(UserBrief{s.id<UserId>(i, 0), {}, {}, s.i64(i, 1), {}});
  }
  return out;
}

std::vector<RoomId> PgStore::small_rooms(UserId user, int members) {
  auto c = impl_->pool.take();
  auto s = c->run(
      "SELECT m.room_id FROM members m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = $1 AND "
      "r.member_count <= $2",
      user, members);
  std::vector<RoomId> out;
  for (int i = 0; i < s.rows(); ++i) out.push_back(s.id<RoomId>(i, 0));
  return out;
}

std::optional<bool> PgStore::group_role(GroupId group, UserId user) {
  auto c = impl_->pool.take();
  return group_role_of(*c, group, user);
}

std::vector<GroupSummary> PgStore::groups_of(UserId user) {
  auto c = impl_->pool.take();
  auto s = c->run(R"(
    SELECT g.id, g.name, m.role, (SELECT count(*) FROM group_members z WHERE z.group_id = g.id),
      (SELECT count(*) FROM rooms r WHERE r.group_id = g.id)
    FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1
    ORDER BY g.name COLLATE "C", g.id)",
                  user);
  std::vector<GroupSummary> out;
  for (int i = 0; i < s.rows(); ++i) {
    out.push_back(GroupSummary{Group{s.id<GroupId>(i, 0), s.text(i, 1)}, s.text(i, 2) == "admin",
                               static_cast<int>(s.i64(i, 3)), static_cast<int>(s.i64(i, 4))});
  }
  return out;
}

Millis PgStore::set_last_seen(UserId user, Millis at) {
  auto c = impl_->pool.take();
  auto r = c->run(
      "UPDATE users SET last_seen = GREATEST(last_seen, $2) WHERE id = $1 RETURNING last_seen",
      user, at);
  return r.rows() > 0 ? r.i64(0, 0) : at;
}

}  // namespace parley::store
