// The chat half of SqliteStore: the group-commit writer, the ChatTx a job writes through, and the
// reads (timeline, log, rooms, members) that run on reader connections.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/text.hpp"

#include "store/sqlite/store_impl.hpp"

namespace parley::store {
namespace {

using codec::kind_name;
using codec::kind_of;
using codec::word_term;

std::optional<Room> room_of(Connection& c, RoomId id) {
  Stmt s(c,
         "SELECT id, kind, name, topic, created_by, last_seq, group_id, deleted FROM rooms WHERE "
         "id = ?1");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return Room{s.id<RoomId>(0), kind_of(s.text(1)), s.text(2),        s.text(3),
              s.id<UserId>(4), s.i64(5),           s.id<GroupId>(6), s.i64(7) != 0};
}

std::optional<bool> group_role_of(Connection& c, GroupId group, UserId user) {
  Stmt s(c, "SELECT role FROM group_members WHERE group_id = ?1 AND user_id = ?2");
  s.bind(1, group).bind(2, user);
  if (!s.step()) return std::nullopt;
  return s.text(0) == "admin";
}

std::optional<Membership> membership_of(Connection& c, RoomId room, UserId user) {
  Stmt s(c,
         "SELECT role, read_seq, delivered_seq, muted_until FROM members WHERE room_id = ?1 AND "
         "user_id = ?2");
  s.bind(1, room).bind(2, user);
  if (!s.step()) return std::nullopt;
  return Membership{room, user, s.text(0) == "admin", s.i64(1), s.i64(2), s.i64(3)};
}

std::optional<Message> message_of(Connection& c, MessageId id) {
  Stmt s(c,
         "SELECT id, room_id, seq, author, text, reply_to, deleted, pinned_at FROM messages WHERE "
         "id = ?1");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return Message{s.id<MessageId>(0), s.id<RoomId>(1),    s.i64(2),      s.id<UserId>(3),
                 s.text(4),          s.id<MessageId>(5), s.i64(6) != 0, s.i64(7)};
}

std::optional<UserBrief> user_where(Connection& c, std::string_view where, auto&& value) {
  Stmt s(c, fmt::format("SELECT id, username, display_name, last_seen FROM users WHERE {}", where));
  s.bind(1, value);
  if (!s.step()) return std::nullopt;
  return UserBrief{s.id<UserId>(0), s.text(1), s.text(2), s.i64(3), {}};
}

std::vector<RoomSummary> rooms_of_user(Connection& c, UserId user) {
  // Unread counts stop at 1000: counting a million unread rows on every connect would be slow,
  // and a badge shows "999+" anyway.
  Stmt s(c, R"(
    SELECT r.id, r.kind, r.name, r.topic, r.created_by, r.last_seq, m.role, m.read_seq,
      m.delivered_seq, m.notify, m.volume, m.muted, m.hidden, r.last_at,
      (SELECT count(*) FROM (SELECT 1 FROM messages x WHERE x.room_id = r.id AND
         x.seq > m.read_seq AND x.author <> m.user_id AND x.deleted = 0 LIMIT 1000)),
      (SELECT count(*) FROM mentions y JOIN messages x ON x.id = y.message_id
         WHERE y.user_id = m.user_id AND x.room_id = r.id AND x.seq > m.read_seq AND x.deleted = 0),
      r.member_count, r.group_id, m.muted_until
    FROM members m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = ?1 ORDER BY r.last_at DESC)");
  s.bind(1, user);
  std::vector<RoomSummary> out;
  while (s.step()) {
    RoomSummary r;
    r.room = Room{s.id<RoomId>(0), kind_of(s.text(1)), s.text(2),         s.text(3),
                  s.id<UserId>(4), s.i64(5),           s.id<GroupId>(17), false};
    r.me = Membership{r.room.id, user, s.text(6) == "admin", s.i64(7), s.i64(8), s.i64(18)};
    r.notify = s.i64(9) != 0;
    r.volume = static_cast<int>(s.i64(10));
    r.muted = s.i64(11) != 0;
    r.hidden = s.i64(12) != 0;
    r.last_at = s.i64(13);
    r.unread = static_cast<int>(s.i64(14));
    r.mentions = static_cast<int>(s.i64(15));
    r.members = static_cast<int>(s.i64(16));
    out.push_back(std::move(r));
  }
  for (auto& r : out) {
    if (r.room.kind != RoomKind::kDirect) continue;
    Stmt p(c,
           "SELECT u.id, u.username, u.display_name, u.last_seen FROM members m JOIN users u ON "
           "u.id = m.user_id WHERE m.room_id = ?1 AND m.user_id <> ?2 LIMIT 1");
    p.bind(1, r.room.id).bind(2, user);
    if (p.step()) r.peer = UserBrief{p.id<UserId>(0), p.text(1), p.text(2), p.i64(3), {}};
  }
  return out;
}

constexpr std::string_view kEventColumns = R"(
  e.room_id, e.seq, e.kind, e.user_id, u.username, e.at, e.message_id, e.text, e.ref, e.flag,
  e.extra, coalesce(t.username, ''), m.deleted, m.edited_at, m.replies, m.text)";
constexpr std::string_view kEventJoins = R"(
  JOIN users u ON u.id = e.user_id
  LEFT JOIN users t ON t.id = e.ref AND e.kind IN (8, 9, 14)
  LEFT JOIN messages m ON m.id = e.message_id AND e.kind = 2)";

Event read_event(const Stmt& s) {
  Event e;
  e.room = s.id<RoomId>(0);
  e.seq = s.i64(1);
  e.kind = static_cast<EventKind>(s.i64(2));
  e.user = s.id<UserId>(3);
  e.username = s.text(4);
  e.at = s.i64(5);
  e.message = s.id<MessageId>(6);
  e.text = s.text(7);
  switch (e.kind) {
    case EventKind::kMessage:
      e.reply_to = s.id<MessageId>(8);
      e.mentions = split_ids<UserId>(s.text(10));
      e.has_state = true;
      e.deleted = s.i64(12) != 0;
      e.edited_at = s.i64(13);
      e.replies = static_cast<int>(s.i64(14));
      e.text = s.text(15);
      break;
    case EventKind::kInvited:
    case EventKind::kRemoved:
      e.target = s.id<UserId>(8);
      e.target_name = s.text(11);
      break;
    case EventKind::kReaction:
      e.on = s.i64(9) != 0;
      break;
    case EventKind::kCreated:
      e.room_kind = static_cast<RoomKind>(s.i64(9));
      e.topic = s.text(10);
      break;
    case EventKind::kRenamed:
      e.topic = s.text(10);
      break;
    case EventKind::kCall:
      e.duration = s.i64(8);
      e.on = s.i64(9) != 0;
      break;
    case EventKind::kPinned:
      e.on = s.i64(9) != 0;
      break;
    case EventKind::kMemberMuted: {
      e.target = s.id<UserId>(8);
      e.target_name = s.text(11);
      auto until = s.text(10);
      std::from_chars(until.data(), until.data() + until.size(), e.until);
      break;
    }
    default:
      break;
  }
  return e;
}

// The live message events of a page, by message id, and their ids as a JSON array: one query
// then fills in what hangs off all of them (json_each), instead of a query per message.
struct PageMessages {
  std::unordered_map<MessageId, Event*> by_id;
  std::string ids = "[";
};

PageMessages page_messages(std::vector<Event>& events) {
  PageMessages m;
  for (auto& e : events) {
    if (e.kind != EventKind::kMessage || e.deleted || !e.message) continue;
    if (m.by_id.emplace(e.message, &e).second) {
      if (m.ids.size() > 1) m.ids += ',';
      m.ids += std::to_string(e.message.value());
    }
  }
  m.ids += ']';
  return m;
}

// Fills in the reactions and files of the (not deleted) message events in `events`.
void add_reactions_and_files(Connection& c, std::vector<Event>& events) {
  auto page = page_messages(events);
  if (page.by_id.empty()) return;
  Stmt r(c,
         "SELECT message_id, emoji, user_id FROM reactions WHERE message_id IN (SELECT value "
         "FROM json_each(?1)) ORDER BY message_id, emoji, at, user_id");
  r.bind(1, page.ids);
  while (r.step()) {
    Event& e = *page.by_id.at(r.id<MessageId>(0));
    auto emoji = r.text(1);
    if (e.reactions.empty() || e.reactions.back().emoji != emoji) {
      e.reactions.push_back(Reaction{emoji, {}});
    }
    e.reactions.back().users.push_back(r.id<UserId>(2));
  }
  Stmt f(c, fmt::format("SELECT f.message_id, {} FROM files f JOIN blobs b ON b.sha256 = f.blob "
                        "WHERE f.message_id IN (SELECT value FROM json_each(?1)) ORDER BY "
                        "f.message_id, f.position",
                        kFileInfoColumns));
  f.bind(1, page.ids);
  while (f.step()) page.by_id.at(f.id<MessageId>(0))->files.push_back(read_file_info(f, 1));
}

std::vector<Event> query_events(Connection& c, std::string_view tail, auto&& binder) {
  Stmt s(c, fmt::format("SELECT {} FROM events e {} {}", kEventColumns, kEventJoins, tail));
  binder(s);
  std::vector<Event> out;
  while (s.step()) out.push_back(read_event(s));
  add_reactions_and_files(c, out);
  return out;
}

class SqliteChatTx final : public ChatTx {
 public:
  explicit SqliteChatTx(Connection& c) : c_(c) {}

  std::optional<UserBrief> user(UserId id) override { return user_where(c_, "id = ?1", id); }
  std::optional<UserBrief> user_by_name(const std::string& username) override {
    return user_where(c_, "username_key = ?1", lower(username));
  }
  bool is_server_admin(UserId id) override {
    Stmt s(c_, "SELECT is_admin FROM users WHERE id = ?1");
    s.bind(1, id);
    return s.step() && s.i64(0) != 0;
  }
  std::optional<Room> room(RoomId id) override { return room_of(c_, id); }
  std::optional<Membership> membership(RoomId room, UserId user) override {
    return membership_of(c_, room, user);
  }
  std::optional<Message> message(MessageId id) override { return message_of(c_, id); }
  std::optional<RoomId> direct_room(const std::string& key) override {
    Stmt s(c_, "SELECT id FROM rooms WHERE direct_key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.id<RoomId>(0);
  }
  std::vector<RoomSummary> rooms_of(UserId user) override { return rooms_of_user(c_, user); }
  std::vector<RoomId> room_ids_of(UserId user) override {
    Stmt s(c_, "SELECT room_id FROM members WHERE user_id = ?1 ORDER BY room_id");
    s.bind(1, user);
    std::vector<RoomId> out;
    while (s.step()) out.push_back(s.id<RoomId>(0));
    return out;
  }
  int member_count(RoomId room) override {
    Stmt s(c_, "SELECT coalesce((SELECT member_count FROM rooms WHERE id = ?1), 0)");
    s.bind(1, room);
    s.step();
    return static_cast<int>(s.i64(0));
  }

  std::optional<CommandOutcome> find_command(UserId user, const std::string& cid) override {
    Stmt s(c_,
           "SELECT room_id, seq, message_id, group_id FROM client_commands WHERE user_id = ?1 "
           "AND cid = ?2");
    s.bind(1, user).bind(2, cid);
    if (!s.step()) return std::nullopt;
    return CommandOutcome{s.id<RoomId>(0), s.i64(1), s.id<MessageId>(2), s.id<GroupId>(3)};
  }
  void save_command(UserId user, const std::string& cid, const CommandOutcome& o) override {
    Stmt s(c_,
           "INSERT INTO client_commands (user_id, cid, room_id, seq, message_id, group_id, at) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    s.bind(1, user).bind(2, cid).bind(3, o.room).bind(4, o.seq).bind(5, o.message);
    s.bind(6, o.group).bind(7, now_hint_);
    s.run();
  }

  std::optional<Group> group(GroupId id) override {
    Stmt s(c_, "SELECT id, name FROM groups WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return Group{s.id<GroupId>(0), s.text(1)};
  }
  std::optional<bool> group_role(GroupId group, UserId user) override {
    return group_role_of(c_, group, user);
  }
  GroupId create_group(const std::string& name, UserId creator, Millis at) override {
    Stmt s(c_, "INSERT INTO groups (name, created_by, created_at) VALUES (?1, ?2, ?3)");
    s.bind(1, name).bind(2, creator).bind(3, at);
    s.run();
    return GroupId{c_.last_insert_id()};
  }
  void add_group_member(GroupId group, UserId user, bool admin, Millis at) override {
    Stmt s(c_,
           "INSERT INTO group_members (group_id, user_id, role, joined_at) VALUES (?1, ?2, ?3, "
           "?4) ON CONFLICT DO NOTHING");
    s.bind(1, group).bind(2, user).bind(3, admin ? "admin" : "member").bind(4, at);
    s.run();
  }
  void remove_group_member(GroupId group, UserId user) override {
    Stmt s(c_, "DELETE FROM group_members WHERE group_id = ?1 AND user_id = ?2");
    s.bind(1, group).bind(2, user);
    s.run();
  }
  std::vector<RoomId> group_rooms(GroupId group) override {
    Stmt s(c_, "SELECT id FROM rooms WHERE group_id = ?1 ORDER BY id");
    s.bind(1, group);
    std::vector<RoomId> out;
    while (s.step()) out.push_back(s.id<RoomId>(0));
    return out;
  }
  std::vector<UserId> group_members(GroupId group) override {
    Stmt s(c_, "SELECT user_id FROM group_members WHERE group_id = ?1 ORDER BY user_id");
    s.bind(1, group);
    std::vector<UserId> out;
    while (s.step()) out.push_back(s.id<UserId>(0));
    return out;
  }
  void delete_group(GroupId group) override {
    for (auto sql :
         {"DELETE FROM group_members WHERE group_id = ?1", "DELETE FROM groups WHERE id = ?1"}) {
      Stmt s(c_, sql);
      s.bind(1, group);
      s.run();
    }
  }

  RoomId create_room(RoomKind kind, const std::string& name, const std::string& topic,
                     UserId creator, const std::optional<std::string>& direct_key, GroupId group,
                     Millis at) override {
    Stmt s(c_,
           "INSERT INTO rooms (kind, name, name_key, topic, created_by, created_at, last_at, "
           "direct_key, group_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)");
    s.bind(1, kind_name(kind)).bind(2, name).bind(3, lower(name)).bind(4, topic);
    s.bind(5, creator).bind(6, at).bind(7, direct_key).bind(8, group);
    s.run();
    return RoomId{c_.last_insert_id()};
  }
  void rename_room(RoomId id, const std::string& name, const std::string& topic) override {
    Stmt s(c_, "UPDATE rooms SET name = ?2, name_key = ?3, topic = ?4 WHERE id = ?1");
    s.bind(1, id).bind(2, name).bind(3, lower(name)).bind(4, topic);
    s.run();
  }
  void add_member(RoomId room, UserId user, bool admin, Millis at) override {
    Stmt s(c_,
           "INSERT INTO members (room_id, user_id, role, joined_at, muted_until) VALUES (?1, ?2, "
           "?3, ?4, coalesce((SELECT until FROM room_mutes WHERE room_id = ?1 AND user_id = ?2 "
           "AND until > ?4), 0)) ON CONFLICT DO NOTHING");
    s.bind(1, room).bind(2, user).bind(3, admin ? "admin" : "member").bind(4, at);
    s.run();
  }
  void remove_member(RoomId room, UserId user) override {
    Stmt s(c_, "DELETE FROM members WHERE room_id = ?1 AND user_id = ?2");
    s.bind(1, room).bind(2, user);
    s.run();
  }
  void set_muted_until(RoomId room, UserId user, Millis until) override {
    Stmt s(c_, "UPDATE members SET muted_until = ?3 WHERE room_id = ?1 AND user_id = ?2");
    s.bind(1, room).bind(2, user).bind(3, until);
    s.run();
    // Kept apart from the membership, so leaving and joining again does not lift it.
    Stmt keep(c_, until ? "INSERT INTO room_mutes (room_id, user_id, until) VALUES (?1, ?2, ?3) "
                          "ON CONFLICT DO UPDATE SET until = excluded.until"
                        : "DELETE FROM room_mutes WHERE room_id = ?1 AND user_id = ?2");
    keep.bind(1, room).bind(2, user);
    if (until) keep.bind(3, until);
    keep.run();
  }
  void set_pinned(MessageId id, Millis at) override {
    Stmt s(c_, "UPDATE messages SET pinned_at = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, at);
    s.run();
  }
  int pinned_count(RoomId room) override {
    Stmt s(c_, "SELECT count(*) FROM messages WHERE room_id = ?1 AND pinned_at <> 0");
    s.bind(1, room);
    s.step();
    return static_cast<int>(s.i64(0));
  }
  std::vector<UserId> room_members(RoomId room) override {
    Stmt s(c_, "SELECT user_id FROM members WHERE room_id = ?1 ORDER BY user_id");
    s.bind(1, room);
    std::vector<UserId> out;
    while (s.step()) out.push_back(s.id<UserId>(0));
    return out;
  }
  void delete_room(RoomId room) override {
    Stmt s(c_, "UPDATE rooms SET deleted = 1 WHERE id = ?1");
    s.bind(1, room);
    s.run();
  }
  std::optional<RoomId> channel_named(const std::string& name) override {
    Stmt s(c_,
           "SELECT id FROM rooms WHERE kind = 'channel' AND group_id = 0 AND name_key = ?1 "
           "AND deleted = 0 ORDER BY id LIMIT 1");
    s.bind(1, lower(name));
    if (!s.step()) return std::nullopt;
    return s.id<RoomId>(0);
  }
  void set_member_admin(RoomId room, UserId user, bool admin) override {
    Stmt s(c_, "UPDATE members SET role = ?3 WHERE room_id = ?1 AND user_id = ?2");
    s.bind(1, room).bind(2, user).bind(3, admin ? "admin" : "member");
    s.run();
  }
  void update_member(RoomId room, UserId user, const MemberSettings& m) override {
    Stmt s(c_,
           "UPDATE members SET notify = coalesce(?3, notify), volume = coalesce(?4, volume), "
           "muted = coalesce(?5, muted), hidden = coalesce(?6, hidden) WHERE room_id = ?1 AND "
           "user_id = ?2");
    s.bind(1, room).bind(2, user);
    auto opt = [&](int i, auto v) {
      if (v) {
        s.bind(i, std::int64_t{*v});
      } else {
        s.bind_null(i);
      }
    };
    opt(3, m.notify);
    opt(4, m.volume);
    opt(5, m.muted);
    opt(6, m.hidden);
    s.run();
  }
  Membership advance(RoomId room, UserId user, Seq delivered, Seq read) override {
    Stmt s(c_,
           "UPDATE members SET read_seq = max(read_seq, ?4), delivered_seq = max(delivered_seq, "
           "?3, ?4) WHERE room_id = ?1 AND user_id = ?2");
    s.bind(1, room).bind(2, user).bind(3, delivered).bind(4, read);
    s.run();
    return membership_of(c_, room, user).value_or(Membership{});
  }

  void append(Event& e) override {
    now_hint_ = e.at;
    Stmt next(
        c_,
        "UPDATE rooms SET last_seq = last_seq + 1, last_at = ?2 WHERE id = ?1 RETURNING last_seq");
    next.bind(1, e.room).bind(2, e.at);
    if (!next.step()) throw DbError(SQLITE_NOTFOUND, "append to a room that does not exist");
    e.seq = next.i64(0);
    next.run();
    auto [ref, flag, extra] = codec::columns_of(e);
    Stmt s(c_,
           "INSERT INTO events (room_id, seq, kind, user_id, at, message_id, text, ref, flag, "
           "extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    s.bind(1, e.room).bind(2, e.seq).bind(3, static_cast<std::int64_t>(e.kind)).bind(4, e.user);
    s.bind(5, e.at).bind(6, e.message).bind(7, e.text).bind(8, ref).bind(9, flag).bind(10, extra);
    s.run();
  }

  void post(Event& e) override {
    append(e);
    Stmt m(c_,
           "INSERT INTO messages (room_id, seq, author, text, reply_to, created_at) VALUES (?1, "
           "?2, ?3, ?4, ?5, ?6)");
    m.bind(1, e.room).bind(2, e.seq).bind(3, e.user).bind(4, e.text).bind(5, e.reply_to);
    m.bind(6, e.at);
    m.run();
    e.message = MessageId{c_.last_insert_id()};
    Stmt link(c_, "UPDATE events SET message_id = ?3 WHERE room_id = ?1 AND seq = ?2");
    link.bind(1, e.room).bind(2, e.seq).bind(3, e.message);
    link.run();
    for (auto user : e.mentions) {
      Stmt s(c_, "INSERT OR IGNORE INTO mentions (message_id, user_id) VALUES (?1, ?2)");
      s.bind(1, e.message).bind(2, user);
      s.run();
    }
    if (e.reply_to) {
      Stmt s(c_, "UPDATE messages SET replies = replies + 1 WHERE id = ?1");
      s.bind(1, e.reply_to);
      s.run();
    }
    for (std::size_t i = 0; i < e.files.size(); ++i) {
      Stmt s(c_,
             "UPDATE files SET message_id = ?2, position = ?3 WHERE id = ?1 AND message_id IS "
             "NULL");
      s.bind(1, e.files[i].id).bind(2, e.message).bind(3, static_cast<std::int64_t>(i));
      s.run();
    }
  }

  void show_room(RoomId id) override {
    Stmt s(c_, "UPDATE members SET hidden = 0 WHERE room_id = ?1 AND hidden <> 0");
    s.bind(1, id);
    s.run();
  }
  void set_room_kind(RoomId id, RoomKind kind) override {
    Stmt s(c_, "UPDATE rooms SET kind = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, kind_name(kind));
    s.run();
  }
  void set_room_group(RoomId id, GroupId group) override {
    Stmt s(c_, "UPDATE rooms SET group_id = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, group);
    s.run();
  }

  std::vector<FileInfo> unattached_files(RoomId room, UserId uploader,
                                         const std::vector<FileId>& ids) override {
    std::vector<FileInfo> out;
    for (auto id : ids) {
      Stmt s(c_, fmt::format("SELECT {} FROM files f JOIN blobs b ON b.sha256 = f.blob WHERE "
                             "f.id = ?1 AND f.room_id = ?2 AND f.uploader = ?3 AND f.message_id "
                             "IS NULL",
                             kFileInfoColumns));
      s.bind(1, id).bind(2, room).bind(3, uploader);
      if (s.step()) out.push_back(read_file_info(s));
    }
    return out;
  }

  void edit_message(MessageId id, const std::string& text, Millis at) override {
    Stmt keep(c_,
              "INSERT INTO message_edits (message_id, at, text) SELECT id, coalesce(nullif("
              "edited_at, 0), created_at), text FROM messages WHERE id = ?1");
    keep.bind(1, id);
    keep.run();
    Stmt s(c_, "UPDATE messages SET text = ?2, edited_at = ?3 WHERE id = ?1");
    s.bind(1, id).bind(2, text).bind(3, at);
    s.run();
  }

  void delete_message(MessageId id) override {
    for (auto sql : {"UPDATE messages SET text = '', deleted = 1, pinned_at = 0 WHERE id = ?1",
                     "UPDATE events SET text = '', extra = '' WHERE message_id = ?1",
                     "DELETE FROM message_edits WHERE message_id = ?1",
                     "DELETE FROM reactions WHERE message_id = ?1",
                     "DELETE FROM mentions WHERE message_id = ?1"}) {
      Stmt s(c_, sql);
      s.bind(1, id);
      s.run();
    }
  }

  bool toggle_reaction(MessageId id, UserId user, const std::string& emoji) override {
    Stmt del(c_, "DELETE FROM reactions WHERE message_id = ?1 AND user_id = ?2 AND emoji = ?3");
    del.bind(1, id).bind(2, user).bind(3, emoji);
    del.run();
    if (c_.changes() > 0) return false;
    Stmt ins(c_, "INSERT INTO reactions (message_id, user_id, emoji, at) VALUES (?1, ?2, ?3, ?4)");
    ins.bind(1, id).bind(2, user).bind(3, emoji).bind(4, now_hint_);
    ins.run();
    return true;
  }

 private:
  Connection& c_;
  Millis now_hint_ = 0;  // the time of the latest appended event, for rows stamped with it
};

}  // namespace

void SqliteStore::Impl::run_chat_writer() {
  // Client command ids are kept a week: a client resends unacked commands when it reconnects,
  // not weeks later. Swept every ten minutes.
  constexpr auto kSweepEvery = std::chrono::minutes(10);
  constexpr Millis kKeepCommands = 7LL * 24 * 3600 * 1000;
  auto next_sweep = std::chrono::steady_clock::now() + kSweepEvery;
  for (;;) {
    std::deque<Job> batch;
    {
      std::unique_lock lock(jobs_mu);
      jobs_cv.wait(lock, [&] { return stopping || !jobs.empty(); });
      if (jobs.empty()) return;
      batch.swap(jobs);
    }
    bool committed = false;
    std::unique_lock publish(publish_mu, std::defer_lock);
    {
      std::lock_guard lock(writer_mu);
      try {
        Transaction tx(writer);
        SqliteChatTx chat(writer);
        for (auto& job : batch) {
          writer.exec("SAVEPOINT job");
          bool keep = false;
          try {
            keep = job.job(chat);
          } catch (const std::exception& e) {
            spdlog::error("chat write failed: {}", e.what());
            job.job = nullptr;  // marks it failed for `done`
          }
          if (!keep) writer.exec("ROLLBACK TO job");
          writer.exec("RELEASE job");
        }
        publish.lock();
        tx.commit();
        committed = true;
      } catch (const std::exception& e) {
        spdlog::error("chat transaction of {} commands failed: {}", batch.size(), e.what());
      }
    }
    if (!publish.owns_lock()) publish.lock();
    for (auto& job : batch) job.done(committed && job.job != nullptr);
    publish.unlock();
    if (std::chrono::steady_clock::now() >= next_sweep) {
      next_sweep = std::chrono::steady_clock::now() + kSweepEvery;
      std::lock_guard lock(writer_mu);
      try {
        Stmt s(writer, "DELETE FROM client_commands WHERE at < ?1");
        s.bind(1, core::now_ms() - kKeepCommands);
        s.run();
      } catch (const std::exception& e) {
        spdlog::error("sweeping client command ids failed: {}", e.what());
      }
    }
  }
}

void SqliteStore::stop_chat_writer() {
  impl_->stop_chat_writer();
}

void SqliteStore::write_chat(ChatJob job, std::function<void(bool)> done) {
  {
    std::lock_guard lock(impl_->jobs_mu);
    impl_->jobs.push_back(Impl::Job{std::move(job), std::move(done)});
  }
  impl_->jobs_cv.notify_one();
}

std::vector<RoomSummary> SqliteStore::rooms_at_mark(
    UserId user, const std::function<void(const std::vector<RoomId>&)>& mark) {
  return impl_->read([&](Connection& c) {
    c.exec("BEGIN");  // deferred: the snapshot is taken by the first read, under publish_mu
    try {
      {
        std::lock_guard lock(impl_->publish_mu);
        Stmt s(c, "SELECT room_id FROM members WHERE user_id = ?1 ORDER BY room_id");
        s.bind(1, user);
        std::vector<RoomId> ids;
        while (s.step()) ids.push_back(s.id<RoomId>(0));
        mark(ids);
      }
      auto rooms = rooms_of_user(c, user);  // the same snapshot, without holding the writer
      c.exec("COMMIT");
      return rooms;
    } catch (...) {
      c.exec("ROLLBACK");
      throw;
    }
  });
}

std::optional<Room> SqliteStore::room(RoomId id) {
  return impl_->read([&](Connection& c) { return room_of(c, id); });
}

std::optional<Membership> SqliteStore::membership(RoomId room, UserId user) {
  return impl_->read([&](Connection& c) { return membership_of(c, room, user); });
}

std::optional<Message> SqliteStore::message(MessageId id) {
  return impl_->read([&](Connection& c) { return message_of(c, id); });
}

std::vector<RoomSummary> SqliteStore::rooms_of(UserId user) {
  return impl_->read([&](Connection& c) { return rooms_of_user(c, user); });
}

std::vector<Event> SqliteStore::history(RoomId room, Seq before, int limit,
                                        const std::vector<EventKind>& skip) {
  std::string kinds;
  for (auto k : skip) kinds += (kinds.empty() ? "" : ", ") + std::to_string(static_cast<int>(k));
  return impl_->read([&](Connection& c) {
    return query_events(c,
                        "WHERE e.room_id = ?1 AND e.seq < ?2 AND e.kind NOT IN (" + kinds +
                            ") ORDER BY e.seq DESC LIMIT ?3",
                        [&](Stmt& s) { s.bind(1, room).bind(2, before).bind(3, limit); });
  });
}

std::vector<Event> SqliteStore::events_after(RoomId room, Seq after, int limit) {
  return impl_->read([&](Connection& c) {
    return query_events(c, "WHERE e.room_id = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3",
                        [&](Stmt& s) { s.bind(1, room).bind(2, after).bind(3, limit); });
  });
}

std::vector<Event> SqliteStore::thread(MessageId parent, Seq before, int limit) {
  return impl_->read([&](Connection& c) {
    return query_events(c,
                        "JOIN messages r ON r.room_id = e.room_id AND r.seq = e.seq WHERE "
                        "r.reply_to = ?1 AND r.seq < ?2 ORDER BY r.seq DESC LIMIT ?3",
                        [&](Stmt& s) { s.bind(1, parent).bind(2, before).bind(3, limit); });
  });
}

std::vector<Edit> SqliteStore::edits(MessageId id) {
  return impl_->read([&](Connection& c) {
    Stmt s(c, "SELECT text, at FROM message_edits WHERE message_id = ?1 ORDER BY at, rowid");
    s.bind(1, id);
    std::vector<Edit> out;
    while (s.step()) out.push_back(Edit{s.text(0), s.i64(1)});
    return out;
  });
}

namespace {

// An FTS5 string literal: the term as one phrase, its quotes doubled.
std::string fts_phrase(std::string_view term) {
  std::string out = "\"";
  for (char ch : term) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + '"';
}

// Stops a statement once the search's time is up (SQLITE_INTERRUPT).
int past_deadline(void* deadline) {
  return std::chrono::steady_clock::now() >
         *static_cast<std::chrono::steady_clock::time_point*>(deadline);
}

}  // namespace

// The most selective index drives: trigrams for terms of 3+ characters, else words for short
// terms of spaced scripts, else the messages themselves (newest first). The remaining short terms
// are checked as substrings (LIKE) of what the index found. Dates become id bounds through
// messages_by_time, so the index walk starts and stops in the right place.
SearchHits SqliteStore::search(const SearchQuery& q) {
  std::vector<std::string> grams, words, likes;
  for (const auto& t : q.terms) {
    if (core::utf8_length(t) >= 3) {
      grams.push_back(fts_phrase(t));
    } else if (word_term(t)) {
      words.push_back(fts_phrase(t) + "*");
    } else {
      likes.push_back("%" + like_escape(t) + "%");
    }
  }
  if (!grams.empty() && !words.empty()) {
    for (const auto& w : words) likes.push_back("%" + like_escape(w.substr(1, w.size() - 3)) + "%");
    words.clear();
  }
  auto join_and = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : " AND ") + x;
    return out;
  };

  std::string from, where, key;
  // A value bound in order (a variant<int64_t, string> here trips GCC 12's -Wmaybe-uninitialized).
  struct Bind {
    std::int64_t n = 0;
    std::optional<std::string> text;
  };
  std::vector<Bind> binds;
  if (!grams.empty()) {
    from = "message_grams d CROSS JOIN messages m ON m.id = d.rowid";
    where = "d.message_grams MATCH ?";
    key = "d.rowid";
    binds.push_back({0, join_and(grams)});
  } else if (!words.empty()) {
    from = "message_words d CROSS JOIN messages m ON m.id = d.rowid";
    where = "d.message_words MATCH ?";
    key = "d.rowid";
    binds.push_back({0, join_and(words)});
  } else {
    from = "messages m";
    where = "1";
    key = "m.id";
  }
  // The order rows come in, so LIMIT stops the walk early: the index's (rowid), or the messages'
  // newest first (the room's by its seq index, or all of them by id). CROSS JOIN keeps the
  // planner from starting at the caller's rooms and sorting everything they hold.
  std::string order = key;
  if (!q.room) {
    from += " CROSS JOIN members mb ON mb.room_id = m.room_id AND mb.user_id = ?";
    binds.insert(binds.begin(), Bind{q.member.value(), std::nullopt});
  } else {
    where += grams.empty() && words.empty() ? " AND m.room_id = ?" : " AND +m.room_id = ?";
    if (grams.empty() && words.empty()) order = "m.seq";
    binds.push_back({q.room.value(), std::nullopt});
  }
  where += fmt::format(" AND {0} < ? AND {0} >= ? AND m.deleted = 0", key);
  binds.push_back({});  // bounds, set below
  binds.push_back({});
  std::size_t bounds = binds.size() - 2;
  if (q.from) {
    where += " AND m.author = ?";
    binds.push_back({q.from.value(), std::nullopt});
  }
  if (q.after) {
    where += " AND m.created_at >= ?";
    binds.push_back({q.after, std::nullopt});
  }
  if (q.before) {
    where += " AND m.created_at < ?";
    binds.push_back({q.before, std::nullopt});
  }
  for (const auto& l : likes) {
    where += " AND m.text LIKE ? ESCAPE '\\'";
    binds.push_back({0, l});
  }
  binds.push_back({q.limit, std::nullopt});
  std::string sql =
      fmt::format("SELECT m.id FROM {} WHERE {} ORDER BY {} DESC LIMIT ?", from, where, order);

  return impl_->read([&](Connection& c) {
    std::int64_t hi = q.below ? q.below.value() : std::numeric_limits<std::int64_t>::max();
    std::int64_t lo = 0;
    if (q.after || q.before) {
      Stmt s(c,
             "SELECT coalesce((SELECT min(id) FROM messages WHERE created_at >= ?1), -1), "
             "coalesce((SELECT min(id) FROM messages WHERE created_at >= ?2), -1)");
      s.bind(1, q.after).bind(2, q.before);
      s.step();
      auto after_id = s.i64(0), before_id = s.i64(1);
      if (q.after && after_id < 0) return SearchHits{};  // nothing that recent
      if (q.after) lo = after_id;
      if (q.before && before_id >= 0) hi = std::min(hi, before_id);
    }
    binds[bounds].n = hi;
    binds[bounds + 1].n = lo;

    SearchHits hits;
    std::string ids = "[";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(q.budget_ms);
    sqlite3_progress_handler(c.get(), 2000, &past_deadline, &deadline);
    struct Unset {  // whatever happens, the reader connection keeps no pointer to `deadline`
      sqlite3* db;
      ~Unset() { sqlite3_progress_handler(db, 0, nullptr, nullptr); }
    } unset{c.get()};
    try {
      Stmt s(c, sql);
      int i = 1;
      for (const auto& b : binds) {
        if (b.text) {
          s.bind(i++, *b.text);
        } else {
          s.bind(i++, b.n);
        }
      }
      while (s.step()) {
        if (ids.size() > 1) ids += ',';
        ids += std::to_string(s.i64(0));
      }
    } catch (const DbError& e) {
      if ((e.code() & 0xff) != SQLITE_INTERRUPT) throw;
      hits.partial = true;
    }
    ids += ']';
    if (ids.size() > 2) {
      // By the events' key (the planner would otherwise walk every event to join messages).
      hits.items = query_events(c,
                                "WHERE (e.room_id, e.seq) IN (SELECT room_id, seq FROM messages "
                                "WHERE id IN (SELECT value FROM json_each(?1)))",
                                [&](Stmt& s) { s.bind(1, ids); });
      std::sort(hits.items.begin(), hits.items.end(),
                [](const Event& a, const Event& b) { return a.message > b.message; });
    }
    return hits;
  });
}

std::vector<Event> SqliteStore::pins(RoomId room, int limit) {
  return impl_->read([&](Connection& c) {
    return query_events(c,
                        "JOIN messages r ON r.room_id = e.room_id AND r.seq = e.seq WHERE "
                        "r.room_id = ?1 AND r.pinned_at <> 0 AND r.deleted = 0 ORDER BY "
                        "r.pinned_at DESC LIMIT ?2",
                        [&](Stmt& s) { s.bind(1, room).bind(2, limit); });
  });
}

std::vector<MemberInfo> SqliteStore::members(RoomId room, const MemberQuery& q) {
  return impl_->read([&](Connection& c) {
    Stmt s(c,
           "SELECT u.id, u.username, u.display_name, u.last_seen, m.role, u.avatar FROM members m "
           "JOIN users u ON u.id = m.user_id WHERE m.room_id = ?1 AND u.username_key > ?2 AND (?3 "
           "= '%' OR u.username_key LIKE ?3 ESCAPE '\\' OR lower(u.display_name) LIKE ?3 ESCAPE "
           "'\\') AND (?5 = '[]' OR m.user_id IN (SELECT value FROM json_each(?5))) ORDER BY "
           "u.username_key LIMIT ?4");
    s.bind(1, room).bind(2, lower(q.after)).bind(3, like_escape(q.prefix) + "%");
    s.bind(4, q.limit > 0 ? q.limit : -1).bind(5, "[" + join_ids(q.users) + "]");
    std::vector<MemberInfo> out;
    while (s.step()) {
      out.push_back(
          MemberInfo{UserBrief{s.id<UserId>(0), s.text(1), s.text(2), s.i64(3), s.text(5)},
                     s.text(4) == "admin"});
    }
    return out;
  });
}

std::vector<DirectoryEntry> SqliteStore::directory(UserId viewer, const std::string& query,
                                                   int limit) {
  return impl_->read([&](Connection& c) {
    // Channels in no group, and those of the viewer's groups.
    Stmt s(c, R"(
      SELECT r.id, r.group_id, r.name, r.topic,
        r.member_count,
        EXISTS (SELECT 1 FROM members z WHERE z.room_id = r.id AND z.user_id = ?1)
      FROM rooms r WHERE r.kind = 'channel' AND r.deleted = 0 AND r.name_key LIKE ?2 ESCAPE '\' AND
        (r.group_id = 0 OR EXISTS (SELECT 1 FROM group_members g WHERE g.group_id = r.group_id
                                   AND g.user_id = ?1))
      ORDER BY r.name_key LIMIT ?3)");
    s.bind(1, viewer).bind(2, "%" + like_escape(query) + "%").bind(3, limit);
    std::vector<DirectoryEntry> out;
    while (s.step()) {
      out.push_back(DirectoryEntry{s.id<RoomId>(0), s.id<GroupId>(1), s.text(2), s.text(3),
                                   static_cast<int>(s.i64(4)), s.i64(5) != 0});
    }
    return out;
  });
}

std::vector<UserBrief> SqliteStore::find_users(UserId viewer, const std::string& prefix,
                                               int limit) {
  return impl_->read([&](Connection& c) {
    Stmt s(c, "SELECT u.id, u.username, u.display_name, u.last_seen, " + presence_visible_to("?3") +
                  " FROM users u WHERE u.username_key LIKE ?1 ESCAPE '\\' OR lower(u.display_name) "
                  "LIKE ?1 ESCAPE '\\' ORDER BY u.username_key LIMIT ?2");
    s.bind(1, like_escape(prefix) + "%").bind(2, limit).bind(3, viewer);
    std::vector<UserBrief> out;
    while (s.step()) {
      UserBrief u{s.id<UserId>(0), s.text(1), s.text(2), s.i64(3), {}};
      u.presence_visible = s.i64(4) != 0;
      if (!u.presence_visible) u.last_seen = 0;
      out.push_back(std::move(u));
    }
    return out;
  });
}

std::vector<UserBrief> SqliteStore::presence_visible(UserId viewer,
                                                     const std::vector<UserId>& users) {
  return impl_->read([&](Connection& c) {
    Stmt s(c,
           "SELECT u.id, u.last_seen FROM users u WHERE u.id IN (SELECT value FROM json_each(?1)) "
           "AND " +
               presence_visible_to("?2") + " ORDER BY u.id");
    s.bind(1, "[" + join_ids(users) + "]").bind(2, viewer);
    std::vector<UserBrief> out;
    while (s.step()) out.push_back(UserBrief{s.id<UserId>(0), {}, {}, s.i64(1), {}});
    return out;
  });
}

std::vector<RoomId> SqliteStore::small_rooms(UserId user, int members) {
  return impl_->read([&](Connection& c) {
    Stmt s(c,
           "SELECT m.room_id FROM members m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = ?1 "
           "AND r.member_count <= ?2");
    s.bind(1, user).bind(2, members);
    std::vector<RoomId> out;
    while (s.step()) out.push_back(s.id<RoomId>(0));
    return out;
  });
}

std::optional<bool> SqliteStore::group_role(GroupId group, UserId user) {
  return impl_->read([&](Connection& c) { return group_role_of(c, group, user); });
}

std::vector<GroupSummary> SqliteStore::groups_of(UserId user) {
  return impl_->read([&](Connection& c) {
    Stmt s(c, R"(
      SELECT g.id, g.name, m.role, (SELECT count(*) FROM group_members z WHERE z.group_id = g.id),
        (SELECT count(*) FROM rooms r WHERE r.group_id = g.id)
      FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = ?1
      ORDER BY g.name, g.id)");
    s.bind(1, user);
    std::vector<GroupSummary> out;
    while (s.step()) {
      out.push_back(GroupSummary{Group{s.id<GroupId>(0), s.text(1)}, s.text(2) == "admin",
                                 static_cast<int>(s.i64(3)), static_cast<int>(s.i64(4))});
    }
    return out;
  });
}

Millis SqliteStore::set_last_seen(UserId user, Millis at) {
  return impl_->write([&](Connection& c) {
    Stmt s(c, "UPDATE users SET last_seen = max(last_seen, ?2) WHERE id = ?1 RETURNING last_seen");
    s.bind(1, user).bind(2, at);
    Millis stored = s.step() ? s.i64(0) : at;
    s.run();
    return stored;
  });
}

}  // namespace parley::store
