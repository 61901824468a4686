// The Redis bus against a real redis-server started on loopback for each test: two nodes (two
// RedisBus instances, as two processes would have) exchange room, user- and connection-addressed
// messages in order; presence agrees on both; a node that dies is swept by the other, which says
// who went offline; Redis restarting empty makes both nodes register again and resync.
#include "bus/redis_bus.hpp"
#include "redis_server.hpp"
#include "test_ids.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace parley::bus {
namespace {

using namespace std::chrono_literals;
using parley::testing::free_port;
using parley::testing::RedisServer;

// What one node's subscribers received, and waiting for it.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Message> got;
  std::vector<UserId> offline;
  int resyncs = 0;

  void attach(RedisBus& bus) {
    bus.subscribe([this](const Message& m) {
      std::lock_guard lock(mu);
      got.push_back(m);
      cv.notify_all();
    });
    bus.on_offline([this](UserId u) {
      std::lock_guard lock(mu);
      offline.push_back(u);
      cv.notify_all();
    });
    bus.on_resync([this] {
      std::lock_guard lock(mu);
      ++resyncs;
      cv.notify_all();
    });
  }
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] { return pred(); });
  }
  std::vector<std::string> frames() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& m : got) out.push_back(m.frame ? *m.frame : "");
    return out;
  }
};

// Waits for a condition only another thread can make true (presence copies, sweeping).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);  // polling a state, not ordering events
  }
  return true;
}

Message room_message(RoomId room, std::string text) {
  Message m;
  m.kind = Message::Kind::kRoom;
  m.room = room;
  m.frame = std::make_shared<const std::string>(std::move(text));
  return m;
}

RedisOptions options(const RedisServer& redis, std::chrono::milliseconds ttl = 10s) {
  RedisOptions o;
  o.port = redis.port();
  o.node_ttl = ttl;
  return o;
}

TEST(RedisBusWire, EveryEnvelopeComesBackAsSent) {
  wire::Envelope e;
  e.origin = 3;
  e.message.kind = Message::Kind::kPresence;
  e.message.room = 11_room;
  e.message.user = 12_user;
  e.message.skip_user = true;
  e.message.added = {1_user, 2_user};
  e.message.removed = {3_user};
  e.message.rooms = {4_room, 5_room, 6_room};
  e.message.connection = {7, 8_conn};
  e.message.session = 9;
  e.message.frame = std::make_shared<const std::string>(std::string("{\"x\":1}\0tail", 12));
  auto back = wire::decode(wire::encode(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->origin, 3u);
  EXPECT_EQ(back->message.kind, Message::Kind::kPresence);
  EXPECT_EQ(back->message.room, 11_room);
  EXPECT_EQ(back->message.user, 12_user);
  EXPECT_TRUE(back->message.skip_user);
  EXPECT_EQ(back->message.added, (std::vector<UserId>{1_user, 2_user}));
  EXPECT_EQ(back->message.removed, (std::vector<UserId>{3_user}));
  EXPECT_EQ(back->message.rooms, (std::vector<RoomId>{4_room, 5_room, 6_room}));
  EXPECT_EQ(back->message.connection, (ConnectionId{7, 8_conn}));
  EXPECT_EQ(back->message.session, 9);
  EXPECT_EQ(*back->message.frame, *e.message.frame);

  wire::Envelope p;
  p.type = wire::Envelope::Type::kPresence;
  p.origin = 1;
  p.user = 42_user;
  p.online = true;
  p.version = 77;
  auto pb = wire::decode(wire::encode(p));
  ASSERT_TRUE(pb);
  EXPECT_EQ(pb->type, wire::Envelope::Type::kPresence);
  EXPECT_EQ(pb->user, 42_user);
  EXPECT_TRUE(pb->online);
  EXPECT_EQ(pb->version, 77u);

  wire::Envelope none;
  none.message.kind = Message::Kind::kSignOut;
  auto nb = wire::decode(wire::encode(none));
  ASSERT_TRUE(nb);
  EXPECT_EQ(nb->message.frame, nullptr);
}

TEST(RedisBusWire, CutOrForeignBytesAreNotEnvelopes) {
  wire::Envelope e;
  e.message = room_message(1_room, "hello");
  auto bytes = wire::encode(e);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(wire::decode(std::string_view(bytes).substr(0, n))) << n;
  }
  EXPECT_FALSE(wire::decode(bytes + "x"));
  EXPECT_FALSE(wire::decode("hello world"));
  std::string absurd = bytes;
  absurd[6 + 8 + 8 + 1] = '\xff';  // the first list's count: far more ids than bytes
  absurd[6 + 8 + 8 + 2] = '\xff';
  EXPECT_FALSE(wire::decode(absurd));
}

TEST(RedisBusWire, RedisUrls) {
  auto o = parse_redis_url("redis://10.0.0.5:6380/");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->host, "10.0.0.5");
  EXPECT_EQ(o->port, 6380);
  EXPECT_EQ(parse_redis_url("redis://cache")->port, 6379);
  std::string why;
  EXPECT_FALSE(parse_redis_url("http://x:1", &why));
  EXPECT_FALSE(why.empty());
  EXPECT_FALSE(parse_redis_url("redis://x:0"));
  EXPECT_FALSE(parse_redis_url("redis://x:99999"));
  EXPECT_FALSE(parse_redis_url("redis://user@x:1"));
}

TEST(RedisBus, RefusesToStartWithoutRedis) {
  RedisOptions o;
  o.port = free_port();
  EXPECT_THROW(RedisBus bus(o), std::runtime_error);
}

TEST(RedisBus, TwoNodesShareRoomMessagesInOrderAndAddressConnections) {
  RedisServer redis;
  RedisBus a(options(redis)), b(options(redis));
  ASSERT_NE(a.node(), b.node());
  Inbox at_a, at_b;
  at_a.attach(a);
  at_b.attach(b);

  for (int i = 0; i < 200; ++i) a.publish(room_message(1_room, "m" + std::to_string(i)));
  ASSERT_TRUE(at_b.wait([&] { return at_b.got.size() == 200; }));
  auto frames = at_b.frames();
  for (int i = 0; i < 200; ++i) EXPECT_EQ(frames[i], "m" + std::to_string(i));
  EXPECT_EQ(at_a.frames().size(), 200u) << "each delivered once where it was published";

  // Addressed to one connection: only its node gets it. What follows it on the shared channel
  // arrives after it, so its absence elsewhere is known once the marker is there.
  Message to_b;
  to_b.kind = Message::Kind::kConnection;
  to_b.connection = {b.node(), 5_conn};
  to_b.frame = std::make_shared<const std::string>("for b");
  Message to_a = to_b;
  to_a.connection = {a.node(), 6_conn};
  to_a.frame = std::make_shared<const std::string>("for a");
  a.publish(to_b);
  b.publish(to_a);
  a.publish(room_message(1_room, "marker a"));
  b.publish(room_message(1_room, "marker b"));
  ASSERT_TRUE(at_b.wait([&] { return at_b.got.size() == 203; }));
  ASSERT_TRUE(at_a.wait([&] { return at_a.got.size() == 203; }));
  auto fb = at_b.frames();
  auto fa = at_a.frames();
  auto at = [](const std::vector<std::string>& v, const char* what) {
    return std::find(v.begin(), v.end(), what) - v.begin();
  };
  // Each node's own marker is delivered at once; the other's come in the order sent.
  EXPECT_LT(at(fb, "for b"), at(fb, "marker a"));
  EXPECT_LT(at(fa, "for a"), at(fa, "marker b"));
  EXPECT_EQ(std::count(fa.begin(), fa.end(), "for b"), 0);
  EXPECT_EQ(std::count(fb.begin(), fb.end(), "for a"), 0);
  EXPECT_EQ(at_b.got[at(fb, "for b")].connection, (ConnectionId{b.node(), 5_conn}));
}

TEST(RedisBus, PresenceIsTheClustersOnEveryNode) {
  RedisServer redis;
  RedisBus a(options(redis)), b(options(redis));
  EXPECT_TRUE(a.connected(7_user, {a.node(), 1_conn})) << "first connection anywhere";
  EXPECT_TRUE(a.online(7_user));
  EXPECT_TRUE(eventually([&] { return b.online(7_user); }));
  EXPECT_FALSE(b.connected(7_user, {b.node(), 1_conn})) << "already online on the other node";
  EXPECT_FALSE(a.connected(7_user, {a.node(), 2_conn}));
  EXPECT_FALSE(a.disconnected(7_user, {a.node(), 1_conn}));
  EXPECT_FALSE(a.disconnected(7_user, {a.node(), 1_conn})) << "closed twice counts once";
  EXPECT_FALSE(a.disconnected(7_user, {a.node(), 2_conn}));
  EXPECT_TRUE(b.online(7_user));
  EXPECT_TRUE(b.disconnected(7_user, {b.node(), 1_conn})) << "the last one, on any node";
  EXPECT_FALSE(b.online(7_user));
  EXPECT_TRUE(eventually([&] { return !a.online(7_user); }));
  EXPECT_FALSE(a.online(8_user));

  // A node that starts later sees who is online already.
  EXPECT_TRUE(a.connected(8_user, {a.node(), 3_conn}));
  RedisBus c(options(redis));
  EXPECT_TRUE(c.online(8_user) || eventually([&] { return c.online(8_user); }));
  EXPECT_FALSE(c.online(7_user));
}

TEST(RedisBus, ADeadNodesUsersGoOfflineAndAreReportedOnce) {
  RedisServer redis;
  auto quick = options(redis, 300ms);
  RedisBus b(quick);
  Inbox at_b;
  at_b.attach(b);
  {
    RedisBus a(quick);
    EXPECT_TRUE(a.connected(21_user, {a.node(), 1_conn}));
    EXPECT_TRUE(a.connected(22_user, {a.node(), 2_conn}));
    EXPECT_TRUE(b.connected(22_user, {b.node(), 1_conn}) == false);
    ASSERT_TRUE(eventually([&] { return b.online(21_user) && b.online(22_user); }));
    a.crash_for_tests();  // no goodbye: its key expires
  }
  ASSERT_TRUE(at_b.wait([&] { return !at_b.offline.empty(); }));
  EXPECT_TRUE(eventually([&] { return !b.online(21_user); }));
  EXPECT_TRUE(b.online(22_user)) << "still connected on b";
  std::lock_guard lock(at_b.mu);
  EXPECT_EQ(at_b.offline, std::vector<UserId>{21_user});
}

TEST(RedisBus, AClaimIsHeldByOneNodeUntilReleasedOrItsNodeDies) {
  RedisServer redis;
  auto quick = options(redis, 300ms);
  RedisBus b(quick);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<NodeId> gone;
  b.on_node_gone([&](NodeId n) {
    std::lock_guard lock(mu);
    gone.push_back(n);
    cv.notify_all();
  });
  NodeId a_id = 0;
  {
    RedisBus a(quick);
    a_id = a.node();
    EXPECT_EQ(a.claim("call:7", a.node()), a.node());
    EXPECT_EQ(b.claim("call:7", b.node()), a.node()) << "held by a";
    EXPECT_EQ(a.claim("call:7", a.node()), a.node()) << "a claiming again keeps it";
    a.release("call:7", a.node());
    EXPECT_EQ(b.claim("call:7", b.node()), b.node()) << "free once released";
    EXPECT_EQ(a.claim("call:8", a.node()), a.node());
    b.release("call:8", b.node());  // not b's: nothing changes
    EXPECT_EQ(b.claim("call:8", b.node()), a.node());
    a.crash_for_tests();
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return !gone.empty(); }));
  EXPECT_EQ(gone, std::vector<NodeId>{a_id}) << "reported once, by the node that swept it";
  lock.unlock();
  EXPECT_EQ(b.claim("call:8", b.node()), b.node()) << "a dead node's claims go with it";
}

TEST(RedisBus, RedisRestartingEmptyMakesNodesRegisterAgainAndResync) {
  RedisServer redis;
  RedisBus a(options(redis)), b(options(redis));
  Inbox at_a, at_b;
  at_a.attach(a);
  at_b.attach(b);
  EXPECT_TRUE(a.connected(31_user, {a.node(), 1_conn}));
  ASSERT_TRUE(eventually([&] { return b.online(31_user); }));

  redis.kill();
  redis.start();
  ASSERT_TRUE(at_a.wait([&] { return at_a.resyncs > 0; }, 20s));
  ASSERT_TRUE(at_b.wait([&] { return at_b.resyncs > 0; }, 20s));
  // a's connection is registered again: the cluster still has 31 online, and a new node agrees.
  RedisBus c(options(redis));
  EXPECT_TRUE(eventually([&] { return c.online(31_user); }));
  EXPECT_TRUE(eventually([&] { return b.online(31_user); }));
  // And messages flow again.
  a.publish(room_message(2_room, "after"));
  ASSERT_TRUE(at_b.wait([&] {
    return !at_b.got.empty() && at_b.got.back().frame && *at_b.got.back().frame == "after";
  }));
}

// Sign-in limits are the cluster's: attempts spread over two nodes are counted together, a reset on
// one frees the other, time refills the bucket; with Redis out of reach each node counts its own.
TEST(RedisBus, RateLimitsAreSharedByTheNodes) {
  RedisServer redis;
  RedisBus a(options(redis)), b(options(redis));
  auto at_a = a.limiter("address", 3, 60000);
  auto at_b = b.limiter("address", 3, 60000);
  const std::int64_t t = 1'000'000;
  EXPECT_EQ(at_a->take("ip:10.0.0.7", t), 0);
  EXPECT_EQ(at_b->take("ip:10.0.0.7", t), 0);
  EXPECT_EQ(at_a->take("ip:10.0.0.7", t), 0);
  EXPECT_EQ(at_b->take("ip:10.0.0.7", t), 60) << "the third attempt was the last, on either node";
  EXPECT_EQ(at_a->take("ip:10.0.0.7", t + 30000), 30);
  EXPECT_EQ(at_b->take("ip:10.0.0.8", t), 0) << "another key, its own bucket";
  EXPECT_EQ(at_b->take("ip:10.0.0.7", t + 60000), 0) << "a minute later, one more";
  EXPECT_GT(at_a->take("ip:10.0.0.7", t + 60000), 0);
  at_a->reset("ip:10.0.0.7");
  EXPECT_EQ(at_b->take("ip:10.0.0.7", t + 60000), 0) << "reset on a: free on b";
  auto other = b.limiter("account", 3, 60000);
  EXPECT_EQ(other->take("ip:10.0.0.7", t + 60000), 0) << "each limiter has buckets of its own";

  redis.kill();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(at_a->take("ip:10.0.0.9", t), 0);
  EXPECT_GT(at_a->take("ip:10.0.0.9", t), 0) << "Redis away: the node's own bucket limits";
}

}  // namespace
}  // namespace parley::bus
