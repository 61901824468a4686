// What the store keeps for administration: invitations, reports of messages, and the figures an
// admin sees (docs/api.md "Registration, invitations, reports and administration").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/chat.hpp"

namespace parley::store {

struct Invite {
  std::string code;
  UserId created_by{};
  Millis created_at = 0;
  Millis expires_at = 0;
  int max_uses = 1;
  int uses = 0;
  std::vector<RoomId> rooms;
  std::optional<std::string> email;
};

struct Report {
  std::int64_t id = 0;
  MessageId message{};
  RoomId room{};
  std::string room_name;
  UserBrief author;
  std::string text;  // the message as it is now ("" once deleted)
  Millis at = 0;
  bool deleted = false;
  UserBrief reporter;
  std::string reason;
  Millis created_at = 0;
  Millis resolved_at = 0;  // 0: open
  UserId resolved_by{};
};

struct AdminRoom {
  Room room;
  int members = 0;
  std::int64_t messages = 0;
  Millis last_at = 0;
  std::vector<UserBrief> admins;
};

struct AdminGroup {
  Group group;
  int members = 0;
  int rooms = 0;
  std::vector<UserBrief> admins;
};

struct Health {
  std::int64_t users = 0;  // accounts, guests included
  std::int64_t rooms = 0;
  std::int64_t messages_since = 0;  // posted since the time asked about
  std::int64_t database_bytes = 0;
  std::int64_t files_bytes = 0;  // stored files, each content once
};

struct PushSubscription {
  std::int64_t id = 0;
  UserId user{};
  std::string endpoint;
  std::string p256dh;  // base64url, as the browser gave it
  std::string auth;
  std::string user_agent;
  Millis created_at = 0;
  std::int64_t session =
      0;  // the sign-in (a SessionId) that made it: it ends with it (0: none recorded)
};

// What a push notification needs to know of a member: whether they want one from this room.
struct PushMember {
  UserId user{};
  bool notify = true;  // the room's notification setting
  bool muted = false;
};

struct Identity {
  std::string provider;
  std::string subject;
  UserId user{};
  std::string email;
  Millis linked_at = 0;
};

struct OidcState {
  std::string state_hash;
  std::string provider;
  std::string nonce;
  std::string verifier;
  UserId link_user{};
  Millis created_at = 0;
};

// A provider's sign-in waiting for the password of the account its verified e-mail belongs to.
struct OidcLink {
  std::string token_hash;
  std::string provider;
  std::string subject;
  std::string email;
  UserId user{};
  Millis created_at = 0;
};

}  // namespace parley::store
