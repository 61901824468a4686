// The hub's fan-out: who gets a room's frames, when membership changes take effect, and the
// addressing of users, single connections and sign-outs, on one node or two sharing a bus.
#include "hub/hub.hpp"
#include "test_ids.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <thread>

namespace parley::hub {
namespace {

struct Socket : Subscriber {
  void send(const Frame& f, bool) override {
    std::lock_guard lock(mu);
    got.push_back(*f);
  }
  void close(std::uint16_t code, std::string) override {
    std::lock_guard lock(mu);
    closed = code;
  }
  void followed() override {
    std::lock_guard lock(mu);
    got.push_back("<followed>");
  }
  std::mutex mu;
  std::vector<std::string> got;
  std::uint16_t closed = 0;
};

bus::Message room_message(RoomId room, std::string text) {
  bus::Message m;
  m.room = room;
  m.frame = std::make_shared<const std::string>(std::move(text));
  return m;
}

bus::Message presence(UserId user, std::vector<RoomId> rooms, std::string text) {
  bus::Message m;
  m.kind = bus::Message::Kind::kPresence;
  m.user = user;
  m.rooms = std::move(rooms);
  m.frame = std::make_shared<const std::string>(std::move(text));
  return m;
}

TEST(Hub, DeliversToFollowersOnly) {
  Hub hub;
  auto a = std::make_shared<Socket>(), b = std::make_shared<Socket>();
  hub.add(1_conn, 10_user, 0, a);
  hub.add(2_conn, 20_user, 0, b);
  hub.follow(1_conn, {100_room});
  hub.deliver(room_message(100_room, "x"));
  EXPECT_EQ(a->got, std::vector<std::string>{"x"});
  EXPECT_TRUE(b->got.empty());
}

TEST(Hub, NewMembersGetTheirJoinEventAndRemovedOnesNothingAfterTheirRemoval) {
  Hub hub(1, 2);  // the user's two tabs land on two shards
  auto tab1 = std::make_shared<Socket>(), tab2 = std::make_shared<Socket>();
  hub.add(1_conn, 10_user, 0, tab1);
  hub.add(2_conn, 10_user, 0, tab2);
  auto joined = room_message(100_room, "joined");
  joined.added = {10_user};
  hub.deliver(joined);
  auto removed = room_message(100_room, "removed");
  removed.removed = {10_user};
  hub.deliver(removed);
  hub.deliver(room_message(100_room, "later"));
  for (auto* s : {tab1.get(), tab2.get()}) {
    EXPECT_EQ(s->got, (std::vector<std::string>{"joined", "removed"}));
  }
  EXPECT_FALSE(hub.follows(1_conn, 100_room));
}

TEST(Hub, SkipsTheSenderWhenAsked) {
  Hub hub;
  auto a1 = std::make_shared<Socket>(), a2 = std::make_shared<Socket>(),
       b = std::make_shared<Socket>();
  hub.add(1_conn, 10_user, 0, a1);
  hub.add(2_conn, 10_user, 0, a2);
  hub.add(3_conn, 20_user, 0, b);
  for (ConnId c : {1_conn, 2_conn, 3_conn}) hub.follow(c, {100_room});
  auto typing = room_message(100_room, "typing");
  typing.user = 10_user;
  typing.skip_user = true;
  hub.deliver(typing);
  EXPECT_TRUE(a1->got.empty());
  EXPECT_TRUE(a2->got.empty());
  EXPECT_EQ(b->got.size(), 1u);
}

TEST(Hub, PresenceReachesEachSocketOfACoMemberOnce) {
  Hub hub;
  auto b = std::make_shared<Socket>(), c = std::make_shared<Socket>();
  hub.add(2_conn, 20_user, 0, b);
  hub.add(3_conn, 30_user, 0, c);
  hub.follow(2_conn, {100_room, 200_room});  // shares two rooms with user 10
  hub.deliver(presence(10_user, {100_room, 200_room}, "online"));
  EXPECT_EQ(b->got.size(), 1u);
  EXPECT_TRUE(c->got.empty()) << "shares no room";
}

TEST(Hub, PresenceReachesWatchersWhateverRoomsTheyShareAndOnlyWhileTheyWatch) {
  Hub hub(1, 2);
  auto b = std::make_shared<Socket>(), c = std::make_shared<Socket>(),
       d = std::make_shared<Socket>();
  hub.add(2_conn, 20_user, 0, b);
  hub.add(3_conn, 30_user, 0, c);
  hub.add(4_conn, 40_user, 0, d);
  hub.follow(2_conn, {100_room});
  hub.watch(2_conn, {10_user, 10_user});  // also shares a room: still once
  hub.watch(3_conn, {11_user, 10_user});  // a large room's member: no room in the message
  hub.deliver(presence(10_user, {100_room}, "10 online"));
  EXPECT_EQ(b->got, std::vector<std::string>{"10 online"});
  EXPECT_EQ(c->got, std::vector<std::string>{"10 online"});
  EXPECT_TRUE(d->got.empty()) << "neither shares a room nor watches";
  EXPECT_EQ(hub.watching(3_conn), (std::vector<UserId>{10_user, 11_user}));

  hub.watch(3_conn, {11_user});  // replaces the set
  hub.deliver(presence(10_user, {}, "10 offline"));
  hub.deliver(presence(11_user, {}, "11 online"));
  EXPECT_EQ(c->got, (std::vector<std::string>{"10 online", "11 online"}));
  hub.remove(3_conn);
  hub.deliver(presence(11_user, {}, "11 offline"));
  EXPECT_EQ(c->got.size(), 2u);
  EXPECT_TRUE(hub.watching(3_conn).empty());
}

struct Watcher : Socket {
  void left_room() override { ++left; }
  int left = 0;
};

TEST(Hub, AWatcherOrTheWatchedLeavingARoomIsToldSoTheWatchIsCheckedAgain) {
  Hub hub;
  auto watcher = std::make_shared<Watcher>(), other = std::make_shared<Watcher>();
  hub.add(1_conn, 10_user, 0, watcher);
  hub.add(2_conn, 20_user, 0, other);  // watches nobody: nothing to check
  hub.follow(1_conn, {100_room});
  hub.follow(2_conn, {100_room});
  hub.watch(1_conn, {30_user});
  auto removed = room_message(100_room, "removed");
  removed.removed = {10_user, 20_user};
  hub.deliver(removed);
  EXPECT_EQ(watcher->left, 1);
  EXPECT_EQ(other->left, 0);
  // The watched one leaves a room (whichever: the hub does not know what they share).
  auto left = room_message(200_room, "left");
  left.removed = {30_user};
  hub.deliver(left);
  EXPECT_EQ(watcher->left, 2);
  EXPECT_EQ(other->left, 0);
}

TEST(Hub, UserAndConnectionAddressedFramesReachExactlyTheirSockets) {
  Hub hub(7, 3);
  auto a1 = std::make_shared<Socket>(), a2 = std::make_shared<Socket>(),
       b = std::make_shared<Socket>();
  hub.add(1_conn, 10_user, 0, a1);
  hub.add(2_conn, 10_user, 0, a2);
  hub.add(3_conn, 20_user, 0, b);
  bus::Message user;
  user.kind = bus::Message::Kind::kUser;
  user.user = 10_user;
  user.frame = std::make_shared<const std::string>("to user 10");
  hub.deliver(user);
  bus::Message one;
  one.kind = bus::Message::Kind::kConnection;
  one.connection = hub.address(2_conn);
  one.frame = std::make_shared<const std::string>("to 7.2");
  hub.deliver(one);
  one.connection = {8, 3_conn};  // another node's connection 3
  hub.deliver(one);
  EXPECT_EQ(a1->got, (std::vector<std::string>{"to user 10"}));
  EXPECT_EQ(a2->got, (std::vector<std::string>{"to user 10", "to 7.2"}));
  EXPECT_TRUE(b->got.empty());
  EXPECT_EQ(hub.address(2_conn).str(), "7.2");
}

TEST(Hub, FollowMessageAppliesInTheBusOrder) {
  Hub hub;
  auto a = std::make_shared<Socket>();
  hub.add(1_conn, 10_user, 0, a);
  hub.deliver(room_message(100_room, "before"));  // in the snapshot: not delivered
  bus::Message follow;
  follow.kind = bus::Message::Kind::kFollow;
  follow.connection = hub.address(1_conn);
  follow.rooms = {100_room};
  hub.deliver(follow);
  hub.deliver(room_message(100_room, "after"));
  EXPECT_EQ(a->got, (std::vector<std::string>{"<followed>", "after"}));
}

TEST(Hub, SignOutClosesThatSignInsSocketsOnEveryNodeSharingTheBus) {
  bus::LocalBus bus;
  Hub one(1, 2), two(2, 2);
  bus.subscribe([&](const bus::Message& m) { one.deliver(m); });
  bus.subscribe([&](const bus::Message& m) { two.deliver(m); });
  auto s1 = std::make_shared<Socket>(), s2 = std::make_shared<Socket>(),
       other = std::make_shared<Socket>(), stranger = std::make_shared<Socket>();
  one.add(1_conn, 10_user, 55, s1);
  two.add(1_conn, 10_user, 55, s2);     // the same sign-in on the other node
  two.add(2_conn, 10_user, 66, other);  // another sign-in of the same user
  one.add(2_conn, 20_user, 55, stranger);
  bus::Message out;
  out.kind = bus::Message::Kind::kSignOut;
  out.user = 10_user;
  out.session = 55;
  bus.publish(out);
  EXPECT_EQ(s1->closed, kCloseSignedOut);
  EXPECT_EQ(s2->closed, kCloseSignedOut);
  EXPECT_EQ(other->closed, 0);
  EXPECT_EQ(stranger->closed, 0);
  out.session = 0;  // everywhere
  bus.publish(out);
  EXPECT_EQ(other->closed, kCloseSignedOut);
}

TEST(Hub, PresenceIsOneAnswerOnTwoNodesSharingTheBus) {
  bus::LocalBus bus;  // the cluster's presence lives on the bus, not in a node's hub
  EXPECT_TRUE(bus.connected(10_user, {1, 1_conn})) << "first connection anywhere: online";
  EXPECT_FALSE(bus.connected(10_user, {2, 1_conn})) << "a second, on the other node";
  EXPECT_TRUE(bus.online(10_user));
  EXPECT_FALSE(bus.disconnected(10_user, {1, 1_conn}));
  EXPECT_TRUE(bus.online(10_user)) << "still connected on node 2";
  EXPECT_FALSE(bus.disconnected(10_user, {1, 1_conn})) << "a connection counts once";
  EXPECT_TRUE(bus.disconnected(10_user, {2, 1_conn})) << "the last one anywhere: offline";
  EXPECT_FALSE(bus.online(10_user));
}

// Lanes on real threads: every socket sees a room's frames in the order they were handed over,
// whichever shard and thread delivered them.
TEST(Hub, ShardedLanesKeepEachRoomsOrder) {
  constexpr int kSockets = 64, kFrames = 2000;
  Hub hub(1, 4);
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::function<void()>> work;
  bool stop = false;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (;;) {
        std::function<void()> fn;
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return stop || !work.empty(); });
          if (work.empty()) return;
          fn = std::move(work.back());  // any order: only the lanes keep it
          work.pop_back();
        }
        fn();
      }
    });
  }
  hub.start([&](std::function<void()> fn) {
    {
      std::lock_guard lock(mu);
      work.push_back(std::move(fn));
    }
    cv.notify_one();
  });
  std::vector<std::shared_ptr<Socket>> sockets;
  for (int i = 0; i < kSockets; ++i) {
    sockets.push_back(std::make_shared<Socket>());
    const ConnId conn{static_cast<std::uint64_t>(i)};
    hub.add(conn, UserId{100 + i}, 0, sockets.back());
    hub.follow(conn, {1_room, 2_room});
  }
  for (int n = 0; n < kFrames; ++n) hub.deliver(room_message(RoomId{1 + n % 2}, std::to_string(n)));
  // Every post happened inside deliver(): once the threads have run all the work, it is done.
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  for (auto& s : sockets) {
    ASSERT_EQ(s->got.size(), static_cast<std::size_t>(kFrames));
    for (int n = 0; n < kFrames; ++n) ASSERT_EQ(s->got[n], std::to_string(n));
  }
}

}  // namespace
}  // namespace parley::hub
