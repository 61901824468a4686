// What the store keeps for chat: rooms, membership, the per-room event log and messages, as plain
// values; and ChatTx, the view of one write transaction that chat/ runs its commands in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"

namespace parley::store {

using Seq = std::int64_t;
using Millis = std::int64_t;
using FileId = std::int64_t;

// A stored file as messages show it (see docs/api.md "Files").
struct FileInfo {
  FileId id = 0;
  std::string name;
  std::int64_t size = 0;
  std::string type;  // MIME type detected from the content
  std::string kind;  // "image", "audio", "video" or "file"
  int width = 0;     // images, after EXIF orientation; 0 = unknown
  int height = 0;
  bool animated = false;
  bool thumb = false;    // a thumbnail variant exists
  bool preview = false;  // a preview variant exists
};

enum class RoomKind { kChannel, kPrivate, kDirect };

// Stored as integers in events.kind: append only, never renumber.
enum class EventKind {
  kCreated = 1,
  kMessage = 2,
  kEdited = 3,
  kDeleted = 4,
  kReaction = 5,
  kJoined = 6,
  kLeft = 7,
  kInvited = 8,
  kRemoved = 9,
  kRenamed = 10,
  kUserRenamed = 11,  // the user changed their display name (in `text`)
  kCall = 12,         // a call started or ended (`text`: started, ended, missed, declined)
  kPinned = 13,       // a message pinned (`on`) or unpinned
  kMemberMuted = 14,  // `target` may not post until `until` (0: unmuted)
};

struct Room {
  RoomId id{};
  RoomKind kind = RoomKind::kChannel;
  std::string name;
  std::string topic;
  UserId created_by{};
  Seq last_seq = 0;
  GroupId group{};       // 0: in no group
  bool deleted = false;  // by an admin: no members, in no list
};

struct Group {
  GroupId id{};
  std::string name;
};

struct GroupSummary {
  Group group;
  bool admin = false;  // the viewer's role
  int members = 0;
  int rooms = 0;
};

struct Membership {
  RoomId room{};
  UserId user{};
  bool admin = false;
  Seq read_seq = 0;
  Seq delivered_seq = 0;
  Millis muted_until = 0;  // a room admin muted this member until then
};

struct Reaction {
  std::string emoji;
  std::vector<UserId> users;
};

// One entry of a room's log; for message events read back from the store, also the message as
// it is now (after edits, deletion, reactions and replies).
struct Event {
  RoomId room{};
  Seq seq = 0;
  EventKind kind = EventKind::kMessage;
  UserId user{};
  std::string username;
  Millis at = 0;
  MessageId message{};
  std::string text;  // message text, emoji, or new room name
  MessageId reply_to{};
  std::vector<UserId> mentions;
  std::vector<FileInfo> files;  // message: attached files, in order
  UserId target{};              // invited / removed user
  std::string target_name;
  bool on = false;       // reaction added (true) or removed
  std::string topic;     // created / renamed
  RoomKind room_kind{};  // created
  Millis duration = 0;   // call ended: how long it lasted
  Millis until = 0;      // member muted: until when (0: unmuted)
  // The message's current state (history, sync, thread).
  bool has_state = false;
  bool deleted = false;
  Millis edited_at = 0;
  int replies = 0;
  std::vector<Reaction> reactions;
};

struct Message {
  MessageId id{};
  RoomId room{};
  Seq seq = 0;
  UserId author{};
  std::string text;
  MessageId reply_to{};
  bool deleted = false;
  Millis pinned_at = 0;  // 0: not pinned
};

struct UserBrief {
  UserId id{};
  std::string username;
  std::string display_name;
  Millis last_seen = 0;
  std::string avatar;  // stored avatar name, "" when none
  // Whether the one asking may see this user's presence (online, last seen): only people who
  // share a room with them. Set by searches; everything else only lists people who do.
  bool presence_visible = true;
};

struct RoomSummary {
  Room room;
  Membership me;
  bool notify = true;
  int volume = 100;
  bool muted = false;
  bool hidden = false;
  int unread = 0;
  int mentions = 0;
  int members = 0;
  Millis last_at = 0;
  std::optional<UserBrief> peer;  // direct rooms
};

struct MemberInfo {
  UserBrief user;
  bool admin = false;
};

// A page of a room's members, by username: those after `after` (a username; "" from the start)
// whose username or display name starts with `prefix` ("" for all), among `users` (none: all), at
// most `limit` (0: all).
struct MemberQuery {
  std::string after;
  std::string prefix;
  int limit = 0;
  std::vector<UserId> users;
};

struct DirectoryEntry {
  RoomId id{};
  GroupId group{};
  std::string name;
  std::string topic;
  int members = 0;
  bool joined = false;
};

struct Edit {
  std::string text;
  Millis at = 0;
};

// A message search (docs/protocol.md "search"), newest first. Every term must match: a term of
// three or more characters anywhere in a message's text, case-insensitively (any script); a
// shorter one the start of a word, or anywhere when beside longer terms or not in a spaced script
// (Chinese, Japanese, Korean). Deleted messages never match.
struct SearchQuery {
  std::vector<std::string> terms;  // at least one, none empty
  UserId member{};                 // the rooms this user is a member of...
  RoomId room{};                   // ...or this one room (its access checked by the caller)
  UserId from{};                   // sent by (0: anyone)
  Millis after = 0;                // sent at or after (0: any time)
  Millis before = 0;               // sent before (0: any time)
  MessageId below{};               // older (smaller id) than this message (0: from the newest)
  int limit = 20;
  int budget_ms = 1000;  // the time one search may take; past it, what was found is returned
};

struct SearchHits {
  std::vector<Event> items;  // message items, as history shows them, newest first
  bool partial = false;      // the budget ran out before the whole range was searched
};

// What a command stored, kept under its client id so a resend gets the same answer.
struct CommandOutcome {
  RoomId room{};
  Seq seq = 0;
  MessageId message{};
  GroupId group{};
};

struct MemberSettings {
  std::optional<bool> notify;
  std::optional<int> volume;
  std::optional<bool> muted;
  std::optional<bool> hidden;
};

// One job's view of the shared write transaction (group commit). Reads see the job's own writes
// and those of the jobs before it in the batch.
class ChatTx {
 public:
  virtual ~ChatTx() = default;
  virtual std::optional<UserBrief> user(UserId id) = 0;
  virtual std::optional<UserBrief> user_by_name(const std::string& username) = 0;
  virtual bool is_server_admin(UserId id) = 0;
  virtual std::optional<Room> room(RoomId id) = 0;
  virtual std::optional<Membership> membership(RoomId room, UserId user) = 0;
  virtual std::optional<Message> message(MessageId id) = 0;
  virtual std::optional<RoomId> direct_room(const std::string& key) = 0;
  // The channel in no group with this name (any case), the oldest if several.
  virtual std::optional<RoomId> channel_named(const std::string& name) = 0;
  virtual std::vector<RoomSummary> rooms_of(UserId user) = 0;
  virtual int member_count(RoomId room) = 0;
  virtual std::vector<RoomId> room_ids_of(UserId user) = 0;

  // Groups. Deleting one removes the group and its membership only: what becomes of its rooms is
  // chat's to decide (set_room_kind, set_room_group) before.
  virtual std::optional<Group> group(GroupId id) = 0;
  // nullopt when not a member; otherwise whether an admin.
  virtual std::optional<bool> group_role(GroupId group, UserId user) = 0;
  virtual GroupId create_group(const std::string& name, UserId creator, Millis at) = 0;
  virtual void add_group_member(GroupId group, UserId user, bool admin, Millis at) = 0;
  virtual void remove_group_member(GroupId group, UserId user) = 0;
  virtual std::vector<RoomId> group_rooms(GroupId group) = 0;
  virtual std::vector<UserId> group_members(GroupId group) = 0;
  virtual void delete_group(GroupId group) = 0;

  virtual std::optional<CommandOutcome> find_command(UserId user, const std::string& cid) = 0;
  virtual void save_command(UserId user, const std::string& cid, const CommandOutcome& o) = 0;

  virtual RoomId create_room(RoomKind kind, const std::string& name, const std::string& topic,
                             UserId creator, const std::optional<std::string>& direct_key,
                             GroupId group, Millis at) = 0;
  virtual void rename_room(RoomId id, const std::string& name, const std::string& topic) = 0;
  virtual void set_room_kind(RoomId id, RoomKind kind) = 0;
  virtual void set_room_group(RoomId id, GroupId group) = 0;
  // Every member who hid the room sees it again.
  virtual void show_room(RoomId id) = 0;
  virtual void add_member(RoomId room, UserId user, bool admin, Millis at) = 0;
  virtual void remove_member(RoomId room, UserId user) = 0;
  virtual void update_member(RoomId room, UserId user, const MemberSettings& s) = 0;
  virtual void set_member_admin(RoomId room, UserId user, bool admin) = 0;
  virtual std::vector<UserId> room_members(RoomId room) = 0;
  // Marks the room deleted (its members are removed by the caller, with their events).
  virtual void delete_room(RoomId room) = 0;
  virtual void set_muted_until(RoomId room, UserId user, Millis until) = 0;
  // Pins (at > 0) or unpins (0) a message.
  virtual void set_pinned(MessageId id, Millis at) = 0;
  virtual int pinned_count(RoomId room) = 0;
  // Moves the positions forward only; returns the positions after the move.
  virtual Membership advance(RoomId room, UserId user, Seq delivered, Seq read) = 0;

  // Appends `e` to its room's log with the room's next seq (set in `e`).
  virtual void append(Event& e) = 0;
  // Appends a message event and stores the message (its id set in `e.message`), its mentions, and
  // one more reply on its parent. Also attaches the files in `e.files` to the message.
  virtual void post(Event& e) = 0;
  // The files among `ids` that `uploader` uploaded to `room` and no message holds yet, in the
  // order of `ids` (an id that does not qualify is left out).
  virtual std::vector<FileInfo> unattached_files(RoomId room, UserId uploader,
                                                 const std::vector<FileId>& ids) = 0;
  virtual void edit_message(MessageId id, const std::string& text, Millis at) = 0;
  // Blanks the message's text everywhere (log, edits) and drops its reactions and mentions.
  virtual void delete_message(MessageId id) = 0;
  // Toggles; returns true when the reaction is now on.
  virtual bool toggle_reaction(MessageId id, UserId user, const std::string& emoji) = 0;
};

}  // namespace parley::store
