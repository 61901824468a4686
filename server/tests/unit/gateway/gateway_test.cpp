// The real-time backbone without sockets: command routing by module, the typed event stream, and
// two nodes in one process sharing one bus (a test double of the cluster) agreeing on presence
// and sign-outs; the same two nodes each on its own Redis bus, as two processes of a cluster are
// (a real redis-server), including one of them dying. Real ChatService and SQLite behind it; fake
// connections in front.
#include "gateway/gateway.hpp"
#include "gateway/rtc_commands.hpp"
#include "gateway/transfer_commands.hpp"
#include "test_ids.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "bus/redis_bus.hpp"
#include "protocol_examples.hpp"
#include "redis_server.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace parley::gateway {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using parley::testing::example;

// A socket that records what it is sent; waits are on a condition variable with a deadline.
class FakeConnection final : public net::WsConnection {
 public:
  explicit FakeConnection(std::uint64_t id) : id_(id) {}
  bool send(std::shared_ptr<const std::string> frame, Pace) override {
    std::lock_guard lock(mu_);
    frames_.push_back(json::parse(*frame).as_object());
    cv_.notify_all();
    return true;
  }
  void close(std::uint16_t code, std::string) override {
    std::lock_guard lock(mu_);
    closed_ = code;
    cv_.notify_all();
  }
  ConnId id() const override { return ConnId{id_}; }
  void when_writable(std::function<void()> fn) override { fn(); }

  // The first frame of `type` (and, if given, `cid`) after the `skip` first frames, waiting for
  // it; an empty object when none comes in time.
  json::object wait_for(std::string_view type, std::string_view cid = {}) {
    std::unique_lock lock(mu_);
    json::object found;
    cv_.wait_for(lock, 20s, [&] {
      for (const auto& f : frames_) {
        if (f.at("type").as_string() != type) continue;
        if (!cid.empty() && (!f.contains("cid") || f.at("cid").as_string() != cid)) continue;
        found = f;
        return true;
      }
      return false;
    });
    return found;
  }
  // Whether a frame matching `pred` arrives in time.
  bool wait_frame(const std::function<bool(const json::object&)>& pred) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 20s,
                        [&] { return std::any_of(frames_.begin(), frames_.end(), pred); });
  }
  std::uint16_t wait_closed() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 20s, [&] { return closed_ != 0; });
    return closed_;
  }
  std::uint16_t closed() {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::vector<json::object> frames() {
    std::lock_guard lock(mu_);
    return frames_;
  }

 private:
  std::uint64_t id_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<json::object> frames_;
  std::uint16_t closed_ = 0;
};

// One node: its stream, hub and gateway, on a store and a bus it may share with other nodes.
struct Node {
  Node(store::SqliteStore& store, bus::Bus& bus, core::WorkerPool& pool, bus::NodeId id)
      : store_(store),
        pool_(pool),
        stream(bus),
        hub(id, 2),
        chat(store, stream, chat::Options{}),
        gateway(chat, stream, hub, bus, pool, [](auto, auto done) { done(net::WsAdmission{}); }),
        rtc(chat, bus, hub, pool, rtc::IceOptions{}, rtc::Options{}, [](auto, auto) {}),
        transfers(chat, bus, id, pool, rtc::IceOptions{}, rtc::TransferOptions{},
                  [](auto, auto) {}) {
    bus.subscribe([this](const bus::Message& m) { hub.deliver(m); });
    rtc.install(gateway.commands());  // as main.cpp does: every module's frame types
    rtc.follow(stream);
    transfers.install(gateway.commands());
    transfers.follow(stream);
    gateway.on_closed([this](bus::ConnectionId conn) {
      rtc.closed(conn);
      transfers.closed(conn);
    });
  }
  // The writer and the pool may still be finishing a socket's work (a presence announcement
  // after its hello): they end before the node does, and no more work reaches the bus.
  ~Node() {
    pool_.join();
    store_.stop_chat_writer();
  }
  std::shared_ptr<FakeConnection> open(std::uint64_t conn, UserId user, std::int64_t session,
                                       const std::string& name) {
    auto c = std::make_shared<FakeConnection>(conn);
    auto who = std::make_shared<const Principal>(Principal{user, session, name, name});
    gateway.on_open(c, net::HttpRequest{}, who);
    EXPECT_FALSE(c->wait_for("hello").empty()) << name << " got no hello";
    return c;
  }
  store::SqliteStore& store_;
  core::WorkerPool& pool_;
  EventStream stream;
  hub::Hub hub;
  chat::ChatService chat;
  Gateway gateway;
  RtcCommands rtc;
  TransferCommands transfers;
};

class GatewayTest : public ::testing::Test {
 protected:
  GatewayTest() {
    alice = add_user("alice");
    bob = add_user("bobby");
  }
  ~GatewayTest() override {
    pool.join();
    store.stop_chat_writer();
  }
  UserId add_user(const std::string& name) {
    return store.create_user(store::NewUser{name, std::nullopt, "$argon2id$x", name, false, 1})->id;
  }
  chat::Ack wait(const std::function<void(chat::Done<chat::Ack>)>& call) {
    std::promise<core::Result<chat::Ack>> p;
    call([&p](core::Result<chat::Ack> r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : chat::Ack{};
  }

  parley::testing::TempDir dir{"gateway"};
  store::SqliteStore store{dir.path() / "parley.db"};
  core::WorkerPool pool{2};
  bus::LocalBus bus;
  UserId alice = UserId{}, bob = UserId{};
};

TEST_F(GatewayTest, EveryClientCommandExampleDecodesAndEveryTypeHasOne) {
  Node node(store, bus, pool, 1);
  const auto& commands = node.gateway.commands();
  std::set<std::string> seen;
  auto cases = json::parse(example("client-commands.json"));
  for (const auto& c : cases.as_array()) {
    auto out = commands.decode(json::serialize(c));
    ASSERT_TRUE(std::holds_alternative<Commands::Decoded>(out))
        << json::serialize(c) << ": " << std::get<protocol::FrameError>(out).message;
    seen.insert(std::string(c.as_object().at("type").as_string()));
  }
  auto types = commands.types();
  EXPECT_EQ(seen, std::set<std::string>(types.begin(), types.end()))
      << "client-commands.json has one example of every registered type, and no other";
}

TEST_F(GatewayTest, EveryInvalidExampleGetsItsErrorCode) {
  Node node(store, bus, pool, 1);
  auto cases = json::parse(example("invalid-client-frames.json")).as_array();
  ASSERT_GE(cases.size(), 10u);
  for (const auto& c : cases) {
    const auto& o = c.as_object();
    std::string frame(o.at("frame").as_string());
    auto out = node.gateway.commands().decode(frame);
    ASSERT_TRUE(std::holds_alternative<protocol::FrameError>(out)) << frame;
    const auto& e = std::get<protocol::FrameError>(out);
    EXPECT_EQ(e.code, o.at("code").as_string()) << frame;
    EXPECT_FALSE(e.message.empty()) << frame;
    if (o.contains("field")) {
      EXPECT_EQ(e.field, o.at("field").as_string()) << frame;
    }
    if (o.contains("cid")) {
      EXPECT_EQ(e.cid, std::string(o.at("cid").as_string())) << frame;
    } else {
      EXPECT_FALSE(e.cid) << frame;
    }
  }
}

// A module of its own (as calls or the painter will be): its frames reach its handler only, the
// registry's rules apply to them as to chat's, and an unknown type gets the uniform error.
TEST_F(GatewayTest, AModulesFrameReachesOnlyItsHandler) {
  Node node(store, bus, pool, 1);
  struct Stroke {
    std::int64_t width = 0;
  };
  std::vector<std::pair<std::string, std::int64_t>> strokes;  // (cid, width), on the I/O thread
  node.gateway.commands().add(
      "stroke", Commands::CidRule::kRequired,
      +[](protocol::Fields& f) { return Stroke{f.opt_int("width", 1, 64, true).value_or(0)}; },
      [&strokes](const Call& call, Stroke& s) {
        strokes.emplace_back(*call.cid(), s.width);
        call.send(R"({"type":"stroked","cid":")" + *call.cid() + R"("})");
      });
  EXPECT_THROW(node.gateway.commands().add("post", Commands::CidRule::kRequired,
                                           [](protocol::Fields&) { return Commands::Action{}; }),
               std::logic_error)
      << "a type belongs to one module";
  auto c = node.open(1, alice, 1, "alice");
  node.gateway.on_message(c, R"({"type":"stroke","cid":"s1","width":3})");
  node.gateway.on_message(c, R"({"type":"stroke","width":3})");
  node.gateway.on_message(c, R"({"type":"stroke","cid":"s3","width":99})");
  node.gateway.on_message(c, R"({"type":"strok","cid":"s4"})");
  node.gateway.on_message(c, R"({"type":"ping","cid":"p5"})");
  EXPECT_FALSE(c->wait_for("stroked", "s1").empty());
  EXPECT_FALSE(c->wait_for("pong", "p5").empty());
  EXPECT_EQ(strokes, (std::vector<std::pair<std::string, std::int64_t>>{{"s1", 3}}));
  auto errors = c->frames();
  std::vector<std::string> codes;
  for (const auto& f : errors) {
    if (f.at("type").as_string() == "error") codes.emplace_back(f.at("code").as_string());
  }
  EXPECT_EQ(codes, (std::vector<std::string>{"invalid", "invalid", "unknown_type"}));
  EXPECT_EQ(c->wait_for("error", "s4").at("field").as_string(), "type");
}

// Two followers of the stream, under concurrent posters: the same events, in the same order,
// every room in seq order with no gap.
TEST_F(GatewayTest, TwoFollowersOfTheStreamSeeTheSameEventsInTheSameOrder) {
  std::vector<std::pair<RoomId, store::Seq>> first, second;
  EventStream stream(bus);
  stream.follow([&](const Published& p) { first.emplace_back(p.event().room, p.event().seq); });
  stream.follow([&](const Published& p) {
    EXPECT_NE(p.frame()->find("\"seq\""), std::string::npos);
    second.emplace_back(p.event().room, p.event().seq);
  });
  core::WorkerPool lanes(2);  // followers on real threads, off the writer
  stream.start([&lanes](std::function<void()> fn) { lanes.post(std::move(fn)); });
  chat::ChatService chat(store, stream, chat::Options{});
  std::vector<RoomId> rooms;
  for (int r = 0; r < 3; ++r) {
    rooms.push_back(wait([&](auto done) {
                      chat.create_room(alice, "room-" + std::to_string(r),
                                       store::RoomKind::kChannel, "room", "", {bob}, GroupId{},
                                       done);
                    }).room);
  }
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        wait([&](auto done) {
          chat.post(t % 2 ? alice : bob, "p" + std::to_string(t) + "-" + std::to_string(i),
                    rooms[i % 3], "hello", MessageId{}, {}, done);
        });
      }
    });
  }
  for (auto& p : posters) p.join();
  // Every hand-over happened before its ack: once the lanes' threads ran all they were given,
  // both followers have everything.
  lanes.join();
  EXPECT_EQ(first, second);
  std::map<RoomId, store::Seq> last;
  for (auto [room, seq] : first) {
    EXPECT_EQ(seq, last[room] + 1) << "room " << room;
    last[room] = seq;
  }
  EXPECT_EQ(first.size(), 3u * 2 + 200u) << "created + joined per room, and every post";
}

// Two nodes in one process sharing one bus: the cluster in small.
TEST_F(GatewayTest, TwoNodesAgreeOnPresenceAndASignOutClosesSocketsOnBoth) {
  Node one(store, bus, pool, 1), two(store, bus, pool, 2);
  auto room = wait([&](auto done) {
                return one.chat.create_room(alice, "r", store::RoomKind::kPrivate, "room", "",
                                            {bob}, GroupId{}, done);
              }).room;
  auto b = two.open(1, bob, 20, "bobby");  // bob on node 2
  auto a1 = one.open(1, alice, 10, "alice");
  auto online = b->wait_for("presence");
  EXPECT_EQ(online.at("user").as_int64(), alice.value());
  EXPECT_TRUE(online.at("online").as_bool())
      << "alice came online on node 1; bob on node 2 hears it";
  auto a2 = two.open(2, alice, 11, "alice");  // alice's second sign-in, on node 2
  EXPECT_TRUE(bus.online(alice));

  // A post on node 1 reaches bob on node 2 and alice's tab on node 2.
  auto ack =
      wait([&](auto done) { one.chat.post(alice, "hi", room, "hi bob", MessageId{}, {}, done); });
  EXPECT_EQ(b->wait_for("event").at("seq").as_int64(), ack.seq);
  EXPECT_EQ(a2->wait_for("event").at("seq").as_int64(), ack.seq);

  // Sign-out of sign-in 10, asked on node 2: alice's socket on node 1 closes, not the other.
  two.gateway.sessions_ended(alice, 10);
  EXPECT_EQ(a1->wait_closed(), hub::kCloseSignedOut);
  one.gateway.on_close(a1);
  EXPECT_EQ(a2->closed(), 0);
  EXPECT_TRUE(bus.online(alice)) << "still connected on node 2";
  // Her last socket, on node 2, closes: bob (node 2) hears she is offline.
  two.gateway.sessions_ended(alice, 0);
  EXPECT_EQ(a2->wait_closed(), hub::kCloseSignedOut);
  two.gateway.on_close(a2);
  EXPECT_FALSE(bus.online(alice));
  pool.join();  // the offline announcement runs on the pool
  auto frames = b->frames();
  auto offline = std::find_if(frames.begin(), frames.end(), [&](const json::object& f) {
    return f.at("type").as_string() == "presence" && !f.at("online").as_bool();
  });
  ASSERT_NE(offline, frames.end()) << "bob hears alice went offline";
  EXPECT_EQ(offline->at("user").as_int64(), alice.value());
}

// A call across two nodes sharing one bus: it lives on the node where it began (its home); the
// other node lists it, hands its sockets' commands to the home, and signals reach the right
// sockets both ways. A socket closing on the other node puts its peer away on the home node.
TEST_F(GatewayTest, ACallLivesOnOneNodeAndPeopleOnAnotherJoinAndSignal) {
  Node one(store, bus, pool, 1), two(store, bus, pool, 2);
  auto room = wait([&](auto done) {
                return one.chat.create_room(alice, "r", store::RoomKind::kPrivate, "call", "",
                                            {bob}, GroupId{}, done);
              }).room;
  auto r = std::to_string(room.value());
  auto a = one.open(1, alice, 10, "alice");
  auto b = two.open(1, bob, 20, "bobby");
  one.gateway.on_message(
      a, R"({"type":"call_join","cid":"j1","room":)" + r + R"(,"peer":"alicepeer1"})");
  auto joined = a->wait_for("call_joined", "j1");
  ASSERT_FALSE(joined.empty()) << "alice starts the call on node 1";
  EXPECT_TRUE(b->wait_frame([&](const json::object& f) {
    return f.at("type").as_string() == "call_state" && f.at("call").is_object();
  })) << "bob on node 2 sees the call";

  // Node 2 lists the call living on node 1.
  two.gateway.on_message(b, R"({"type":"calls","cid":"l1"})");
  auto list = b->wait_for("calls", "l1");
  ASSERT_EQ(list.at("calls").as_array().size(), 1u);
  EXPECT_EQ(list.at("calls").as_array()[0].at("id"), joined.at("call").at("id"));

  // Bob joins through node 2: the same call, with both peers.
  two.gateway.on_message(
      b, R"({"type":"call_join","cid":"j2","room":)" + r + R"(,"peer":"bobbypeer1"})");
  auto bob_joined = b->wait_for("call_joined", "j2");
  ASSERT_FALSE(bob_joined.empty()) << "bob's join, handed to node 1, is answered on node 2";
  EXPECT_EQ(bob_joined.at("call").at("id"), joined.at("call").at("id"));
  EXPECT_EQ(bob_joined.at("call").at("peers").as_array().size(), 2u);
  EXPECT_FALSE(one.rtc.calls().find(room)->peers.empty());
  EXPECT_FALSE(two.rtc.calls().find(room)) << "the call lives on node 1 only";

  // Signals both ways.
  two.gateway.on_message(b, R"({"type":"call_signal","room":)" + r +
                                R"(,"peer":"bobbypeer1","to":"alicepeer1","data":{"sdp":"b"}})");
  EXPECT_TRUE(a->wait_frame([](const json::object& f) {
    return f.at("type").as_string() == "call_signal" && f.at("from").as_string() == "bobbypeer1";
  })) << "bob (node 2) to alice (node 1)";
  one.gateway.on_message(a, R"({"type":"call_signal","room":)" + r +
                                R"(,"peer":"alicepeer1","to":"bobbypeer1","data":{"sdp":"a"}})");
  EXPECT_TRUE(b->wait_frame([](const json::object& f) {
    return f.at("type").as_string() == "call_signal" && f.at("from").as_string() == "alicepeer1";
  })) << "alice (node 1) to bob (node 2)";
  // Someone else's peer id is refused, on the home node, answered on node 2.
  two.gateway.on_message(b, R"({"type":"call_signal","cid":"s9","room":)" + r +
                                R"(,"peer":"alicepeer1","to":"bobbypeer1","data":{}})");
  EXPECT_FALSE(b->wait_for("error", "s9").empty());

  // Bob's socket on node 2 closes: his peer is away on node 1, and alice sees it.
  two.gateway.on_close(b);
  EXPECT_TRUE(a->wait_frame([](const json::object& f) {
    if (f.at("type").as_string() != "call_state" || !f.at("call").is_object()) return false;
    for (const auto& p : f.at("call").at("peers").as_array()) {
      if (p.at("peer").as_string() == "bobbypeer1" && p.at("away").as_bool()) return true;
    }
    return false;
  })) << "bob's peer is away once his socket on node 2 closed";

  // Bob, from a new tab on node 2, takes his peer out; alice leaves: the call ends, node 2
  // forgets it, and the room's claim is free again.
  auto b2 = two.open(2, bob, 20, "bobby");
  two.gateway.on_message(
      b2, R"({"type":"call_leave","cid":"x0","room":)" + r + R"(,"peer":"bobbypeer1"})");
  EXPECT_FALSE(b2->wait_for("ack", "x0").empty());
  one.gateway.on_message(
      a, R"({"type":"call_leave","cid":"x1","room":)" + r + R"(,"peer":"alicepeer1"})");
  EXPECT_FALSE(a->wait_for("ack", "x1").empty());
  EXPECT_TRUE(b2->wait_frame([](const json::object& f) {
    return f.at("type").as_string() == "call_state" && f.at("call").is_null();
  }));
  two.gateway.on_message(b2, R"({"type":"calls","cid":"l2"})");
  EXPECT_TRUE(b2->wait_for("calls", "l2").at("calls").as_array().empty());
  EXPECT_EQ(bus.claim("call:" + r, 2), 2u) << "a new call may begin anywhere";
}

// A direct transfer across two nodes: it lives on the sender's node; the receiver's answer,
// signals and cancel, sent on the other node, are handed to it.
TEST_F(GatewayTest, ATransferBetweenNodesLivesWithItsSender) {
  Node one(store, bus, pool, 1), two(store, bus, pool, 2);
  auto room = wait([&](auto done) {
                return one.chat.create_room(alice, "r", store::RoomKind::kPrivate, "files", "",
                                            {bob}, GroupId{}, done);
              }).room;
  auto r = std::to_string(room.value());
  auto a = one.open(1, alice, 10, "alice");
  auto b = two.open(1, bob, 20, "bobby");
  one.gateway.on_message(a, R"({"type":"transfer_offer","cid":"o1","room":)" + r + R"(,"user":)" +
                                std::to_string(bob.value()) +
                                R"(,"id":"transfer-0001","name":"a.bin","size":5,"mime":""})");
  EXPECT_FALSE(a->wait_for("ack", "o1").empty());
  EXPECT_FALSE(b->wait_for("transfer_offer").empty()) << "bob on node 2 is offered it";
  two.gateway.on_message(
      b, R"({"type":"transfer_answer","cid":"a1","id":"transfer-0001","accept":true})");
  EXPECT_FALSE(b->wait_for("ack", "a1").empty()) << "answered on node 1, acked on node 2";
  EXPECT_TRUE(a->wait_frame([](const json::object& f) {
    return f.at("type").as_string() == "transfer_answer" && f.at("accept").as_bool();
  }));
  two.gateway.on_message(b, R"({"type":"transfer_signal","id":"transfer-0001","data":{"x":1}})");
  EXPECT_TRUE(a->wait_frame([](const json::object& f) {
    return f.at("type").as_string() == "transfer_signal";
  })) << "bob (node 2) to alice (node 1)";
  one.gateway.on_message(a, R"({"type":"transfer_signal","id":"transfer-0001","data":{"y":2}})");
  EXPECT_TRUE(b->wait_frame([](const json::object& f) {
    return f.at("type").as_string() == "transfer_signal";
  })) << "alice (node 1) to bob (node 2)";
  EXPECT_TRUE(one.transfers.transfers().has("transfer-0001"));
  EXPECT_FALSE(two.transfers.transfers().has("transfer-0001")) << "it lives on node 1 only";
  two.gateway.on_message(b, R"({"type":"transfer_cancel","cid":"c1","id":"transfer-0001"})");
  EXPECT_FALSE(b->wait_for("ack", "c1").empty());
  EXPECT_TRUE(a->wait_frame([](const json::object& f) {
    return f.at("type").as_string() == "transfer_closed" &&
           f.at("reason").as_string() == "cancelled";
  }));
}

// Two nodes of a cluster: each its own Redis bus (real Redis), one store shared as the database
// would be. Buses stop before the nodes go: nothing from Redis reaches a hub being torn down.
struct RedisCluster {
  RedisCluster(store::SqliteStore& store, core::WorkerPool& pool, const testing::RedisServer& redis)
      : a(options(redis)),
        b(options(redis)),
        one(store, a, pool, a.node()),
        two(store, b, pool, b.node()) {
    // As main.cpp wires them.
    a.on_offline([this](UserId u) { one.gateway.went_offline_elsewhere(u); });
    b.on_offline([this](UserId u) { two.gateway.went_offline_elsewhere(u); });
  }
  ~RedisCluster() {
    a.stop();
    b.stop();
  }
  static bus::RedisOptions options(const testing::RedisServer& redis) {
    bus::RedisOptions o;
    o.port = redis.port();
    o.node_ttl = 400ms;
    return o;
  }
  bus::RedisBus a, b;
  Node one, two;
};

TEST_F(GatewayTest, NodesOnRedisAgreeOnPresenceAndSignOutsAndADeadNodesUsersGoOffline) {
  testing::RedisServer redis;
  RedisCluster cluster(store, pool, redis);
  auto& [a, b, one, two] = cluster;
  auto room = wait([&](auto done) {
                return one.chat.create_room(alice, "r", store::RoomKind::kPrivate, "room", "",
                                            {bob}, GroupId{}, done);
              }).room;
  auto bobs = two.open(1, bob, 20, "bobby");  // bob on node 2
  auto a1 = one.open(1, alice, 10, "alice");
  auto online = bobs->wait_for("presence");
  EXPECT_EQ(online.at("user").as_int64(), alice.value());
  EXPECT_TRUE(online.at("online").as_bool()) << "alice came online on node 1; node 2 hears it";
  auto a2 = two.open(2, alice, 11, "alice");

  // A post on node 1 reaches bob and alice's other tab on node 2, over Redis. (Events from before
  // a socket's snapshot may still be on their way from the other node and reach it too: clients
  // skip a seq they have, as docs/protocol.md asks.)
  auto ack =
      wait([&](auto done) { one.chat.post(alice, "hi", room, "hi bob", MessageId{}, {}, done); });
  auto is_post = [&](const json::object& f) {
    return f.at("type").as_string() == "event" && f.at("seq").as_int64() == ack.seq;
  };
  EXPECT_TRUE(bobs->wait_frame(is_post));
  EXPECT_TRUE(a2->wait_frame(is_post));

  // Sign-out of sign-in 11, asked on node 1: her socket on node 2 closes, not the one on node 1.
  one.gateway.sessions_ended(alice, 11);
  EXPECT_EQ(a2->wait_closed(), hub::kCloseSignedOut);
  two.gateway.on_close(a2);
  EXPECT_EQ(a1->closed(), 0);
  EXPECT_TRUE(b.online(alice)) << "still connected on node 1";

  // Node 1 dies with alice's last socket on it: node 2 sweeps it and bob hears she is offline.
  a.crash_for_tests();
  EXPECT_TRUE(bobs->wait_frame([&](const json::object& f) {
    return f.at("type").as_string() == "presence" && !f.at("online").as_bool() &&
           f.at("user").as_int64() == alice.value();
  })) << "bob hears alice went offline when her node died";
  EXPECT_FALSE(b.online(alice));
  pool.join();
}

}  // namespace
}  // namespace parley::gateway
