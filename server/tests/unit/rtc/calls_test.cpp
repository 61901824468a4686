// The calls' state machine (rtc::Calls) with a recording listener, a hand-run clock and timers:
// rings, answers, declines, ring timeouts, the grace of a dropped socket, takeovers, the mesh
// limit, signal routing and its bucket; and the coturn REST credential.
#include "rtc/calls.hpp"
#include "test_ids.hpp"

#include <gtest/gtest.h>

#include "rtc/turn.hpp"

namespace parley::rtc {
namespace {

struct Recorder : Listener {
  std::vector<std::optional<Call>> states;
  std::vector<std::string> drops;    // "conn:peer:reason"
  std::vector<std::string> records;  // "what/duration"
  void state(RoomId, const Call* c) override {
    states.push_back(c ? std::optional<Call>(*c) : std::nullopt);
  }
  void dropped(ConnectionId conn, RoomId, const std::string& peer,
               const std::string& reason) override {
    drops.push_back(conn.str() + ":" + peer + ":" + reason);
  }
  void record(RoomId, UserId, const std::string& what, bool, core::Millis duration) override {
    records.push_back(what + "/" + std::to_string(duration));
  }
};

struct CallsTest : ::testing::Test {
  Recorder rec;
  core::Millis now = 1000;
  std::vector<std::pair<std::chrono::milliseconds, std::function<void()>>> timers;
  Options options;
  std::unique_ptr<Calls> calls;
  void SetUp() override {
    calls = std::make_unique<Calls>(
        options, rec,
        [this](std::chrono::milliseconds d, std::function<void()> fn) {
          timers.emplace_back(d, std::move(fn));
        },
        [this] { return now; });
  }
  void fire_all() {
    auto due = std::move(timers);
    timers.clear();
    for (auto& [d, fn] : due) fn();
  }
  Joining joining(UserId user, std::string peer, std::uint64_t conn, bool direct = true,
                  std::vector<UserId> members = {1_user, 2_user}) {
    Joining j;
    j.room = 7_room;
    j.peer = std::move(peer);
    j.user = user;
    j.username = "u" + std::to_string(user.value());
    j.conn = ConnectionId{1, ConnId{conn}};
    j.direct = direct;
    j.members = std::move(members);
    return j;
  }
};

TEST_F(CallsTest, ADirectCallRingsIsAnsweredAndEndsWithItsDuration) {
  auto c = calls->join(joining(1_user, "peer-alice", 10));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ringing, std::vector<UserId>{2_user});
  EXPECT_EQ(rec.records, std::vector<std::string>{"started/0"});
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].first, options.ring_timeout);
  now += 3000;
  auto b = calls->join(joining(2_user, "peer-bobby", 20));
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->ringing.empty());
  EXPECT_EQ(b->answered, 4000);
  fire_all();  // the ring timeout after an answer changes nothing
  ASSERT_TRUE(calls->find(7_room));
  now += 65000;
  ASSERT_TRUE(calls->leave(7_room, "peer-bobby", 2_user));
  EXPECT_FALSE(calls->find(7_room)) << "a direct call ends when one of the two leaves";
  EXPECT_EQ(rec.records.back(), "ended/65000");
  EXPECT_FALSE(rec.states.back().has_value());
}

TEST_F(CallsTest, UnansweredAndDeclinedDirectCalls) {
  ASSERT_TRUE(calls->join(joining(1_user, "peer-alice", 10)));
  fire_all();
  EXPECT_FALSE(calls->find(7_room));
  EXPECT_EQ(rec.records.back(), "missed/0");

  ASSERT_TRUE(calls->join(joining(1_user, "peer-alice", 10)));
  EXPECT_FALSE(calls->decline(7_room, 1_user)) << "the caller is not rung";
  ASSERT_TRUE(calls->decline(7_room, 2_user));
  EXPECT_EQ(rec.records.back(), "declined/0");
  fire_all();  // the stale ring timer of the declined call
  EXPECT_EQ(rec.records.back(), "declined/0");

  ASSERT_TRUE(calls->join(joining(1_user, "peer-alice", 10)));
  ASSERT_TRUE(calls->leave(7_room, "peer-alice", 1_user));  // the caller gives up
  EXPECT_EQ(rec.records.back(), "missed/0");
}

TEST_F(CallsTest, ADroppedSocketKeepsItsPeerForTheGraceAndARejoinKeepsTheCall) {
  ASSERT_TRUE(calls->join(joining(1_user, "peer-alice", 10)));
  ASSERT_TRUE(calls->join(joining(2_user, "peer-bobby", 20)));
  timers.clear();
  calls->closed(ConnectionId{1, 20_conn});
  ASSERT_TRUE(rec.states.back());
  EXPECT_TRUE(rec.states.back()->peers[1].away);
  EXPECT_FALSE(calls->route(7_room, "peer-alice", ConnectionId{1, 10_conn}, "peer-bobby"))
      << "nothing is relayed to an away peer";
  auto back = calls->join(joining(2_user, "peer-bobby", 21));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->peers[1].away);
  fire_all();  // the grace of the first drop runs out: the rejoined peer stays
  ASSERT_TRUE(calls->find(7_room));
  auto r = calls->route(7_room, "peer-alice", ConnectionId{1, 10_conn}, "peer-bobby");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->to, (ConnectionId{1, 21_conn}));

  calls->closed(ConnectionId{1, 21_conn});
  fire_all();
  EXPECT_FALSE(calls->find(7_room)) << "removed after the grace";
  EXPECT_EQ(rec.records.back().substr(0, 6), "ended/");
}

TEST_F(CallsTest, ANodeThatDiedTakesItsPeersOutAtOnce) {
  auto j = joining(3_user, "peer-carol", 30, false, {1_user, 2_user, 3_user});
  j.conn = ConnectionId{2, 30_conn};  // carol on node 2
  ASSERT_TRUE(calls->join(joining(1_user, "peer-alice", 10, false, {1_user, 2_user, 3_user})));
  ASSERT_TRUE(calls->join(j));
  calls->node_gone(2);
  ASSERT_TRUE(calls->find(7_room));
  EXPECT_EQ(calls->find(7_room)->peers.size(), 1u) << "no grace: node 2 is gone";
  EXPECT_EQ(calls->find(7_room)->peers[0].id, "peer-alice");
  calls->node_gone(1);
  EXPECT_FALSE(calls->find(7_room)) << "its last peer gone, the call ends";
}

TEST_F(CallsTest, ASecondTabTakesOverAndPeerIdsBelongToTheirUser) {
  ASSERT_TRUE(calls->join(joining(1_user, "peer-alice", 10)));
  ASSERT_TRUE(calls->join(joining(2_user, "peer-bobby", 20)));
  auto stolen = calls->join(joining(1_user, "peer-bobby", 11));
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code, core::Errc::kConflict);
  auto taken = calls->join(joining(1_user, "peer-alice-2", 11));
  ASSERT_TRUE(taken);
  EXPECT_EQ(rec.drops, std::vector<std::string>{"1.10:peer-alice:taken"});
  ASSERT_EQ(taken->peers.size(), 2u);
  EXPECT_EQ(taken->peers[1].id, "peer-alice-2");
  EXPECT_TRUE(calls->find(7_room)) << "a takeover does not end a direct call";
}

TEST_F(CallsTest, AConferenceHoldsEightAndEndsWithItsLastPeer) {
  std::vector<UserId> members;
  for (int u = 1; u <= 9; ++u) members.push_back(UserId{u});
  for (int u = 1; u <= 8; ++u) {
    ASSERT_TRUE(calls->join(
        joining(UserId{u}, "peer-" + std::to_string(u) + "xxxxx", 10 + u, false, members)));
  }
  EXPECT_TRUE(timers.empty()) << "a conference rings nobody";
  auto ninth = calls->join(joining(9_user, "peer-9xxxxx", 19, false, members));
  ASSERT_FALSE(ninth);
  EXPECT_EQ(ninth.error().field, "call_full");
  // A member of the call joining from another tab is a takeover, not a 9th peer.
  ASSERT_TRUE(calls->join(joining(8_user, "peer-8-other", 28, false, members)));
  calls->member_gone(7_room, 1_user);
  EXPECT_EQ(rec.drops.back(), "1.11:peer-1xxxxx:removed");
  ASSERT_TRUE(calls->join(joining(9_user, "peer-9xxxxx", 19, false, members)));
  for (int u = 2; u <= 7; ++u) {
    ASSERT_TRUE(calls->leave(7_room, "peer-" + std::to_string(u) + "xxxxx", UserId{u}));
  }
  ASSERT_TRUE(calls->leave(7_room, "peer-8-other", 8_user));
  ASSERT_TRUE(calls->find(7_room));
  now += 500;
  ASSERT_TRUE(calls->leave(7_room, "peer-9xxxxx", 9_user));
  EXPECT_FALSE(calls->find(7_room));
  EXPECT_EQ(rec.records.back(), "ended/500");
}

TEST_F(CallsTest, SignalsGoOnlyBetweenPeersOfOneCallWithinTheirBucket) {
  ASSERT_TRUE(calls->join(joining(1_user, "peer-alice", 10)));
  ASSERT_TRUE(calls->join(joining(2_user, "peer-bobby", 20)));
  EXPECT_FALSE(calls->route(7_room, "peer-alice", ConnectionId{1, 20_conn}, "peer-bobby"))
      << "a peer signals only from its own socket";
  EXPECT_FALSE(calls->route(7_room, "peer-alice", ConnectionId{1, 10_conn}, "peer-alice"));
  EXPECT_FALSE(calls->route(7_room, "peer-alice", ConnectionId{1, 10_conn}, "nobody-at-all"));
  EXPECT_FALSE(calls->route(8_room, "peer-alice", ConnectionId{1, 10_conn}, "peer-bobby"));
  int passed = 0;
  for (int i = 0; i < 300; ++i)
    passed += calls->route(7_room, "peer-alice", ConnectionId{1, 10_conn}, "peer-bobby") ? 1 : 0;
  EXPECT_EQ(passed, 200);
  now += 100;  // 50 per second: 5 more
  passed = 0;
  for (int i = 0; i < 10; ++i)
    passed += calls->route(7_room, "peer-alice", ConnectionId{1, 10_conn}, "peer-bobby") ? 1 : 0;
  EXPECT_EQ(passed, 5);
}

TEST(Turn, CredentialsAreCoturnsRestOnes) {
  // base64(HMAC-SHA1("coturn-shared-secret", "1764226400:1")), as coturn computes it.
  EXPECT_EQ(turn_credential("coturn-shared-secret", "1764226400:1"),
            "GeO7Pr5uC02cvmvT0wWBBz1A4WI=");
  IceOptions o{{"stun:s:3478"}, {"turn:t:3478"}, "coturn-shared-secret", 3600};
  auto servers = ice_servers(o, 1_user, 1764222800000);
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[1].username, "1764226400:1");
  EXPECT_EQ(servers[1].credential, "GeO7Pr5uC02cvmvT0wWBBz1A4WI=");
  EXPECT_TRUE(ice_servers(IceOptions{}, 1_user, 0).empty()) << "nothing configured, nothing given";
  o.turn_secret.clear();
  EXPECT_EQ(ice_servers(o, 1_user, 0).size(), 1u) << "TURN needs its secret";
}

}  // namespace
}  // namespace parley::rtc
