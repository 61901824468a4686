// The ids the modules pass between them, each its own type (core/id.hpp): a room, a user, a
// message, a group of rooms, and a socket's number on its node. Here in core/ so the store, the
// bus, the hub, rtc/ and chat/ all name the same types without depending on each other.
#pragma once

#include <cstdint>

#include "core/id.hpp"

namespace parley {

using RoomId = Id<struct RoomTag>;
using UserId = Id<struct UserTag>;
using MessageId = Id<struct MessageTag>;
using GroupId = Id<struct GroupTag>;  // a group of rooms
// A WebSocket's number on the node that holds it (bus::ConnectionId adds the node).
using ConnId = Id<struct ConnTag, std::uint64_t>;

}  // namespace parley
