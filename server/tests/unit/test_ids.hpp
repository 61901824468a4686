// Ids written as literals in tests (7_user, 100_room, 3_msg, 1_conn), and printed by gtest.
#pragma once

#include <ostream>

#include "core/ids.hpp"

namespace parley {

constexpr RoomId operator""_room(unsigned long long v) {
  return RoomId{static_cast<RoomId::rep>(v)};
}
constexpr UserId operator""_user(unsigned long long v) {
  return UserId{static_cast<UserId::rep>(v)};
}
constexpr MessageId operator""_msg(unsigned long long v) {
  return MessageId{static_cast<MessageId::rep>(v)};
}
constexpr ConnId operator""_conn(unsigned long long v) {
  return ConnId{v};
}

// For gtest's messages and the `<< room` in tests.
template <class Tag, class Rep>
std::ostream& operator<<(std::ostream& os, Id<Tag, Rep> id) {
  return os << id.value();
}

}  // namespace parley
