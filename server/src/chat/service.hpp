// ChatService: the room rules. Who may read, post, edit, invite and remove; what a message may
// hold; which events a command makes. Writes run as group-committed jobs on the store's writer
// and answer after the commit; reads block and run on a worker pool. No socket, SQL or JSON here.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace parley::chat {

using store::Event;
using store::EventKind;
using store::RoomKind;
using store::Seq;

struct Options {
  std::size_t max_text_bytes = 16 * 1024;
  int max_page = 100;   // history and thread pages
  int max_sync = 1000;  // events per sync answer
  // Every answer is bounded in bytes too: a page is cut short (`more`) once its events hold this
  // much (the first event always goes).
  std::size_t max_page_bytes = 256 * 1024;
  int max_edits = 100;       // versions in an `edits` answer (the latest ones)
  int receipts_up_to = 100;  // rooms with more members get no receipt frames
  // Rooms with more members carry no presence frames unasked: a client watches whom it shows.
  int presence_up_to = 100;
  int max_files = 10;           // files in one message
  int search_budget_ms = 1000;  // the time one search may take (then it answers `partial`)
};

// What a stored command answers with.
struct Ack {
  RoomId room{};
  Seq seq = 0;
  MessageId message{};
  GroupId group{};
};

// Whose membership an event starts or ends: the hub subscribes or unsubscribes their sockets.
struct MembershipChange {
  std::vector<UserId> added;
  std::vector<UserId> removed;
};

// Where committed events go. Called on the store's writer thread right after the commit, in seq
// order per room, before any later command is stored: so a subscriber never sees a gap.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void publish(const Event& event, const MembershipChange& change) = 0;
  // A member's delivered/read positions moved: for the room's members (`to_room`, in rooms of
  // up to Options::receipts_up_to members), else for the member's own other devices only.
  virtual void receipt(RoomId room, UserId user, Seq delivered, Seq read, bool to_room) = 0;
  // The groups of these users changed (added, removed, deleted): their clients ask again.
  virtual void groups_changed(const std::vector<UserId>& users) = 0;
};

template <class T>
using Done = std::function<void(core::Result<T>)>;

class ChatService {
 public:
  ChatService(store::Store& store, EventSink& sink, Options options,
              core::Clock clock = core::system_clock());

  const Options& options() const { return options_; }

  // Mutating commands. `cid` (required, validated by protocol/) makes a resend harmless. `done`
  // runs on the writer thread after the commit, or with the error that stored nothing.
  // `group` 0 makes a room outside any group; otherwise the creator must be in that group.
  void create_room(UserId user, std::string cid, RoomKind kind, std::string name, std::string topic,
                   std::vector<UserId> members, GroupId group, Done<Ack> done);
  // Groups: the creator is its admin; admins add and remove members (removal also takes them
  // out of the group's rooms); a member leaves explicitly (and its rooms with it); an admin
  // deletes it (its channels become private rooms of their members).
  void create_group(UserId user, std::string cid, std::string name, Done<Ack> done);
  void group_invite(UserId user, std::string cid, GroupId group, UserId target, Done<Ack> done);
  void group_remove(UserId user, std::string cid, GroupId group, UserId target, Done<Ack> done);
  void leave_group(UserId user, std::string cid, GroupId group, Done<Ack> done);
  void delete_group(UserId user, std::string cid, GroupId group, Done<Ack> done);
  void open_direct(UserId user, std::string cid, UserId peer, Done<Ack> done);
  void join(UserId user, std::string cid, RoomId room, Done<Ack> done);
  void leave(UserId user, std::string cid, RoomId room, Done<Ack> done);
  void invite(UserId user, std::string cid, RoomId room, UserId target, Done<Ack> done);
  void remove_member(UserId user, std::string cid, RoomId room, UserId target, Done<Ack> done);
  void update_room(UserId user, std::string cid, RoomId room, std::optional<std::string> name,
                   std::optional<std::string> topic, Done<Ack> done);
  void member_settings(UserId user, std::string cid, RoomId room, store::MemberSettings settings,
                       Done<Ack> done);
  // `files`: ids of the user's finished uploads to `room` that no message holds yet.
  void post(UserId user, std::string cid, RoomId room, std::string text, MessageId reply_to,
            std::vector<store::FileId> files, Done<Ack> done);
  void edit(UserId user, std::string cid, MessageId id, std::string text, Done<Ack> done);
  void delete_message(UserId user, std::string cid, MessageId id, Done<Ack> done);
  void react(UserId user, std::string cid, MessageId id, std::string emoji, Done<Ack> done);
  // Pins (or unpins) a message: room admins (anyone in a direct room); at most 50 per room.
  void pin(UserId user, std::string cid, MessageId id, bool on, Done<Ack> done);
  // A room admin mutes a member for `minutes` (0 unmutes): they read but do not post, edit or
  // react until then.
  void mute_member(UserId user, std::string cid, RoomId room, UserId target, std::int64_t minutes,
                   Done<Ack> done);
  // Moves the user's delivered (and, when `read`, read) position forward to `seq`.
  void mark(UserId user, RoomId room, Seq seq, bool read, Done<Ack> done);

  // The user's rooms, as of a point between two commits: `mark(room ids)` runs at that point, so
  // every event committed before it is in the answer and every later one is published after
  // `mark` (a socket that follows the rooms from `mark` on misses nothing). Blocks: run it on a
  // worker pool.
  core::Result<std::vector<store::RoomSummary>> attach(
      UserId user, const std::function<void(const std::vector<RoomId>&)>& mark);

  // Reads: they block (run them on a worker pool). Rooms the user may not see are kNotFound.
  core::Result<std::vector<store::RoomSummary>> rooms(UserId user);
  // A page of a timeline, newest first; `more` when older items exist.
  struct Page {
    RoomId room{};
    std::vector<Event> items;
    bool more = false;
  };
  core::Result<Page> history(UserId user, RoomId room, std::optional<Seq> before, int limit);
  struct SyncPage {
    std::vector<Event> events;
    bool more = false;
    Seq last_seq = 0;
  };
  core::Result<SyncPage> sync(UserId user, RoomId room, Seq after, int limit);
  core::Result<Page> thread(UserId user, MessageId parent, std::optional<Seq> before, int limit);
  struct Edits {
    std::vector<store::Edit> versions;
    bool more = false;  // earlier versions were left out
  };
  core::Result<Edits> edits(UserId user, MessageId id);
  // A page of the room's members by username (store::MemberQuery; `limit` 1..): `more` when
  // there are more after it.
  struct MembersPage {
    std::vector<store::MemberInfo> items;
    bool more = false;
  };
  core::Result<MembersPage> members(UserId user, RoomId room, store::MemberQuery query);
  // The room's pinned messages, the latest pinned first.
  core::Result<std::vector<Event>> pins(UserId user, RoomId room);
  core::Result<std::vector<store::DirectoryEntry>> directory(UserId user, const std::string& query);
  // People by name; their presence only where they share a room with `user`.
  core::Result<std::vector<store::UserBrief>> users(UserId user, const std::string& query);
  // Those of `users` whose presence `user` may see (who share a room with them), with their
  // last-seen time: whom a socket may watch.
  core::Result<std::vector<store::UserBrief>> watchable(UserId user,
                                                        const std::vector<UserId>& users);
  // Whether a room's members hear of each other's presence unasked: in rooms of up to
  // Options::presence_up_to members; in larger ones each announcement would go to everyone, so a
  // client watches the people it shows instead.
  bool carries_presence(const store::RoomSummary& room) const {
    return room.members <= options_.presence_up_to;
  }
  // The user's rooms that carry presence now.
  std::vector<RoomId> presence_rooms(UserId user) {
    return store_.small_rooms(user, options_.presence_up_to);
  }
  core::Result<std::vector<store::GroupSummary>> groups(UserId user);

  // Full-text search of messages (docs/protocol.md "search"): in `room` (any room the user can
  // read) or, without one, every room the user is a member of.
  struct SearchRequest {
    std::string query;
    RoomId room{};
    UserId from{};
    core::Millis after = 0;
    core::Millis before = 0;
    MessageId cursor{};  // the previous page's `next`
    int limit = 20;
  };
  struct SearchPage {
    std::vector<std::string> terms;
    std::vector<Event> items;
    bool more = false;
    MessageId next{};      // the cursor of the next page, when `more`
    bool partial = false;  // the time budget ran out: narrow the search
  };
  core::Result<SearchPage> search(UserId user, const SearchRequest& request);
  // The terms of a search query: split on white space, a "quoted phrase" one term, duplicates
  // dropped. Pure, for tests.
  static std::vector<std::string> search_terms(std::string_view query);

  // A new account's first rooms: the channels named in `channels` (in no group; the first
  // account that needs one creates it) and the rooms of the invitation it came with, which
  // `inviter` must still be in (direct and group rooms are skipped).
  void welcome(UserId user, std::vector<std::string> channels, UserId inviter,
               std::vector<RoomId> rooms, Done<Ack> done);
  // The rooms an invitation may name: channels and private rooms the user is in (kNotFound for
  // any other, with its id in the message).
  core::Result<std::vector<store::Room>> invitable_rooms(UserId user,
                                                         const std::vector<RoomId>& rooms);
  // A report of a message the user can read, for the admins.
  core::Result<store::Report> report(UserId user, MessageId message, const std::string& reason);
  // The admin area's lists (the caller checks who asks).
  std::vector<store::AdminRoom> admin_rooms(const std::string& query);
  std::vector<store::AdminGroup> admin_groups(const std::string& query);
  // An admin deletes a room: every member removed (each told by a `removed` event), then it is
  // gone from every list, search and join. Or a group, as its own admins would.
  void admin_delete_room(UserId admin, RoomId room, Done<Ack> done);
  void admin_delete_group(UserId admin, GroupId group, Done<Ack> done);
  std::vector<store::Report> reports(bool resolved);
  std::optional<store::Report> resolve_report(UserId by, std::int64_t id, bool resolved);
  // Makes `target` an admin of a channel or private room, adding them first if needed (an
  // admin's decision: the caller checks who asks).
  void make_room_admin(UserId by, RoomId room, UserId target, Done<Ack> done);

  // The user's display name changed: a `user_renamed` event in each of their rooms.
  void user_renamed(UserId user, std::string display_name);

  // Calls (rtc/ keeps their state; the room's rules and log are here). Who may be in a room's
  // call: its members only; a blocking read, on a worker pool.
  struct CallRoom {
    RoomKind kind = RoomKind::kChannel;
    std::vector<UserId> members;
  };
  core::Result<CallRoom> call_room(UserId user, RoomId room);
  // A call's moment in the room's log (`what`: started, ended, missed, declined), by `caller`.
  void record_call(UserId caller, RoomId room, std::string what, bool video, core::Millis duration,
                   Done<Ack> done);

  // Records that the user's last socket closed at `at` (a later time already stored stays).
  // Returns the last-seen time now stored (a later one may already have been).
  core::Millis went_offline(UserId user, core::Millis at);
  core::Millis now() const { return clock_(); }

  // Who `@name` in `text` names; pure, for tests.
  static std::vector<std::string> mentioned_names(std::string_view text);

  struct Work;  // service.cpp

 private:
  using Job = std::function<core::Result<Ack>(store::ChatTx&, Work&)>;
  void run(UserId user, std::string cid, Job job, Done<Ack> done);
  core::Result<store::Room> readable(UserId user, RoomId room);

  store::Store& store_;
  EventSink& sink_;
  Options options_;
  core::Clock clock_;
};

}  // namespace parley::chat
