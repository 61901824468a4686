// The room rules, command by command. A private or direct room the caller is not in answers
// kNotFound, exactly like a room that does not exist, so ids reveal nothing.
#include "chat/service.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <memory>

#include "core/text.hpp"

namespace parley::chat {
namespace {

using core::Errc;
using core::make_error;
using store::ChatTx;
using store::Membership;
using store::Room;

constexpr std::size_t kMaxNameChars = 80;
constexpr std::size_t kMaxTopicChars = 500;
constexpr std::size_t kMaxEmojiBytes = 32;
constexpr std::size_t kMaxInitialMembers = 100;
constexpr std::size_t kMaxMentions = 20;
constexpr std::size_t kMaxQueryChars = 80;

core::Error not_found(std::string what = "room") {
  return make_error(Errc::kNotFound, "No such " + what, what == "room" ? "room" : "");
}

std::string trim(std::string s) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && space(s.back())) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && space(s[i])) ++i;
  return s.substr(i);
}

std::optional<core::Error> check_text(const std::string& text, std::size_t max_bytes) {
  if (text.empty()) return make_error(Errc::kInvalid, "A message cannot be empty", "text");
  if (text.size() > max_bytes) {
    return make_error(Errc::kTooLarge,
                      "A message is at most " + std::to_string(max_bytes) + " bytes", "text");
  }
  if (core::utf8_length(text) == std::string_view::npos || core::has_control(text, true)) {
    return make_error(Errc::kInvalid, "The text must be UTF-8 without control characters", "text");
  }
  return std::nullopt;
}

std::optional<core::Error> check_label(const std::string& s, std::size_t min, std::size_t max,
                                       const char* field) {
  auto n = core::utf8_length(s);
  if (n == std::string_view::npos || core::has_control(s) || n < min || n > max) {
    return make_error(Errc::kInvalid,
                      std::string("The ") + field + " must be " + std::to_string(min) + " to " +
                          std::to_string(max) + " characters, without control characters",
                      field);
  }
  return std::nullopt;
}

// A channel the user may see without being in it: one in no group, or in one of theirs.
bool visible_channel(ChatTx& tx, const Room& room, UserId user) {
  return room.kind == RoomKind::kChannel && !room.deleted &&
         (!room.group || tx.group_role(room.group, user));
}

bool may_moderate(ChatTx& tx, const Room& room, const Membership& m) {
  return m.admin || (room.kind == RoomKind::kChannel && tx.is_server_admin(m.user));
}

// A member a room admin muted: they read, but do not post, edit or react until then.
std::optional<core::Error> muted(const Membership& m, core::Millis now) {
  if (m.muted_until <= now) return std::nullopt;
  return make_error(Errc::kForbidden, "A room admin muted you here for now", "room");
}

constexpr int kMaxPins = 50;
constexpr std::int64_t kMaxMuteMinutes = 30LL * 24 * 60;

// A group deleted: its channels become private rooms of their members and its rooms leave it,
// so nothing is exposed to people outside it and nothing is lost.
void dissolve_group(ChatTx& tx, GroupId group) {
  for (auto id : tx.group_rooms(group)) {
    auto room = tx.room(id);
    if (room && room->kind == RoomKind::kChannel) tx.set_room_kind(id, RoomKind::kPrivate);
    tx.set_room_group(id, GroupId{});
  }
  tx.delete_group(group);
}

}  // namespace

// What one command does inside its job: the events it appended, to publish after the commit.
struct ChatService::Work {
  UserId user;
  std::string username;
  core::Millis now = 0;
  std::vector<std::pair<Event, MembershipChange>> events;
  struct Receipt {
    RoomId room;
    Seq delivered, read;
    bool to_room;
  };
  std::optional<Receipt> receipt;
  std::vector<UserId> group_notices;

  Event& append(ChatTx& tx, Event e, MembershipChange change = {}) {
    e.user = user;
    e.username = username;
    e.at = now;
    if (e.kind == EventKind::kMessage) {
      tx.post(e);
      tx.show_room(e.room);  // a room someone hid (a direct one) shows again with a new message
    } else {
      tx.append(e);
    }
    events.emplace_back(std::move(e), std::move(change));
    return events.back().first;
  }
  core::Result<Ack> ack(const Event& e) const { return Ack{e.room, e.seq, e.message, GroupId{}}; }
};

ChatService::ChatService(store::Store& store, EventSink& sink, Options options, core::Clock clock)
    : store_(store), sink_(sink), options_(options), clock_(std::move(clock)) {}

void ChatService::run(UserId user, std::string cid, Job job, Done<Ack> done) {
  struct State {
    std::optional<core::Result<Ack>> result;
    Work work;
  };
  auto state = std::make_shared<State>();
  state->work.user = user;
  store_.write_chat(
      [this, state, user, cid = std::move(cid), job = std::move(job)](ChatTx& tx) {
        // A store may run a job again in a new transaction (PostgreSQL: after a deadlock with
        // another node's batch, or when another node stored the same cid first): each run
        // starts from nothing, so what the last run did is what gets published. The jobs' own
        // captures are values they only read.
        state->result.reset();
        state->work = Work{};
        state->work.user = user;
        if (!cid.empty()) {
          if (auto seen = tx.find_command(user, cid)) {
            state->result = Ack{seen->room, seen->seq, seen->message, seen->group};
            return true;
          }
        }
        auto me = tx.user(user);
        if (!me) {
          state->result = make_error(Errc::kUnauthorized, "The account no longer exists");
          return false;
        }
        state->work.username = me->username;
        state->work.now = clock_();
        auto result = job(tx, state->work);
        if (!result) {
          state->work.events.clear();
          state->work.receipt.reset();
          state->work.group_notices.clear();
          state->result = std::move(result);
          return false;
        }
        if (!cid.empty()) {
          tx.save_command(
              user, cid,
              store::CommandOutcome{result->room, result->seq, result->message, result->group});
        }
        state->result = std::move(result);
        return true;
      },
      [this, state, done = std::move(done)](bool committed) {
        if (!committed || !state->result) {
          done(make_error(Errc::kInternal, "The server could not store that; try again"));
          return;
        }
        for (const auto& [event, change] : state->work.events) sink_.publish(event, change);
        if (!state->work.group_notices.empty()) sink_.groups_changed(state->work.group_notices);
        if (auto& r = state->work.receipt)
          sink_.receipt(r->room, state->work.user, r->delivered, r->read, r->to_room);
        done(std::move(*state->result));
      });
}

void ChatService::create_room(UserId user, std::string cid, RoomKind kind, std::string name,
                              std::string topic, std::vector<UserId> members, GroupId group,
                              Done<Ack> done) {
  name = trim(std::move(name));
  topic = trim(std::move(topic));
  std::optional<core::Error> bad;
  if (kind == RoomKind::kDirect) {
    bad = make_error(Errc::kInvalid, "Direct rooms are opened with 'direct'", "kind");
  } else if (auto e = check_label(name, 1, kMaxNameChars, "name")) {
    bad = e;
  } else if (auto e2 = check_label(topic, 0, kMaxTopicChars, "topic")) {
    bad = e2;
  } else if (members.size() > kMaxInitialMembers) {
    bad = make_error(Errc::kInvalid, "At most 100 members at creation", "members");
  }
  if (bad) return done(*bad);
  run(
      user, std::move(cid),
      [kind, name, topic, members, group](ChatTx& tx, Work& w) -> core::Result<Ack> {
        if (group && !tx.group_role(group, w.user)) {
          return make_error(Errc::kNotFound, "No such group", "group");
        }
        for (auto m : members) {
          if (!tx.user(m)) return make_error(Errc::kNotFound, "No such user", "members");
          if (group && !tx.group_role(group, m)) {
            return make_error(Errc::kForbidden, "Everyone in a group's room is in the group",
                              "members");
          }
        }
        RoomId id = tx.create_room(kind, name, topic, w.user, std::nullopt, group, w.now);
        tx.add_member(id, w.user, true, w.now);
        Event created;
        created.room = id;
        created.kind = EventKind::kCreated;
        created.text = name;
        created.topic = topic;
        created.room_kind = kind;
        const Event* last = &w.append(tx, created, MembershipChange{{w.user}, {}});
        for (auto m : members) {
          if (m == w.user || tx.membership(id, m)) continue;
          tx.add_member(id, m, false, w.now);
          Event invited;
          invited.room = id;
          invited.kind = EventKind::kInvited;
          invited.target = m;
          invited.target_name = tx.user(m)->username;
          last = &w.append(tx, invited, MembershipChange{{m}, {}});
        }
        return w.ack(*last);
      },
      std::move(done));
}

void ChatService::welcome(UserId user, std::vector<std::string> channels, UserId inviter,
                          std::vector<RoomId> rooms, Done<Ack> done) {
  run(
      user, "",
      [channels = std::move(channels), inviter, rooms = std::move(rooms)](
          ChatTx& tx, Work& w) -> core::Result<Ack> {
        Ack last{};
        auto join = [&](RoomId id) {
          if (tx.membership(id, w.user)) return;
          tx.add_member(id, w.user, false, w.now);
          Event e;
          e.room = id;
          e.kind = EventKind::kJoined;
          last = *w.ack(w.append(tx, e, MembershipChange{{w.user}, {}}));
        };
        for (const auto& name : channels) {
          if (check_label(name, 1, kMaxNameChars, "name")) continue;
          if (auto id = tx.channel_named(name)) {
            join(*id);
            continue;
          }
          RoomId id =
              tx.create_room(RoomKind::kChannel, name, "", w.user, std::nullopt, GroupId{}, w.now);
          tx.add_member(id, w.user, true, w.now);
          Event created;
          created.room = id;
          created.kind = EventKind::kCreated;
          created.text = name;
          created.room_kind = RoomKind::kChannel;
          last = *w.ack(w.append(tx, created, MembershipChange{{w.user}, {}}));
        }
        for (RoomId id : rooms) {
          auto r = tx.room(id);
          if (!r || r->deleted || r->kind == RoomKind::kDirect || r->group ||
              !tx.membership(id, inviter)) {
            continue;
          }
          join(id);
        }
        return last;
      },
      std::move(done));
}

core::Result<std::vector<store::Room>> ChatService::invitable_rooms(
    UserId user, const std::vector<RoomId>& rooms) {
  std::vector<store::Room> out;
  for (RoomId id : rooms) {
    auto r = store_.room(id);
    if (!r || r->kind == RoomKind::kDirect || r->group || !store_.membership(id, user)) {
      return make_error(Errc::kNotFound, "No such room of yours: " + std::to_string(id.value()),
                        "rooms");
    }
    out.push_back(*r);
  }
  return out;
}

core::Result<store::Report> ChatService::report(UserId user, MessageId message,
                                                const std::string& reason) {
  auto text = trim(reason);
  if (auto e = check_label(text, 1, 1000, "reason")) return *e;
  auto m = store_.message(message);
  if (!m || m->deleted) return not_found("message");
  auto r = readable(user, m->room);
  if (!r) return not_found("message");
  return store_.create_report(message, user, text, clock_());
}

std::vector<store::AdminRoom> ChatService::admin_rooms(const std::string& query) {
  return store_.admin_rooms(query, 200);
}

std::vector<store::AdminGroup> ChatService::admin_groups(const std::string& query) {
  return store_.admin_groups(query, 200);
}

void ChatService::admin_delete_room(UserId admin, RoomId room, Done<Ack> done) {
  run(
      admin, "",
      [room](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto r = tx.room(room);
        if (!r || r->deleted || r->kind == RoomKind::kDirect) return not_found();
        Ack last{room, 0, MessageId{}, GroupId{}};
        for (UserId member : tx.room_members(room)) {
          auto who = tx.user(member);
          tx.remove_member(room, member);
          Event e;
          e.room = room;
          e.kind = EventKind::kRemoved;
          e.target = member;
          e.target_name = who ? who->username : "";
          last = *w.ack(w.append(tx, e, MembershipChange{{}, {member}}));
        }
        tx.delete_room(room);
        return last;
      },
      std::move(done));
}

void ChatService::admin_delete_group(UserId admin, GroupId group, Done<Ack> done) {
  run(
      admin, "",
      [group](ChatTx& tx, Work& w) -> core::Result<Ack> {
        if (!tx.group(group)) return make_error(Errc::kNotFound, "No such group", "group");
        w.group_notices = tx.group_members(group);
        dissolve_group(tx, group);
        return Ack{RoomId{}, 0, MessageId{}, group};
      },
      std::move(done));
}

std::vector<store::Report> ChatService::reports(bool resolved) {
  return store_.list_reports(resolved, 200);
}

std::optional<store::Report> ChatService::resolve_report(UserId by, std::int64_t id,
                                                         bool resolved) {
  return store_.resolve_report(id, by, resolved, clock_());
}

void ChatService::make_room_admin(UserId by, RoomId room, UserId target, Done<Ack> done) {
  run(
      by, "",
      [room, target](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto r = tx.room(room);
        if (!r || r->deleted || r->kind == RoomKind::kDirect) return not_found();
        auto who = tx.user(target);
        if (!who) return make_error(Errc::kNotFound, "No such user", "user");
        if (r->group && !tx.group_role(r->group, target)) {
          return make_error(Errc::kForbidden, "Only members of the room's group can be in it",
                            "user");
        }
        Ack ack{room, 0, MessageId{}, GroupId{}};
        if (!tx.membership(room, target)) {
          tx.add_member(room, target, true, w.now);
          Event e;
          e.room = room;
          e.kind = EventKind::kInvited;
          e.target = target;
          e.target_name = who->username;
          ack = *w.ack(w.append(tx, e, MembershipChange{{target}, {}}));
        }
        tx.set_member_admin(room, target, true);
        return ack;
      },
      std::move(done));
}

void ChatService::open_direct(UserId user, std::string cid, UserId peer, Done<Ack> done) {
  if (peer == user) {
    return done(make_error(Errc::kInvalid, "A direct room is with someone else", "user"));
  }
  run(
      user, std::move(cid),
      [peer](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto other = tx.user(peer);
        if (!other) return make_error(Errc::kNotFound, "No such user", "user");
        std::string key = std::to_string(std::min(w.user, peer).value()) + ":" +
                          std::to_string(std::max(w.user, peer).value());
        if (auto existing = tx.direct_room(key)) {
          tx.update_member(*existing, w.user, store::MemberSettings{{}, {}, {}, false});
          return Ack{*existing, 0, MessageId{}};
        }
        RoomId id = tx.create_room(RoomKind::kDirect, "", "", w.user, key, GroupId{}, w.now);
        tx.add_member(id, w.user, false, w.now);
        tx.add_member(id, peer, false, w.now);
        Event created;
        created.room = id;
        created.kind = EventKind::kCreated;
        created.room_kind = RoomKind::kDirect;
        return w.ack(w.append(tx, created, MembershipChange{{w.user, peer}, {}}));
      },
      std::move(done));
}

void ChatService::join(UserId user, std::string cid, RoomId room, Done<Ack> done) {
  run(
      user, std::move(cid),
      [room](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto r = tx.room(room);
        auto m = tx.membership(room, w.user);
        if (!r || (!m && !visible_channel(tx, *r, w.user))) return not_found();
        if (m) return make_error(Errc::kConflict, "You are already a member", "room");
        tx.add_member(room, w.user, false, w.now);
        Event e;
        e.room = room;
        e.kind = EventKind::kJoined;
        return w.ack(w.append(tx, e, MembershipChange{{w.user}, {}}));
      },
      std::move(done));
}

void ChatService::leave(UserId user, std::string cid, RoomId room, Done<Ack> done) {
  run(
      user, std::move(cid),
      [room](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto r = tx.room(room);
        if (!r || !tx.membership(room, w.user)) return not_found();
        if (r->kind == RoomKind::kDirect) {
          return make_error(Errc::kConflict, "A direct room cannot be left; hide it instead",
                            "room");
        }
        tx.remove_member(room, w.user);
        Event e;
        e.room = room;
        e.kind = EventKind::kLeft;
        return w.ack(w.append(tx, e, MembershipChange{{}, {w.user}}));
      },
      std::move(done));
}

void ChatService::invite(UserId user, std::string cid, RoomId room, UserId target, Done<Ack> done) {
  run(
      user, std::move(cid),
      [room, target](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto r = tx.room(room);
        auto m = tx.membership(room, w.user);
        if (!r || (!m && !visible_channel(tx, *r, w.user))) return not_found();
        if (!m) return make_error(Errc::kForbidden, "Join the channel first");
        if (r->kind == RoomKind::kDirect) {
          return make_error(Errc::kForbidden, "A direct room has two members");
        }
        auto who = tx.user(target);
        if (!who) return make_error(Errc::kNotFound, "No such user", "user");
        if (r->group && !tx.group_role(r->group, target)) {
          return make_error(Errc::kForbidden, "Only members of the room's group can be invited",
                            "user");
        }
        if (tx.membership(room, target)) {
          return make_error(Errc::kConflict, "Already a member", "user");
        }
        tx.add_member(room, target, false, w.now);
        Event e;
        e.room = room;
        e.kind = EventKind::kInvited;
        e.target = target;
        e.target_name = who->username;
        return w.ack(w.append(tx, e, MembershipChange{{target}, {}}));
      },
      std::move(done));
}

void ChatService::remove_member(UserId user, std::string cid, RoomId room, UserId target,
                                Done<Ack> done) {
  run(
      user, std::move(cid),
      [room, target](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto r = tx.room(room);
        auto m = tx.membership(room, w.user);
        if (!r || (!m && !visible_channel(tx, *r, w.user))) return not_found();
        if (!m || r->kind == RoomKind::kDirect || !may_moderate(tx, *r, *m)) {
          return make_error(Errc::kForbidden, "Only a room admin can remove members");
        }
        if (target == w.user) return make_error(Errc::kInvalid, "Use 'leave'", "user");
        auto who = tx.user(target);
        if (!who || !tx.membership(room, target)) {
          return make_error(Errc::kNotFound, "Not a member", "user");
        }
        tx.remove_member(room, target);
        Event e;
        e.room = room;
        e.kind = EventKind::kRemoved;
        e.target = target;
        e.target_name = who->username;
        return w.ack(w.append(tx, e, MembershipChange{{}, {target}}));
      },
      std::move(done));
}

void ChatService::update_room(UserId user, std::string cid, RoomId room,
                              std::optional<std::string> name, std::optional<std::string> topic,
                              Done<Ack> done) {
  if (name) {
    name = trim(std::move(*name));
    if (auto e = check_label(*name, 1, kMaxNameChars, "name")) return done(*e);
  }
  if (topic) {
    topic = trim(std::move(*topic));
    if (auto e = check_label(*topic, 0, kMaxTopicChars, "topic")) return done(*e);
  }
  run(
      user, std::move(cid),
      [room, name, topic](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto r = tx.room(room);
        auto m = tx.membership(room, w.user);
        if (!r || (!m && !visible_channel(tx, *r, w.user))) return not_found();
        if (!m || r->kind == RoomKind::kDirect || !may_moderate(tx, *r, *m)) {
          return make_error(Errc::kForbidden, "Only a room admin can rename the room");
        }
        Event e;
        e.room = room;
        e.kind = EventKind::kRenamed;
        e.text = name.value_or(r->name);
        e.topic = topic.value_or(r->topic);
        tx.rename_room(room, e.text, e.topic);
        return w.ack(w.append(tx, e));
      },
      std::move(done));
}

void ChatService::member_settings(UserId user, std::string cid, RoomId room,
                                  store::MemberSettings settings, Done<Ack> done) {
  if (settings.volume && (*settings.volume < 0 || *settings.volume > 100)) {
    return done(make_error(Errc::kInvalid, "The volume is 0 to 100", "volume"));
  }
  run(
      user, std::move(cid),
      [room, settings](ChatTx& tx, Work& w) -> core::Result<Ack> {
        if (!tx.membership(room, w.user)) return not_found();
        tx.update_member(room, w.user, settings);
        return Ack{room, 0, MessageId{}};
      },
      std::move(done));
}

void ChatService::post(UserId user, std::string cid, RoomId room, std::string text,
                       MessageId reply_to, std::vector<store::FileId> files, Done<Ack> done) {
  text = trim(std::move(text));
  if (!(text.empty() && !files.empty())) {  // files may go without a caption
    if (auto e = check_text(text, options_.max_text_bytes)) return done(*e);
  }
  if (files.size() > static_cast<std::size_t>(options_.max_files)) {
    return done(make_error(Errc::kInvalid,
                           "At most " + std::to_string(options_.max_files) + " files a message",
                           "files"));
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (std::find(files.begin(), files.begin() + static_cast<std::ptrdiff_t>(i), files[i]) !=
        files.begin() + static_cast<std::ptrdiff_t>(i)) {
      return done(make_error(Errc::kInvalid, "A file is attached twice", "files"));
    }
  }
  auto names = mentioned_names(text);
  run(
      user, std::move(cid),
      [room, text = std::move(text), reply_to, names, files = std::move(files)](
          ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto r = tx.room(room);
        auto m = tx.membership(room, w.user);
        if (!r || (!m && !visible_channel(tx, *r, w.user))) return not_found();
        if (!m) return make_error(Errc::kForbidden, "Join the channel to post in it", "room");
        if (auto e = muted(*m, w.now)) return *e;
        if (reply_to) {
          auto parent = tx.message(reply_to);
          if (!parent || parent->room != room) {
            return make_error(Errc::kNotFound, "No such message in this room", "reply_to");
          }
        }
        Event e;
        e.room = room;
        e.kind = EventKind::kMessage;
        e.text = text;
        e.reply_to = reply_to;
        if (!files.empty()) {
          e.files = tx.unattached_files(room, w.user, files);
          if (e.files.size() != files.size()) {
            return make_error(
                Errc::kNotFound,
                "No such upload of yours in this room (or it is in a message already)", "files");
          }
        }
        for (const auto& name : names) {
          auto who = tx.user_by_name(name);
          if (who && tx.membership(room, who->id) &&
              std::find(e.mentions.begin(), e.mentions.end(), who->id) == e.mentions.end()) {
            e.mentions.push_back(who->id);
          }
        }
        return w.ack(w.append(tx, e));
      },
      std::move(done));
}

void ChatService::edit(UserId user, std::string cid, MessageId id, std::string text,
                       Done<Ack> done) {
  text = trim(std::move(text));
  if (auto e = check_text(text, options_.max_text_bytes)) return done(*e);
  run(
      user, std::move(cid),
      [id, text = std::move(text)](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto msg = tx.message(id);
        auto m = msg ? tx.membership(msg->room, w.user) : std::nullopt;
        if (!msg || msg->deleted || !m) {
          return make_error(Errc::kNotFound, "No such message", "id");
        }
        if (msg->author != w.user) {
          return make_error(Errc::kForbidden, "Only the author can edit a message");
        }
        if (auto e = muted(*m, w.now)) return *e;
        tx.edit_message(id, text, w.now);
        Event e;
        e.room = msg->room;
        e.kind = EventKind::kEdited;
        e.message = id;
        e.text = text;
        return w.ack(w.append(tx, e));
      },
      std::move(done));
}

void ChatService::delete_message(UserId user, std::string cid, MessageId id, Done<Ack> done) {
  run(
      user, std::move(cid),
      [id](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto msg = tx.message(id);
        auto m = msg ? tx.membership(msg->room, w.user) : std::nullopt;
        if (!msg || msg->deleted || !m) {
          return make_error(Errc::kNotFound, "No such message", "id");
        }
        auto r = tx.room(msg->room);
        if (msg->author != w.user && !may_moderate(tx, *r, *m)) {
          return make_error(Errc::kForbidden,
                            "Only the author or a room admin can delete a message");
        }
        tx.delete_message(id);
        Event e;
        e.room = msg->room;
        e.kind = EventKind::kDeleted;
        e.message = id;
        return w.ack(w.append(tx, e));
      },
      std::move(done));
}

void ChatService::react(UserId user, std::string cid, MessageId id, std::string emoji,
                        Done<Ack> done) {
  if (emoji.empty() || emoji.size() > kMaxEmojiBytes ||
      core::utf8_length(emoji) == std::string_view::npos || core::has_control(emoji) ||
      std::any_of(emoji.begin(), emoji.end(), [](unsigned char c) { return c == ' '; })) {
    return done(make_error(Errc::kInvalid, "An emoji is 1 to 32 bytes of UTF-8", "emoji"));
  }
  run(
      user, std::move(cid),
      [id, emoji = std::move(emoji)](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto msg = tx.message(id);
        auto m = msg ? tx.membership(msg->room, w.user) : std::nullopt;
        if (!msg || msg->deleted || !m) {
          return make_error(Errc::kNotFound, "No such message", "id");
        }
        if (auto e = muted(*m, w.now)) return *e;
        Event e;
        e.room = msg->room;
        e.kind = EventKind::kReaction;
        e.message = id;
        e.text = emoji;
        e.on = tx.toggle_reaction(id, w.user, emoji);
        return w.ack(w.append(tx, e));
      },
      std::move(done));
}

void ChatService::pin(UserId user, std::string cid, MessageId id, bool on, Done<Ack> done) {
  run(
      user, std::move(cid),
      [id, on](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto msg = tx.message(id);
        auto m = msg ? tx.membership(msg->room, w.user) : std::nullopt;
        if (!msg || msg->deleted || !m) {
          return make_error(Errc::kNotFound, "No such message", "id");
        }
        auto r = tx.room(msg->room);
        if (r->kind != RoomKind::kDirect && !may_moderate(tx, *r, *m)) {
          return make_error(Errc::kForbidden, "Only a room admin can pin messages here");
        }
        if ((msg->pinned_at != 0) == on) {
          return make_error(Errc::kConflict, on ? "Already pinned" : "Not pinned", "id");
        }
        if (on && tx.pinned_count(msg->room) >= kMaxPins) {
          return make_error(Errc::kConflict, "A room holds at most 50 pinned messages", "id");
        }
        tx.set_pinned(id, on ? w.now : 0);
        Event e;
        e.room = msg->room;
        e.kind = EventKind::kPinned;
        e.message = id;
        e.on = on;
        return w.ack(w.append(tx, e));
      },
      std::move(done));
}

void ChatService::mute_member(UserId user, std::string cid, RoomId room, UserId target,
                              std::int64_t minutes, Done<Ack> done) {
  if (minutes < 0 || minutes > kMaxMuteMinutes) {
    return done(make_error(Errc::kInvalid, "'minutes' is 0 (unmute) to 43200", "minutes"));
  }
  run(
      user, std::move(cid),
      [room, target, minutes](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto r = tx.room(room);
        auto m = tx.membership(room, w.user);
        if (!r || (!m && !visible_channel(tx, *r, w.user))) return not_found();
        if (!m || r->kind == RoomKind::kDirect || !may_moderate(tx, *r, *m)) {
          return make_error(Errc::kForbidden, "Only a room admin can mute members");
        }
        auto t = tx.membership(room, target);
        if (!t) return make_error(Errc::kNotFound, "Not a member of this room", "user");
        if (target == w.user || t->admin) {
          return make_error(Errc::kForbidden, "Room admins cannot be muted", "user");
        }
        core::Millis until = minutes ? w.now + minutes * 60000 : 0;
        tx.set_muted_until(room, target, until);
        Event e;
        e.room = room;
        e.kind = EventKind::kMemberMuted;
        e.target = target;
        e.target_name = tx.user(target)->username;
        e.until = until;
        return w.ack(w.append(tx, e));
      },
      std::move(done));
}

core::Result<std::vector<Event>> ChatService::pins(UserId user, RoomId room) {
  auto r = readable(user, room);
  if (!r) return r.error();
  return store_.pins(room, kMaxPins);
}

void ChatService::mark(UserId user, RoomId room, Seq seq, bool read, Done<Ack> done) {
  if (seq < 0) return done(make_error(Errc::kInvalid, "'seq' cannot be negative", "seq"));
  const int receipts_up_to = options_.receipts_up_to;
  run(
      user, "",
      [room, seq, read, receipts_up_to](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto r = tx.room(room);
        auto before = tx.membership(room, w.user);
        if (!r || !before) return not_found();
        Seq at = std::min(seq, r->last_seq);
        auto after = tx.advance(room, w.user, at, read ? at : 0);
        bool moved =
            after.read_seq != before->read_seq || after.delivered_seq != before->delivered_seq;
        if (moved) {
          w.receipt = Work::Receipt{room, after.delivered_seq, after.read_seq,
                                    tx.member_count(room) <= receipts_up_to};
        }
        return Ack{room, 0, MessageId{}};
      },
      std::move(done));
}

core::Result<std::vector<store::RoomSummary>> ChatService::attach(
    UserId user, const std::function<void(const std::vector<RoomId>&)>& mark) {
  return store_.rooms_at_mark(user, mark);
}

core::Result<Room> ChatService::readable(UserId user, RoomId room) {
  auto r = store_.room(room);
  if (!r || r->deleted) return not_found();
  if (store_.membership(room, user)) return *r;
  if (r->kind != RoomKind::kChannel) return not_found();
  if (r->group && !store_.group_role(r->group, user)) return not_found();
  return *r;
}

core::Result<std::vector<store::RoomSummary>> ChatService::rooms(UserId user) {
  return store_.rooms_of(user);
}

namespace {

// About what an event weighs as a frame (fields, names, files, reactions), for cutting pages.
std::size_t approx_bytes(const Event& e) {
  std::size_t n = 160 + e.text.size() + e.username.size() + e.target_name.size() + e.topic.size();
  n += e.mentions.size() * 12;
  for (const auto& f : e.files) n += 200 + f.name.size() + f.type.size();
  for (const auto& r : e.reactions) n += 24 + r.emoji.size() + r.users.size() * 12;
  return n;
}

// Cuts `items` (already limited in number) once they weigh `budget`; true if anything was cut.
bool cut_to_bytes(std::vector<Event>& items, std::size_t budget) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    total += approx_bytes(items[i]);
    if (total > budget && i > 0) {
      items.resize(i);
      return true;
    }
  }
  return false;
}

}  // namespace

// Edits, deletions and reactions change a message: a timeline shows the message as it is now.
const std::vector<EventKind> kMessageUpdates{EventKind::kEdited, EventKind::kDeleted,
                                             EventKind::kReaction};

core::Result<ChatService::Page> ChatService::history(UserId user, RoomId room,
                                                     std::optional<Seq> before, int limit) {
  if (limit < 1 || limit > options_.max_page) {
    return make_error(Errc::kInvalid, "'limit' is 1 to " + std::to_string(options_.max_page),
                      "limit");
  }
  auto r = readable(user, room);
  if (!r) return r.error();
  Page page{room, store_.history(room, before.value_or(std::numeric_limits<Seq>::max()), limit + 1,
                                 kMessageUpdates)};
  page.more = static_cast<int>(page.items.size()) > limit;
  if (page.more) page.items.pop_back();
  if (cut_to_bytes(page.items, options_.max_page_bytes)) page.more = true;
  return page;
}

core::Result<ChatService::SyncPage> ChatService::sync(UserId user, RoomId room, Seq after,
                                                      int limit) {
  if (limit < 1 || limit > options_.max_sync) {
    return make_error(Errc::kInvalid, "'limit' is 1 to " + std::to_string(options_.max_sync),
                      "limit");
  }
  if (after < 0) return make_error(Errc::kInvalid, "'after' cannot be negative", "after");
  auto r = readable(user, room);
  if (!r) return r.error();
  SyncPage page;
  page.events = store_.events_after(room, after, limit + 1);
  page.more = static_cast<int>(page.events.size()) > limit;
  if (page.more) page.events.pop_back();
  if (cut_to_bytes(page.events, options_.max_page_bytes)) page.more = true;
  page.last_seq = std::max(r->last_seq, page.events.empty() ? 0 : page.events.back().seq);
  return page;
}

namespace {

constexpr std::size_t kMaxSearchChars = 200;
constexpr std::size_t kMaxSearchTerms = 8;

// White space between search terms: ASCII, and the ideographic space (U+3000) CJK input uses.
std::size_t space_at(std::string_view s, std::size_t i) {
  auto ch = static_cast<unsigned char>(s[i]);
  if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v') return 1;
  if (s.substr(i, 3) == "\xE3\x80\x80") return 3;
  return 0;
}

}  // namespace

std::vector<std::string> ChatService::search_terms(std::string_view query) {
  std::vector<std::string> out;
  auto add = [&out](std::string_view t) {
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.emplace_back(t);
  };
  std::size_t i = 0;
  while (i < query.size()) {
    if (auto n = space_at(query, i)) {
      i += n;
    } else if (query[i] == '"') {
      auto end = query.find('"', i + 1);
      auto phrase = query.substr(i + 1, end == std::string_view::npos ? end : end - i - 1);
      while (!phrase.empty() && space_at(phrase, 0)) phrase.remove_prefix(space_at(phrase, 0));
      while (!phrase.empty() && std::isspace(static_cast<unsigned char>(phrase.back()))) {
        phrase.remove_suffix(1);
      }
      add(phrase);
      i = end == std::string_view::npos ? query.size() : end + 1;
    } else {
      std::size_t j = i;
      while (j < query.size() && query[j] != '"' && !space_at(query, j)) ++j;
      add(query.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

core::Result<ChatService::SearchPage> ChatService::search(UserId user, const SearchRequest& r) {
  auto terms = search_terms(r.query);
  std::size_t chars = core::utf8_length(r.query);
  if (terms.empty() || chars > kMaxSearchChars) {
    return make_error(Errc::kInvalid, "'query' is 1 to 200 characters", "query");
  }
  if (terms.size() > kMaxSearchTerms) {
    return make_error(Errc::kInvalid, "'query' has at most 8 terms", "query");
  }
  if (r.after && r.before && r.after >= r.before) {
    return make_error(Errc::kInvalid, "'after' must be before 'before'", "after");
  }
  if (r.room) {
    auto room = readable(user, r.room);
    if (!room) return room.error();
  }
  store::SearchQuery q{terms,    user,        r.room,
                       r.from,   r.after,     r.before,
                       r.cursor, r.limit + 1, options_.search_budget_ms};
  auto hits = store_.search(q);
  SearchPage page;
  page.terms = std::move(terms);
  page.items = std::move(hits.items);
  page.partial = hits.partial;
  page.more = static_cast<int>(page.items.size()) > r.limit;
  if (page.more) page.items.pop_back();
  if (cut_to_bytes(page.items, options_.max_page_bytes)) page.more = true;
  if (page.more && !page.items.empty()) page.next = page.items.back().message;
  return page;
}

core::Result<ChatService::Page> ChatService::thread(UserId user, MessageId parent,
                                                    std::optional<Seq> before, int limit) {
  if (limit < 1 || limit > options_.max_page) {
    return make_error(Errc::kInvalid, "'limit' is 1 to " + std::to_string(options_.max_page),
                      "limit");
  }
  auto msg = store_.message(parent);
  if (!msg || !readable(user, msg->room)) {
    return make_error(Errc::kNotFound, "No such message", "id");
  }
  Page page{msg->room,
            store_.thread(parent, before.value_or(std::numeric_limits<Seq>::max()), limit + 1)};
  page.more = static_cast<int>(page.items.size()) > limit;
  if (page.more) page.items.pop_back();
  if (cut_to_bytes(page.items, options_.max_page_bytes)) page.more = true;
  return page;
}

core::Result<ChatService::Edits> ChatService::edits(UserId user, MessageId id) {
  auto msg = store_.message(id);
  if (!msg || !readable(user, msg->room)) {
    return make_error(Errc::kNotFound, "No such message", "id");
  }
  Edits out;
  out.versions = store_.edits(id);  // oldest first
  // The latest versions, as many as fit in a page.
  std::size_t keep = 0, total = 0;
  for (auto it = out.versions.rbegin(); it != out.versions.rend(); ++it) {
    total += 40 + it->text.size();
    if (keep > 0 &&
        (keep >= static_cast<std::size_t>(options_.max_edits) || total > options_.max_page_bytes)) {
      break;
    }
    ++keep;
  }
  if (keep < out.versions.size()) {
    out.more = true;
    out.versions.erase(out.versions.begin(),
                       out.versions.end() - static_cast<std::ptrdiff_t>(keep));
  }
  return out;
}

core::Result<ChatService::MembersPage> ChatService::members(UserId user, RoomId room,
                                                            store::MemberQuery query) {
  if (auto e = check_label(query.prefix, 0, kMaxQueryChars, "query")) return *e;
  if (auto e = check_label(query.after, 0, kMaxQueryChars, "after")) return *e;
  auto r = readable(user, room);
  if (!r) return r.error();
  const int limit = std::max(1, query.limit);
  query.limit = limit + 1;
  MembersPage page{store_.members(room, query)};
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(static_cast<std::size_t>(limit));
    page.more = true;
  }
  return page;
}

core::Result<std::vector<store::DirectoryEntry>> ChatService::directory(UserId user,
                                                                        const std::string& query) {
  if (auto e = check_label(query, 0, kMaxQueryChars, "query")) return *e;
  return store_.directory(user, query, 200);
}

core::Result<std::vector<store::UserBrief>> ChatService::users(UserId user,
                                                               const std::string& query) {
  if (auto e = check_label(query, 1, kMaxQueryChars, "query")) return *e;
  return store_.find_users(user, query, 20);
}

core::Result<std::vector<store::UserBrief>> ChatService::watchable(
    UserId user, const std::vector<UserId>& users) {
  if (users.empty()) return std::vector<store::UserBrief>{};
  return store_.presence_visible(user, users);
}

void ChatService::create_group(UserId user, std::string cid, std::string name, Done<Ack> done) {
  name = trim(std::move(name));
  if (auto e = check_label(name, 1, kMaxNameChars, "name")) return done(*e);
  run(
      user, std::move(cid),
      [name](ChatTx& tx, Work& w) -> core::Result<Ack> {
        GroupId id = tx.create_group(name, w.user, w.now);
        tx.add_group_member(id, w.user, true, w.now);
        w.group_notices.push_back(w.user);
        return Ack{RoomId{}, 0, MessageId{}, id};
      },
      std::move(done));
}

namespace {

// The group and the caller's role in it; outsiders learn nothing.
core::Result<bool> group_role(ChatTx& tx, GroupId group, UserId user) {
  auto role = tx.group(group) ? tx.group_role(group, user) : std::nullopt;
  if (!role) return make_error(Errc::kNotFound, "No such group", "group");
  return *role;
}

// Takes `target` out of `group`: out of each of its rooms they are in, with `kind` (left or
// removed) events, then out of the group itself; their clients are told.
void take_out_of_group(ChatTx& tx, ChatService::Work& w, GroupId group, UserId target,
                       EventKind kind) {
  auto who = tx.user(target);
  for (RoomId room : tx.group_rooms(group)) {
    if (!tx.membership(room, target)) continue;
    tx.remove_member(room, target);
    Event e;
    e.room = room;
    e.kind = kind;
    if (kind == EventKind::kRemoved) {
      e.target = target;
      e.target_name = who ? who->username : "";
    }
    w.append(tx, e, MembershipChange{{}, {target}});
  }
  tx.remove_group_member(group, target);
  w.group_notices.push_back(target);
}

}  // namespace

void ChatService::group_invite(UserId user, std::string cid, GroupId group, UserId target,
                               Done<Ack> done) {
  run(
      user, std::move(cid),
      [group, target](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto admin = group_role(tx, group, w.user);
        if (!admin) return admin.error();
        if (!*admin) return make_error(Errc::kForbidden, "Only a group admin can add members");
        if (!tx.user(target)) return make_error(Errc::kNotFound, "No such user", "user");
        if (tx.group_role(group, target)) {
          return make_error(Errc::kConflict, "Already in the group", "user");
        }
        tx.add_group_member(group, target, false, w.now);
        w.group_notices.push_back(target);
        return Ack{RoomId{}, 0, MessageId{}, group};
      },
      std::move(done));
}

void ChatService::group_remove(UserId user, std::string cid, GroupId group, UserId target,
                               Done<Ack> done) {
  run(
      user, std::move(cid),
      [group, target](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto admin = group_role(tx, group, w.user);
        if (!admin) return admin.error();
        if (!*admin) return make_error(Errc::kForbidden, "Only a group admin can remove members");
        if (target == w.user) return make_error(Errc::kInvalid, "Use 'leave_group'", "user");
        if (!tx.group_role(group, target)) {
          return make_error(Errc::kNotFound, "Not in the group", "user");
        }
        take_out_of_group(tx, w, group, target, EventKind::kRemoved);
        return Ack{RoomId{}, 0, MessageId{}, group};
      },
      std::move(done));
}

void ChatService::leave_group(UserId user, std::string cid, GroupId group, Done<Ack> done) {
  run(
      user, std::move(cid),
      [group](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto admin = group_role(tx, group, w.user);
        if (!admin) return admin.error();
        take_out_of_group(tx, w, group, w.user, EventKind::kLeft);
        return Ack{RoomId{}, 0, MessageId{}, group};
      },
      std::move(done));
}

void ChatService::delete_group(UserId user, std::string cid, GroupId group, Done<Ack> done) {
  run(
      user, std::move(cid),
      [group](ChatTx& tx, Work& w) -> core::Result<Ack> {
        auto admin = group_role(tx, group, w.user);
        if (!admin) return admin.error();
        if (!*admin) return make_error(Errc::kForbidden, "Only a group admin can delete it");
        w.group_notices = tx.group_members(group);
        dissolve_group(tx, group);
        return Ack{RoomId{}, 0, MessageId{}, group};
      },
      std::move(done));
}

core::Result<std::vector<store::GroupSummary>> ChatService::groups(UserId user) {
  return store_.groups_of(user);
}

void ChatService::user_renamed(UserId user, std::string display_name) {
  run(
      user, "",
      [display_name = std::move(display_name)](ChatTx& tx, Work& w) -> core::Result<Ack> {
        for (RoomId room : tx.room_ids_of(w.user)) {
          Event e;
          e.room = room;
          e.kind = EventKind::kUserRenamed;
          e.text = display_name;
          w.append(tx, e);
        }
        return Ack{};
      },
      [](core::Result<Ack>) {});
}

core::Result<ChatService::CallRoom> ChatService::call_room(UserId user, RoomId room) {
  auto r = store_.room(room);
  if (!r || !store_.membership(room, user)) return not_found();
  CallRoom out;
  out.kind = r->kind;
  for (const auto& m : store_.members(room, {})) out.members.push_back(m.user.id);
  return out;
}

void ChatService::record_call(UserId caller, RoomId room, std::string what, bool video,
                              core::Millis duration, Done<Ack> done) {
  run(
      caller, "",
      [room, what = std::move(what), video, duration](ChatTx& tx, Work& w) -> core::Result<Ack> {
        if (!tx.room(room)) return not_found();
        Event e;
        e.room = room;
        e.kind = EventKind::kCall;
        e.text = what;
        e.on = video;
        e.duration = duration;
        return w.ack(w.append(tx, e));
      },
      std::move(done));
}

core::Millis ChatService::went_offline(UserId user, core::Millis at) {
  return store_.set_last_seen(user, at);
}

std::vector<std::string> ChatService::mentioned_names(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size() && out.size() < kMaxMentions; ++i) {
    if (text[i] != '@') continue;
    // An '@' inside a word (an e-mail address) is not a mention.
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '.')) {
      continue;
    }
    std::size_t j = i + 1;
    auto ok = [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; };
    while (j < text.size() && ok(static_cast<unsigned char>(text[j]))) ++j;
    // A trailing '.' or '-' ends the sentence, not the name.
    std::size_t end = j;
    while (end > i + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) --end;
    if (end - i - 1 >= 3) {
      std::string name(text.substr(i + 1, end - i - 1));
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
    i = j - 1;
  }
  return out;
}

}  // namespace parley::chat
