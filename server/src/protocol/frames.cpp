// Chat's commands decoded from checked fields, and every server frame encoded with Boost.JSON.
#include "protocol/frames.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace parley::protocol {
namespace json = boost::json;
namespace {

constexpr std::int64_t kMaxSeq = INT64_MAX / 2;

}  // namespace

template <>
ListRooms decode<ListRooms>(Fields& f) {
  return {f.cid()};
}
template <>
Directory decode<Directory>(Fields& f) {
  return {f.cid(), f.opt_str("query").value_or("")};
}
template <>
Search decode<Search>(Fields& f) {
  constexpr std::int64_t kMaxTime = std::int64_t{1} << 50;  // ms: beyond the year 35000
  Search c{f.cid(), f.str("query")};
  c.room = f.opt_id<RoomId>("room").value_or(RoomId{});
  c.from = f.opt_id<UserId>("from").value_or(UserId{});
  c.after = f.opt_int("after", 1, kMaxTime).value_or(0);
  c.before = f.opt_int("before", 1, kMaxTime).value_or(0);
  c.cursor = f.opt_id<MessageId>("cursor").value_or(MessageId{});
  c.limit = static_cast<int>(f.opt_int("limit", 1, 50).value_or(20));
  return c;
}
template <>
FindUsers decode<FindUsers>(Fields& f) {
  return {f.cid(), f.str("query")};
}
template <>
Watch decode<Watch>(Fields& f) {
  return {f.cid(), f.ids<UserId>("users", kMaxWatch)};
}
template <>
CreateRoom decode<CreateRoom>(Fields& f) {
  CreateRoom c;
  c.cid = f.required_cid();
  auto kind = f.str("kind");
  if (kind == "channel") {
    c.kind = chat::RoomKind::kChannel;
  } else if (kind == "private") {
    c.kind = chat::RoomKind::kPrivate;
  } else {
    f.fail("kind", "'kind' must be \"channel\" or \"private\"");
  }
  c.name = f.str("name");
  c.topic = f.opt_str("topic").value_or("");
  c.members = f.ids<UserId>("members", 100);
  c.group = f.opt_id<GroupId>("group").value_or(GroupId{});
  return c;
}
template <>
OpenDirect decode<OpenDirect>(Fields& f) {
  return {f.required_cid(), f.id<UserId>("user")};
}
template <>
Join decode<Join>(Fields& f) {
  return {f.required_cid(), f.id<RoomId>("room")};
}
template <>
Leave decode<Leave>(Fields& f) {
  return {f.required_cid(), f.id<RoomId>("room")};
}
template <>
Invite decode<Invite>(Fields& f) {
  return {f.required_cid(), f.id<RoomId>("room"), f.id<UserId>("user")};
}
template <>
Remove decode<Remove>(Fields& f) {
  return {f.required_cid(), f.id<RoomId>("room"), f.id<UserId>("user")};
}
template <>
UpdateRoom decode<UpdateRoom>(Fields& f) {
  UpdateRoom c{f.required_cid(), f.id<RoomId>("room"), f.opt_str("name"), f.opt_str("topic")};
  if (!c.name && !c.topic) f.fail("name", "Give a 'name' or a 'topic'");
  return c;
}
template <>
RoomSettings decode<RoomSettings>(Fields& f) {
  RoomSettings c;
  c.cid = f.required_cid();
  c.room = f.id<RoomId>("room");
  c.settings.notify = f.opt_bool("notify");
  if (auto v = f.opt_int("volume", 0, 100)) c.settings.volume = static_cast<int>(*v);
  c.settings.muted = f.opt_bool("muted");
  c.settings.hidden = f.opt_bool("hidden");
  return c;
}
template <>
Post decode<Post>(Fields& f) {
  Post c{f.required_cid(), f.id<RoomId>("room"), f.str("text"), MessageId{}, {}};
  c.reply_to = f.opt_id<MessageId>("reply_to").value_or(MessageId{});
  c.files = f.ids("files", 10);
  return c;
}
template <>
Edit decode<Edit>(Fields& f) {
  return {f.required_cid(), f.id<MessageId>("id"), f.str("text")};
}
template <>
Delete decode<Delete>(Fields& f) {
  return {f.required_cid(), f.id<MessageId>("id")};
}
template <>
React decode<React>(Fields& f) {
  return {f.required_cid(), f.id<MessageId>("id"), f.str("emoji")};
}
template <>
Mark decode<Mark>(Fields& f) {  // `read` or `received`: the registration sets `read`
  return {f.cid(), f.id<RoomId>("room"), f.opt_int("seq", 0, kMaxSeq, true).value_or(0), false};
}
template <>
History decode<History>(Fields& f) {
  History c{f.cid(), f.id<RoomId>("room"), f.opt_int("before", 1, kMaxSeq), kDefaultPage};
  c.limit = static_cast<int>(f.opt_int("limit", 1, 100).value_or(kDefaultPage));
  return c;
}
template <>
Sync decode<Sync>(Fields& f) {
  Sync c{f.cid(), f.id<RoomId>("room"), f.opt_int("after", 0, kMaxSeq, true).value_or(0),
         kDefaultSync};
  c.limit = static_cast<int>(f.opt_int("limit", 1, 1000).value_or(kDefaultSync));
  return c;
}
template <>
Thread decode<Thread>(Fields& f) {
  Thread c{f.cid(), f.id<MessageId>("id"), f.opt_int("before", 1, kMaxSeq), kDefaultPage};
  c.limit = static_cast<int>(f.opt_int("limit", 1, 100).value_or(kDefaultPage));
  return c;
}
template <>
Edits decode<Edits>(Fields& f) {
  return {f.cid(), f.id<MessageId>("id")};
}
template <>
Pin decode<Pin>(Fields& f) {
  return {f.required_cid(), f.id<MessageId>("id")};
}
template <>
Unpin decode<Unpin>(Fields& f) {
  return {f.required_cid(), f.id<MessageId>("id")};
}
template <>
MuteMember decode<MuteMember>(Fields& f) {
  MuteMember c{f.required_cid(), f.id<RoomId>("room"), f.id<UserId>("user")};
  c.minutes = f.opt_int("minutes", 0, 43200, /*required=*/true).value_or(0);
  return c;
}
template <>
Pins decode<Pins>(Fields& f) {
  return {f.cid(), f.id<RoomId>("room")};
}
template <>
Members decode<Members>(Fields& f) {
  Members c;
  c.cid = f.cid();
  c.room = f.id<RoomId>("room");
  c.after = f.opt_str("after").value_or("");
  c.query = f.opt_str("query").value_or("");
  c.limit = static_cast<int>(f.opt_int("limit", 1, kMaxMembersPage).value_or(kMaxMembersPage));
  c.users = f.ids<UserId>("users", kMaxMembersAsked);
  return c;
}
template <>
Typing decode<Typing>(Fields& f) {
  return {f.cid(), f.id<RoomId>("room")};
}
template <>
CreateGroup decode<CreateGroup>(Fields& f) {
  return {f.required_cid(), f.str("name")};
}
template <>
ListGroups decode<ListGroups>(Fields& f) {
  return {f.cid()};
}
template <>
GroupInvite decode<GroupInvite>(Fields& f) {
  return {f.required_cid(), f.id<GroupId>("group"), f.id<UserId>("user")};
}
template <>
GroupRemove decode<GroupRemove>(Fields& f) {
  return {f.required_cid(), f.id<GroupId>("group"), f.id<UserId>("user")};
}
template <>
LeaveGroup decode<LeaveGroup>(Fields& f) {
  return {f.required_cid(), f.id<GroupId>("group")};
}
template <>
DeleteGroup decode<DeleteGroup>(Fields& f) {
  return {f.required_cid(), f.id<GroupId>("group")};
}

namespace {

std::string_view room_kind(chat::RoomKind k) {
  switch (k) {
    case chat::RoomKind::kChannel:
      return "channel";
    case chat::RoomKind::kPrivate:
      return "private";
    case chat::RoomKind::kDirect:
      return "direct";
  }
  return "channel";
}

std::string_view event_kind(chat::EventKind k) {
  switch (k) {
    case chat::EventKind::kCreated:
      return "created";
    case chat::EventKind::kMessage:
      return "message";
    case chat::EventKind::kEdited:
      return "edited";
    case chat::EventKind::kDeleted:
      return "deleted";
    case chat::EventKind::kReaction:
      return "reaction";
    case chat::EventKind::kJoined:
      return "joined";
    case chat::EventKind::kLeft:
      return "left";
    case chat::EventKind::kInvited:
      return "invited";
    case chat::EventKind::kRemoved:
      return "removed";
    case chat::EventKind::kRenamed:
      return "renamed";
    case chat::EventKind::kUserRenamed:
      return "user_renamed";
    case chat::EventKind::kCall:
      return "call";
    case chat::EventKind::kPinned:
      return "pinned";
    case chat::EventKind::kMemberMuted:
      return "member_muted";
  }
  return "unknown";
}

json::value opt_time(std::int64_t t) {
  return t ? json::value(t) : json::value(nullptr);
}

template <class I>
json::array id_array(const std::vector<I>& ids) {
  json::array a;
  for (auto id : ids) a.push_back(id.value());
  return a;
}

json::object file_object(const store::FileInfo& f) {
  auto dim = [](int v) { return v > 0 ? json::value(v) : json::value(nullptr); };
  return json::object{{"id", f.id},
                      {"name", f.name},
                      {"size", f.size},
                      {"type", f.type},
                      {"kind", f.kind},
                      {"width", dim(f.width)},
                      {"height", dim(f.height)},
                      {"duration", nullptr},
                      {"animated", f.animated},
                      {"thumb", f.thumb},
                      {"preview", f.preview},
                      {"url", "/api/files/" + std::to_string(f.id)}};
}

json::value avatar_value(const std::string& avatar) {
  if (avatar.empty()) return nullptr;
  return json::value("/api/avatars/" + avatar);
}

// An event as an object; `with_room` for live frames, without for items inside answers.
json::object event_object(const store::Event& e, bool live) {
  json::object o;
  if (live) {
    o["type"] = "event";
    o["room"] = e.room.value();
  }
  o["seq"] = e.seq;
  o["kind"] = event_kind(e.kind);
  o["at"] = e.at;
  o["user"] = e.user.value();
  o["username"] = e.username;
  switch (e.kind) {
    case chat::EventKind::kCreated:
      o["room_kind"] = room_kind(e.room_kind);
      o["name"] = e.text;
      o["topic"] = e.topic;
      break;
    case chat::EventKind::kMessage:
      o["id"] = e.message.value();
      o["text"] = e.text;
      o["reply_to"] = e.reply_to ? json::value(e.reply_to.value()) : json::value(nullptr);
      o["mentions"] = id_array(e.mentions);
      {
        json::array files;
        for (const auto& f : e.files) files.push_back(file_object(f));
        o["files"] = std::move(files);
      }
      if (e.has_state) {
        o["deleted"] = e.deleted;
        o["edited_at"] = opt_time(e.edited_at);
        o["replies"] = e.replies;
        json::array reactions;
        for (const auto& r : e.reactions) {
          reactions.push_back(json::object{{"emoji", r.emoji}, {"users", id_array(r.users)}});
        }
        o["reactions"] = std::move(reactions);
      }
      break;
    case chat::EventKind::kEdited:
      o["id"] = e.message.value();
      o["text"] = e.text;
      break;
    case chat::EventKind::kDeleted:
      o["id"] = e.message.value();
      break;
    case chat::EventKind::kReaction:
      o["id"] = e.message.value();
      o["emoji"] = e.text;
      o["on"] = e.on;
      break;
    case chat::EventKind::kInvited:
    case chat::EventKind::kRemoved:
      o["target"] = e.target.value();
      o["target_name"] = e.target_name;
      break;
    case chat::EventKind::kRenamed:
      o["name"] = e.text;
      o["topic"] = e.topic;
      break;
    case chat::EventKind::kUserRenamed:
      o["display_name"] = e.text;
      break;
    case chat::EventKind::kCall:
      o["call"] = e.text;
      o["video"] = e.on;
      o["duration"] = e.text == "ended" ? json::value(e.duration) : json::value(nullptr);
      break;
    case chat::EventKind::kPinned:
      o["id"] = e.message.value();
      o["on"] = e.on;
      break;
    case chat::EventKind::kMemberMuted:
      o["target"] = e.target.value();
      o["target_name"] = e.target_name;
      o["until"] = opt_time(e.until);
      break;
    case chat::EventKind::kJoined:
    case chat::EventKind::kLeft:
      break;
  }
  return o;
}

json::array event_array(const std::vector<store::Event>& events) {
  json::array a;
  a.reserve(events.size());
  for (const auto& e : events) a.push_back(event_object(e, false));
  return a;
}

json::object user_object(const store::UserBrief& u) {
  return json::object{
      {"id", u.id.value()}, {"username", u.username}, {"display_name", u.display_name}};
}

json::array room_array(const std::vector<store::RoomSummary>& rooms) {
  json::array a;
  for (const auto& r : rooms) {
    a.push_back(json::object{
        {"id", r.room.id.value()},
        {"kind", room_kind(r.room.kind)},
        {"name", r.room.name},
        {"topic", r.room.topic},
        {"last_seq", r.room.last_seq},
        {"read_seq", r.me.read_seq},
        {"delivered_seq", r.me.delivered_seq},
        {"unread", r.unread},
        {"mentions", r.mentions},
        {"role", r.me.admin ? "admin" : "member"},
        {"members", r.members},
        {"peer", r.peer ? json::value(user_object(*r.peer)) : json::value(nullptr)},
        {"notify", r.notify},
        {"volume", r.volume},
        {"muted", r.muted},
        {"hidden", r.hidden},
        {"muted_until", opt_time(r.me.muted_until)},
        {"last_at", r.last_at},
        {"group", r.room.group ? json::value(r.room.group.value()) : json::value(nullptr)},
    });
  }
  return a;
}

json::object answer(std::string_view type, const Cid& cid) {
  json::object o{{"type", type}};
  if (cid) o["cid"] = *cid;
  return o;
}

}  // namespace

FrameError refusal(const core::Error& e, const Cid& cid) {
  std::string code;
  switch (e.code) {
    case core::Errc::kInvalid:
      code = "invalid";
      break;
    case core::Errc::kTooLarge:
      code = "invalid";
      break;
    case core::Errc::kNotFound:
      code = "not_found";
      break;
    case core::Errc::kForbidden:
      code = "forbidden";
      break;
    case core::Errc::kConflict:
      code = "conflict";
      break;
    case core::Errc::kUnauthorized:
      code = "forbidden";
      break;
    case core::Errc::kRateLimited:
      code = "rate_limited";
      break;
    case core::Errc::kInternal:
      code = "internal";
      break;
  }
  return FrameError{code, e.message, cid, e.field};
}

std::string encode_hello(std::string_view version, const store::UserBrief& me,
                         const std::vector<store::RoomSummary>& rooms, const Limits& limits) {
  return json::serialize(json::object{{"type", "hello"},
                                      {"server", "parley"},
                                      {"version", version},
                                      {"user", user_object(me)},
                                      {"rooms", room_array(rooms)},
                                      {"limits",
                                       {{"message_bytes", limits.message_bytes},
                                        {"frame_bytes", limits.frame_bytes},
                                        {"upload_bytes", limits.upload_bytes}}}});
}

std::string encode_pong(const Cid& cid) {
  return json::serialize(answer("pong", cid));
}

std::string encode_error(const FrameError& e) {
  json::object o{{"type", "error"}, {"code", e.code}, {"message", e.message}};
  if (e.cid) o["cid"] = *e.cid;
  if (!e.field.empty()) o["field"] = e.field;
  return json::serialize(o);
}

std::string encode_ack(const Cid& cid, const chat::Ack& ack) {
  auto o = answer("ack", cid);
  if (ack.room) o["room"] = ack.room.value();
  if (ack.seq) o["seq"] = ack.seq;
  if (ack.message) o["id"] = ack.message.value();
  if (ack.group) o["group"] = ack.group.value();
  return json::serialize(o);
}

std::string encode_event(const store::Event& event) {
  return json::serialize(event_object(event, true));
}

std::string encode_rooms(const Cid& cid, const std::vector<store::RoomSummary>& rooms) {
  auto o = answer("rooms", cid);
  o["rooms"] = room_array(rooms);
  return json::serialize(o);
}

std::string encode_pins(const Cid& cid, RoomId room, const std::vector<store::Event>& items) {
  auto o = answer("pins", cid);
  o["room"] = room.value();
  o["items"] = event_array(items);
  return json::serialize(o);
}

std::string encode_history(const Cid& cid, const chat::ChatService::Page& page) {
  auto o = answer("history", cid);
  o["room"] = page.room.value();
  o["items"] = event_array(page.items);
  o["more"] = page.more;
  return json::serialize(o);
}

std::string encode_sync(const Cid& cid, RoomId room, const chat::ChatService::SyncPage& page) {
  auto o = answer("sync", cid);
  o["room"] = room.value();
  o["events"] = event_array(page.events);
  o["more"] = page.more;
  o["last_seq"] = page.last_seq;
  return json::serialize(o);
}

std::string encode_thread(const Cid& cid, MessageId parent, const chat::ChatService::Page& page) {
  auto o = answer("thread", cid);
  o["room"] = page.room.value();
  o["id"] = parent.value();
  o["items"] = event_array(page.items);
  o["more"] = page.more;
  return json::serialize(o);
}

std::string encode_edits(const Cid& cid, MessageId id, const std::vector<store::Edit>& versions,
                         bool more) {
  auto o = answer("edits", cid);
  o["id"] = id.value();
  json::array a;
  for (const auto& v : versions) a.push_back(json::object{{"text", v.text}, {"at", v.at}});
  o["versions"] = std::move(a);
  if (more) o["more"] = true;
  return json::serialize(o);
}

std::string encode_members(const Cid& cid, RoomId room, const chat::ChatService::MembersPage& page,
                           const Online& online) {
  auto o = answer("members", cid);
  o["room"] = room.value();
  json::array a;
  for (const auto& m : page.items) {
    auto u = user_object(m.user);
    u["avatar"] = avatar_value(m.user.avatar);
    u["role"] = m.admin ? "admin" : "member";
    u["online"] = online(m.user.id);
    u["last_seen"] = opt_time(m.user.last_seen);
    a.push_back(std::move(u));
  }
  o["members"] = std::move(a);
  o["more"] = page.more;
  return json::serialize(o);
}

std::string encode_search(const Cid& cid, const chat::ChatService::SearchPage& page) {
  auto o = answer("search", cid);
  json::array terms;
  for (const auto& t : page.terms) terms.emplace_back(t);
  o["terms"] = std::move(terms);
  json::array items;
  items.reserve(page.items.size());
  for (const auto& e : page.items) {
    auto item = event_object(e, false);
    item["room"] = e.room.value();
    items.push_back(std::move(item));
  }
  o["items"] = std::move(items);
  o["more"] = page.more;
  o["next"] = page.more ? json::value(page.next.value()) : json::value(nullptr);
  o["partial"] = page.partial;
  return json::serialize(o);
}

std::string encode_directory(const Cid& cid, const std::vector<store::DirectoryEntry>& rooms) {
  auto o = answer("directory", cid);
  json::array a;
  for (const auto& r : rooms) {
    a.push_back(
        json::object{{"id", r.id.value()},
                     {"group", r.group ? json::value(r.group.value()) : json::value(nullptr)},
                     {"name", r.name},
                     {"topic", r.topic},
                     {"members", r.members},
                     {"joined", r.joined}});
  }
  o["rooms"] = std::move(a);
  return json::serialize(o);
}

std::string encode_users(const Cid& cid, const std::vector<store::UserBrief>& users,
                         const Online& online) {
  auto o = answer("users", cid);
  json::array a;
  for (const auto& u : users) {
    auto x = user_object(u);
    // Presence only of people who share a room with the one asking (as `presence` frames go).
    x["online"] = u.presence_visible && online(u.id);
    x["last_seen"] = u.presence_visible ? opt_time(u.last_seen) : json::value(nullptr);
    a.push_back(std::move(x));
  }
  o["users"] = std::move(a);
  return json::serialize(o);
}

std::string encode_receipt(RoomId room, UserId user, std::int64_t delivered, std::int64_t read) {
  return json::serialize(json::object{{"type", "receipt"},
                                      {"room", room.value()},
                                      {"user", user.value()},
                                      {"delivered", delivered},
                                      {"read", read}});
}

std::string encode_file(const store::FileInfo& file) {
  return json::serialize(file_object(file));
}

std::string encode_profile(UserId user, std::string_view display_name, const std::string& avatar) {
  return json::serialize(json::object{{"type", "profile"},
                                      {"user", user.value()},
                                      {"display_name", display_name},
                                      {"avatar", avatar_value(avatar)}});
}

std::string encode_presence(UserId user, bool online, std::int64_t last_seen) {
  return json::serialize(json::object{{"type", "presence"},
                                      {"user", user.value()},
                                      {"online", online},
                                      {"last_seen", opt_time(last_seen)}});
}

std::string encode_watching(const Cid& cid, const std::vector<store::UserBrief>& users,
                            const Online& online) {
  auto o = answer("watching", cid);
  json::array a;
  a.reserve(users.size());
  for (const auto& u : users) {
    a.push_back(json::object{
        {"id", u.id.value()}, {"online", online(u.id)}, {"last_seen", opt_time(u.last_seen)}});
  }
  o["users"] = std::move(a);
  return json::serialize(o);
}

std::string encode_typing(RoomId room, UserId user, std::string_view username) {
  return json::serialize(json::object{
      {"type", "typing"}, {"room", room.value()}, {"user", user.value()}, {"username", username}});
}

std::string encode_groups(const Cid& cid, const std::vector<store::GroupSummary>& groups) {
  auto o = answer("groups", cid);
  json::array a;
  for (const auto& g : groups) {
    a.push_back(json::object{{"id", g.group.id.value()},
                             {"name", g.group.name},
                             {"role", g.admin ? "admin" : "member"},
                             {"members", g.members},
                             {"rooms", g.rooms}});
  }
  o["groups"] = std::move(a);
  return json::serialize(o);
}

std::string encode_groups_changed() {
  return R"({"type":"groups_changed"})";
}

std::string encode_notice(const std::optional<std::string>& text, std::int64_t at) {
  json::object o{{"type", "notice"}};
  o["text"] = text ? json::value(*text) : json::value(nullptr);
  o["at"] = text ? json::value(at) : json::value(nullptr);
  return json::serialize(o);
}

}  // namespace parley::protocol
