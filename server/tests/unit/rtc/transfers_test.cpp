// The transfers' state machine (rtc::Transfers) with a recording listener and hand-run timers:
// who hears an offer, an answer and a cancel; the answering tab; the grace of a dropped socket and
// its resume; the answer timeout; the per-sender bound; removal from the room.
#include "rtc/transfers.hpp"
#include "test_ids.hpp"

#include <gtest/gtest.h>

namespace parley::rtc {
namespace {

using bus::ConnectionId;

struct Recorder : TransferListener {
  std::vector<std::string> log;
  void offered(const Transfer& t) override {
    log.push_back("offer>" + std::to_string(t.to.value()));
  }
  void answered(ConnectionId c, const std::string&, bool accept) override {
    log.push_back("answer>" + c.str() + (accept ? ":yes" : ":no"));
  }
  void closed_for_user(UserId u, const std::string&, const std::string& reason,
                       ConnectionId except) override {
    log.push_back("closed>user" + std::to_string(u.value()) + "-" + except.str() + ":" + reason);
  }
  void closed_for(ConnectionId c, const std::string&, const std::string& reason) override {
    log.push_back("closed>" + c.str() + ":" + reason);
  }
};

struct TransfersTest : ::testing::Test {
  Recorder rec;
  core::Millis now = 1000;
  std::vector<std::pair<std::chrono::milliseconds, std::function<void()>>> timers;
  Transfers transfers{TransferOptions{}, rec,
                      [this](std::chrono::milliseconds d, std::function<void()> fn) {
                        timers.emplace_back(d, std::move(fn));
                      },
                      [this] { return now; }};
  void fire_all() {
    auto due = std::move(timers);
    timers.clear();
    for (auto& [d, fn] : due) fn();
  }
  Transfer offer(std::string id, UserId from = 1_user, UserId to = 2_user) {
    Transfer t;
    t.id = std::move(id);
    t.room = 7_room;
    t.from = from;
    t.to = to;
    t.name = "a.bin";
    t.size = 10;
    return t;
  }
  static ConnectionId c(std::uint64_t n) { return ConnectionId{1, ConnId{n}}; }
};

TEST_F(TransfersTest, OfferAnswerSignalCancel) {
  ASSERT_TRUE(transfers.offer(offer("transfer-1"), c(10)));
  EXPECT_EQ(rec.log.back(), "offer>2");
  EXPECT_FALSE(transfers.route("transfer-1", 1_user, c(10))) << "nothing before an answer";
  EXPECT_FALSE(transfers.answer("transfer-1", 3_user, c(30), true)) << "only the receiver answers";
  ASSERT_TRUE(transfers.answer("transfer-1", 2_user, c(20), true));
  EXPECT_EQ(rec.log[1], "answer>1.10:yes");
  EXPECT_EQ(rec.log[2], "closed>user2-1.20:answered") << "the other tabs, not the one that took it";
  EXPECT_FALSE(transfers.answer("transfer-1", 2_user, c(21), true));
  EXPECT_EQ(*transfers.route("transfer-1", 1_user, c(10)), c(20));
  EXPECT_EQ(*transfers.route("transfer-1", 2_user, c(20)), c(10));
  EXPECT_FALSE(transfers.route("transfer-1", 2_user, c(21))) << "another tab of the receiver";
  EXPECT_FALSE(transfers.cancel("transfer-1", 2_user, c(21)));
  ASSERT_TRUE(transfers.cancel("transfer-1", 2_user, c(20)));
  EXPECT_EQ(rec.log.back(), "closed>1.10:cancelled");
  EXPECT_EQ(transfers.size(), 0u);
}

TEST_F(TransfersTest, ADroppedSideExpiresUnlessItResumes) {
  ASSERT_TRUE(transfers.offer(offer("transfer-1"), c(10)));
  ASSERT_TRUE(transfers.answer("transfer-1", 2_user, c(20), true));
  timers.clear();  // the answer timeout
  transfers.closed(c(10));
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_FALSE(transfers.route("transfer-1", 2_user, c(20))) << "the sender is away";
  EXPECT_FALSE(transfers.resume("transfer-1", 3_user, c(30)));
  ASSERT_TRUE(transfers.resume("transfer-1", 1_user, c(11)));
  fire_all();  // the grace of the first drop: the transfer was resumed
  EXPECT_EQ(*transfers.route("transfer-1", 2_user, c(20)), c(11));
  transfers.closed(c(20));
  fire_all();
  EXPECT_EQ(transfers.size(), 0u);
  EXPECT_EQ(rec.log.back(), "closed>1.11:expired");
}

TEST_F(TransfersTest, UnansweredOffersExpireAndSendersAreBounded) {
  ASSERT_TRUE(transfers.offer(offer("transfer-1"), c(10)));
  fire_all();
  EXPECT_EQ(transfers.size(), 0u);
  EXPECT_EQ(rec.log.back(), "closed>user2-0.0:expired");
  for (int i = 0; i < 32; ++i) {
    ASSERT_TRUE(transfers.offer(offer("transfer-x" + std::to_string(i)), c(10)));
  }
  auto over = transfers.offer(offer("transfer-over"), c(10));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, core::Errc::kRateLimited);
  EXPECT_TRUE(transfers.offer(offer("transfer-other", 3_user, 2_user), c(30))) << "per sender";
  EXPECT_FALSE(transfers.offer(offer("transfer-self", 3_user, 3_user), c(30)));
  transfers.member_gone(7_room, 2_user);
  EXPECT_EQ(transfers.size(), 0u) << "the receiver left the room";
  EXPECT_EQ(rec.log.back(), "closed>user2-0.0:left");
}

}  // namespace
}  // namespace parley::rtc
