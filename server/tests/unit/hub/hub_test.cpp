// The hub's fan-out: who gets a room's frames, and when membership changes take effect.
#include "hub/hub.hpp"

#include <gtest/gtest.h>

namespace parley::hub {
namespace {

struct Socket : Subscriber {
  void send(const Frame& f) override { got.push_back(*f); }
  std::vector<std::string> got;
};

bus::Message room_message(RoomId room, std::string text) {
  bus::Message m;
  m.room = room;
  m.frame = std::make_shared<const std::string>(std::move(text));
  return m;
}

TEST(Hub, DeliversToFollowersOnly) {
  Hub hub;
  auto a = std::make_shared<Socket>(), b = std::make_shared<Socket>();
  hub.add(1, 10, a);
  hub.add(2, 20, b);
  hub.follow(1, {100});
  hub.deliver(room_message(100, "x"));
  EXPECT_EQ(a->got, std::vector<std::string>{"x"});
  EXPECT_TRUE(b->got.empty());
}

TEST(Hub, NewMembersGetTheirJoinEventAndRemovedOnesNothingAfterTheirRemoval) {
  Hub hub;
  auto tab1 = std::make_shared<Socket>(), tab2 = std::make_shared<Socket>();
  hub.add(1, 10, tab1);
  hub.add(2, 10, tab2);  // the same user's second tab
  auto joined = room_message(100, "joined");
  joined.added = {10};
  hub.deliver(joined);
  auto removed = room_message(100, "removed");
  removed.removed = {10};
  hub.deliver(removed);
  hub.deliver(room_message(100, "later"));
  for (auto* s : {tab1.get(), tab2.get()}) {
    EXPECT_EQ(s->got, (std::vector<std::string>{"joined", "removed"}));
  }
  EXPECT_FALSE(hub.follows(1, 100));
}

TEST(Hub, TracksOnlineAcrossTabsAndSkipsTheSenderWhenAsked) {
  Hub hub;
  auto a1 = std::make_shared<Socket>(), a2 = std::make_shared<Socket>(),
       b = std::make_shared<Socket>();
  EXPECT_TRUE(hub.add(1, 10, a1));
  EXPECT_FALSE(hub.add(2, 10, a2));
  hub.add(3, 20, b);
  for (ConnId c : {1, 2, 3}) hub.follow(c, {100});
  auto typing = room_message(100, "typing");
  typing.user = 10;
  typing.skip_user = true;
  hub.deliver(typing);
  EXPECT_TRUE(a1->got.empty());
  EXPECT_EQ(b->got.size(), 1u);
  EXPECT_FALSE(hub.remove(1));
  EXPECT_TRUE(hub.online(10));
  EXPECT_TRUE(hub.remove(2));
  EXPECT_FALSE(hub.online(10));
}

TEST(Hub, PresenceReachesEachSocketOfACoMemberOnce) {
  Hub hub;
  auto b = std::make_shared<Socket>(), c = std::make_shared<Socket>();
  hub.add(2, 20, b);
  hub.add(3, 30, c);
  hub.follow(2, {100, 200});  // shares two rooms with user 10
  bus::Message m;
  m.kind = bus::Message::Kind::kPresence;
  m.user = 10;
  m.rooms = {100, 200};
  m.frame = std::make_shared<const std::string>("online");
  hub.deliver(m);
  EXPECT_EQ(b->got.size(), 1u);
  EXPECT_TRUE(c->got.empty()) << "shares no room";
}

}  // namespace
}  // namespace parley::hub
