// The WebSocket wire format (docs/protocol.md): decoding client frames into typed commands and
// encoding server frames. The only place the frames' JSON field names live.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chat/service.hpp"
#include "core/result.hpp"
#include "protocol/fields.hpp"
#include "protocol/limits.hpp"

namespace parley::protocol {

inline constexpr int kDefaultPage = 50;
inline constexpr int kDefaultSync = 500;

// Chat's client -> server commands. `cid` is the client's id for the command, echoed in the
// answer; mutating commands have one (the command registry refuses them without).
struct ListRooms {
  Cid cid;
};
struct Search {
  Cid cid;
  std::string query;
  RoomId room{};
  UserId from{};
  std::int64_t after = 0;
  std::int64_t before = 0;
  MessageId cursor{};
  int limit = 20;
};
struct Directory {
  Cid cid;
  std::string query;
};
struct FindUsers {
  Cid cid;
  std::string query;
};
// The people whose presence the socket follows from now on (replacing whom it followed).
struct Watch {
  Cid cid;
  std::vector<UserId> users;
};
inline constexpr std::size_t kMaxWatch = 1000;
struct CreateRoom {
  std::string cid;
  chat::RoomKind kind = chat::RoomKind::kChannel;
  std::string name;
  std::string topic;
  std::vector<UserId> members;
  GroupId group{};
};
struct OpenDirect {
  std::string cid;
  UserId user{};
};
struct Join {
  std::string cid;
  RoomId room{};
};
struct Leave {
  std::string cid;
  RoomId room{};
};
struct Invite {
  std::string cid;
  RoomId room{};
  UserId user{};
};
struct Remove {
  std::string cid;
  RoomId room{};
  UserId user{};
};
struct UpdateRoom {
  std::string cid;
  RoomId room{};
  std::optional<std::string> name;
  std::optional<std::string> topic;
};
struct RoomSettings {
  std::string cid;
  RoomId room{};
  store::MemberSettings settings;
};
struct Post {
  std::string cid;
  RoomId room{};
  std::string text;
  MessageId reply_to{};
  std::vector<Id> files;
};
struct Edit {
  std::string cid;
  MessageId id{};
  std::string text;
};
struct Delete {
  std::string cid;
  MessageId id{};
};
struct React {
  std::string cid;
  MessageId id{};
  std::string emoji;
};
struct Mark {
  Cid cid;
  RoomId room{};
  std::int64_t seq = 0;
  bool read = false;
};
struct History {
  Cid cid;
  RoomId room{};
  std::optional<std::int64_t> before;
  int limit = kDefaultPage;
};
struct Sync {
  Cid cid;
  RoomId room{};
  std::int64_t after = 0;
  int limit = kDefaultSync;
};
struct Thread {
  Cid cid;
  MessageId id{};
  std::optional<std::int64_t> before;
  int limit = kDefaultPage;
};
struct Edits {
  Cid cid;
  MessageId id{};
};
struct Pin {
  std::string cid;
  MessageId id{};
};
struct Unpin {
  std::string cid;
  MessageId id{};
};
struct MuteMember {
  std::string cid;
  RoomId room{};
  UserId user{};
  std::int64_t minutes = 0;
};
struct Pins {
  Cid cid;
  RoomId room{};
};
struct Members {
  Cid cid;
  RoomId room{};
  std::string after;  // a username: the page after it
  std::string query;  // a prefix of username or display name
  int limit = 0;
  std::vector<UserId> users;  // only these (the authors a client shows)
};
inline constexpr int kMaxMembersPage = 1000;
inline constexpr std::size_t kMaxMembersAsked = 100;  // `users` of one `members`
struct CreateGroup {
  std::string cid;
  std::string name;
};
struct ListGroups {
  Cid cid;
};
struct GroupInvite {
  std::string cid;
  GroupId group{};
  UserId user{};
};
struct GroupRemove {
  std::string cid;
  GroupId group{};
  UserId user{};
};
struct LeaveGroup {
  std::string cid;
  GroupId group{};
};
struct DeleteGroup {
  std::string cid;
  GroupId group{};
};
struct Typing {
  Cid cid;
  RoomId room{};
};

// Reads a chat command's fields (docs/protocol.md); problems are kept in `f`. Which frame type
// decodes to which command is registered by the gateway's chat module.
template <class C>
C decode(Fields& f);
#define PARLEY_DECODES(C) \
  template <>             \
  C decode<C>(Fields & f);
PARLEY_DECODES(ListRooms)
PARLEY_DECODES(Directory)
PARLEY_DECODES(Search)
PARLEY_DECODES(FindUsers)
PARLEY_DECODES(Watch)
PARLEY_DECODES(CreateRoom)
PARLEY_DECODES(OpenDirect)
PARLEY_DECODES(Join)
PARLEY_DECODES(Leave)
PARLEY_DECODES(Invite)
PARLEY_DECODES(Remove)
PARLEY_DECODES(UpdateRoom)
PARLEY_DECODES(RoomSettings)
PARLEY_DECODES(Post)
PARLEY_DECODES(Edit)
PARLEY_DECODES(Delete)
PARLEY_DECODES(React)
PARLEY_DECODES(Mark)
PARLEY_DECODES(History)
PARLEY_DECODES(Sync)
PARLEY_DECODES(Thread)
PARLEY_DECODES(Edits)
PARLEY_DECODES(Pin)
PARLEY_DECODES(Unpin)
PARLEY_DECODES(MuteMember)
PARLEY_DECODES(Pins)
PARLEY_DECODES(Members)
PARLEY_DECODES(Typing)
PARLEY_DECODES(CreateGroup)
PARLEY_DECODES(ListGroups)
PARLEY_DECODES(GroupInvite)
PARLEY_DECODES(GroupRemove)
PARLEY_DECODES(LeaveGroup)
PARLEY_DECODES(DeleteGroup)
#undef PARLEY_DECODES

// A refused command's error as an error frame.
FrameError refusal(const core::Error& error, const Cid& cid);

using Online = std::function<bool(UserId user)>;

std::string encode_hello(std::string_view version, const store::UserBrief& me,
                         const std::vector<store::RoomSummary>& rooms, const Limits& limits);
std::string encode_pong(const Cid& cid);
std::string encode_error(const FrameError& error);
std::string encode_ack(const Cid& cid, const chat::Ack& ack);
std::string encode_event(const store::Event& event);
std::string encode_rooms(const Cid& cid, const std::vector<store::RoomSummary>& rooms);
std::string encode_pins(const Cid& cid, RoomId room, const std::vector<store::Event>& items);
std::string encode_history(const Cid& cid, const chat::ChatService::Page& page);
std::string encode_sync(const Cid& cid, RoomId room, const chat::ChatService::SyncPage& page);
std::string encode_thread(const Cid& cid, MessageId parent, const chat::ChatService::Page& page);
// `more`: earlier versions were left out (an answer is bounded in size).
std::string encode_edits(const Cid& cid, MessageId id, const std::vector<store::Edit>& versions,
                         bool more = false);
std::string encode_members(const Cid& cid, RoomId room, const chat::ChatService::MembersPage& page,
                           const Online& online);
std::string encode_search(const Cid& cid, const chat::ChatService::SearchPage& page);
std::string encode_directory(const Cid& cid, const std::vector<store::DirectoryEntry>& rooms);
std::string encode_users(const Cid& cid, const std::vector<store::UserBrief>& users,
                         const Online& online);
std::string encode_receipt(RoomId room, UserId user, std::int64_t delivered, std::int64_t read);
std::string encode_presence(UserId user, bool online, std::int64_t last_seen);
// The answer to `watch`: the presence now of those watched (the ones the caller may see).
std::string encode_watching(const Cid& cid, const std::vector<store::UserBrief>& users,
                            const Online& online);
// A user's avatar (stored name, "" for none) changed: pushed to those who share a room with them.
std::string encode_profile(UserId user, std::string_view display_name, const std::string& avatar);
// A file as docs/api.md shows it (also inside message events).
std::string encode_file(const store::FileInfo& file);
std::string encode_typing(RoomId room, UserId user, std::string_view username);
std::string encode_groups(const Cid& cid, const std::vector<store::GroupSummary>& groups);
std::string encode_groups_changed();
// The server-wide notice (nullopt: cleared).
std::string encode_notice(const std::optional<std::string>& text, std::int64_t at);

}  // namespace parley::protocol
