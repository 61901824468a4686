// Id<Tag>: ids of different kinds are different types that cost nothing over the number.
#include "core/id.hpp"

#include <gtest/gtest.h>

#include <set>
#include <type_traits>
#include <unordered_set>

#include "core/id_format.hpp"
#include "core/ids.hpp"

namespace parley {
namespace {

// One kind cannot stand for another, nor be made from a bare number without saying so.
static_assert(!std::is_convertible_v<RoomId, UserId>);
static_assert(!std::is_convertible_v<UserId, RoomId>);
static_assert(!std::is_convertible_v<MessageId, RoomId>);
static_assert(!std::is_convertible_v<RoomId, MessageId>);
static_assert(!std::is_convertible_v<GroupId, RoomId>);
static_assert(!std::is_constructible_v<UserId, RoomId>);
static_assert(!std::is_convertible_v<std::int64_t, RoomId>);
static_assert(!std::is_convertible_v<RoomId, std::int64_t>);
static_assert(!std::is_convertible_v<std::uint64_t, ConnId>);
static_assert(std::is_constructible_v<RoomId, std::int64_t>);
// No cost: the size of the number, copied as the number.
static_assert(sizeof(RoomId) == sizeof(std::int64_t));
static_assert(sizeof(ConnId) == sizeof(std::uint64_t));
static_assert(std::is_trivially_copyable_v<RoomId>);
static_assert(std::is_same_v<ConnId::rep, std::uint64_t>);
// Usable in constant expressions.
static_assert(RoomId{3}.value() == 3);
static_assert(RoomId{} == RoomId{0});
static_assert(RoomId{1} < RoomId{2});
static_assert(!RoomId{});

TEST(Id, ComparesByItsNumber) {
  EXPECT_EQ(UserId{7}, UserId{7});
  EXPECT_NE(UserId{7}, UserId{8});
  EXPECT_LT(MessageId{1}, MessageId{2});
  EXPECT_GT(MessageId{3}, MessageId{2});
  EXPECT_FALSE(RoomId{}) << "0 names nothing";
  EXPECT_TRUE(RoomId{5});
}

TEST(Id, HashesAndOrdersAsAKey) {
  std::unordered_set<UserId> users{UserId{1}, UserId{2}, UserId{1}};
  EXPECT_EQ(users.size(), 2u);
  EXPECT_TRUE(users.contains(UserId{2}));
  EXPECT_EQ(std::hash<UserId>()(UserId{42}), std::hash<std::int64_t>()(42));
  std::set<RoomId> rooms{RoomId{3}, RoomId{1}, RoomId{2}};
  EXPECT_EQ(*rooms.begin(), RoomId{1});
}

TEST(Id, FormatsAsItsNumber) {
  EXPECT_EQ(fmt::format("room {} user {:>3}", RoomId{12}, UserId{4}), "room 12 user   4");
  EXPECT_EQ(fmt::format("{}", ConnId{18446744073709551615ull}), "18446744073709551615");
}

}  // namespace
}  // namespace parley
