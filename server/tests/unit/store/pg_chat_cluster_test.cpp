// Several nodes on one PostgreSQL database: two PgStores (two "nodes"), each with its own chat
// writer, writing to the same rooms at once. A room's seqs stay 1..N without gaps or duplicates, a
// client command id takes effect once whichever nodes it reaches, batches that deadlock run
// again, and a writer whose connection is cut connects again.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chat/service.hpp"
#include "core/id_format.hpp"
#include "postgres_server.hpp"
#include "store/postgres/pg.hpp"
#include "store/postgres/pg_store.hpp"
#include "test_ids.hpp"

namespace parley::store {
namespace {

class PgChatClusterTest : public ::testing::Test {
 protected:
  PgChatClusterTest() {
    for (const char* name : {"ann", "bob", "cid"}) {
      users.push_back(
          a->create_user(NewUser{name, std::nullopt, "$argon2id$x", name, false, 1})->id);
    }
    for (int i = 0; i < 3; ++i) rooms.push_back(make_room());
  }
  ~PgChatClusterTest() override {
    a->stop_chat_writer();
    b->stop_chat_writer();
  }

  // Runs a job on `node` and waits for it: whether it committed.
  static bool write(PgStore& node, Store::ChatJob job) {
    std::promise<bool> done;
    node.write_chat(std::move(job), [&](bool committed) { done.set_value(committed); });
    return done.get_future().get();
  }

  RoomId make_room() {
    RoomId id;
    EXPECT_TRUE(write(*a, [&](ChatTx& tx) {
      id = tx.create_room(RoomKind::kChannel, "room", "", users[0], std::nullopt, GroupId{}, 1);
      for (auto u : users) tx.add_member(id, u, false, 1);
      Event e;
      e.room = id;
      e.kind = EventKind::kCreated;
      e.user = users[0];
      e.at = 1;
      tx.append(e);
      return true;
    }));
    return id;
  }

  // A post under a client command id, as ChatService does it: the stored outcome if the id was
  // seen, else a new message. Writes what it did to `out` (a rerun overwrites it).
  static Store::ChatJob post_once(UserId user, RoomId room, std::string cid, CommandOutcome& out) {
    return [user, room, cid = std::move(cid), &out](ChatTx& tx) {
      if (auto seen = tx.find_command(user, cid)) {
        out = *seen;
        return true;
      }
      Event e;
      e.room = room;
      e.kind = EventKind::kMessage;
      e.user = user;
      e.at = 2;
      e.text = "hello " + cid;
      tx.post(e);
      out = CommandOutcome{room, e.seq, e.message, GroupId{}};
      tx.save_command(user, cid, out);
      return true;
    };
  }

  std::int64_t number(const std::string& sql) { return pg::Connection(url).exec(sql).i64(0, 0); }

  parley::testing::PostgresServer server;
  std::string url = server.database("cluster");
  std::unique_ptr<PgStore> a = std::make_unique<PgStore>(url);
  std::unique_ptr<PgStore> b = std::make_unique<PgStore>(url);
  std::vector<UserId> users;
  std::vector<RoomId> rooms;
};

TEST_F(PgChatClusterTest, ConcurrentWritersOnTwoNodesNumberEachRoomWithoutGapsOrDuplicates) {
  constexpr int kThreadsPerNode = 3;
  constexpr int kPostsPerThread = 40;
  struct Slot {
    CommandOutcome out;
    std::promise<bool> committed;
  };
  std::vector<std::unique_ptr<Slot>> slots;
  for (int i = 0; i < 2 * kThreadsPerNode * kPostsPerThread; ++i) {
    slots.push_back(std::make_unique<Slot>());
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kThreadsPerNode; ++t) {
    threads.emplace_back([&, t] {
      PgStore& node = t % 2 ? *b : *a;
      for (int i = 0; i < kPostsPerThread; ++i) {
        auto& slot = *slots[static_cast<std::size_t>(t * kPostsPerThread + i)];
        UserId user = users[static_cast<std::size_t>(t) % users.size()];
        RoomId room = rooms[static_cast<std::size_t>(t + i) % rooms.size()];
        node.write_chat(post_once(user, room, fmt::format("t{}-{}", t, i), slot.out),
                        [&slot](bool ok) { slot.committed.set_value(ok); });
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<MessageId> ids;
  std::map<RoomId, std::set<Seq>> seqs;
  for (auto& slot : slots) {
    ASSERT_TRUE(slot->committed.get_future().get());
    EXPECT_TRUE(ids.insert(slot->out.message).second) << "a message id twice";
    EXPECT_TRUE(seqs[slot->out.room].insert(slot->out.seq).second) << "a seq twice";
  }
  const auto posts = static_cast<std::int64_t>(slots.size());
  EXPECT_EQ(number("SELECT count(*) FROM messages"), posts);
  EXPECT_EQ(number("SELECT count(*) FROM client_commands"), posts);
  for (auto room : rooms) {
    auto events = number(fmt::format("SELECT count(*) FROM events WHERE room_id = {}", room));
    EXPECT_EQ(number(fmt::format("SELECT max(seq) FROM events WHERE room_id = {}", room)), events)
        << "seqs 1..N: no gap";
    EXPECT_EQ(number(fmt::format("SELECT last_seq FROM rooms WHERE id = {}", room)), events);
    EXPECT_EQ(static_cast<std::int64_t>(seqs[room].size()) + 1, events) << "created + posts";
  }
}

TEST_F(PgChatClusterTest, TheSameClientIdOnTwoNodesAtOnceMakesOneMessage) {
  // Node A stores the command and holds its transaction open until node B has looked the id up
  // (and not seen it, A being uncommitted); B then posts, waits for A's room lock, and meets A's
  // committed id when it saves its own: it runs again and answers A's outcome.
  std::promise<void> a_saved, b_looked;
  auto a_saved_f = a_saved.get_future().share();
  auto b_looked_f = b_looked.get_future().share();
  std::atomic<int> b_runs{0};
  const UserId user = users[0];
  const RoomId room = rooms[0];
  CommandOutcome from_a, from_b;
  std::promise<bool> a_done, b_done;
  a->write_chat(
      [&](ChatTx& tx) {
        bool kept = post_once(user, room, "same", from_a)(tx);
        a_saved.set_value();
        b_looked_f.wait();
        return kept;
      },
      [&](bool ok) { a_done.set_value(ok); });
  b->write_chat(
      [&](ChatTx& tx) {
        a_saved_f.wait();
        bool first = b_runs++ == 0;
        if (!first) return post_once(user, room, "same", from_b)(tx);
        // The first run looks once, as ChatService does, then posts (the room's lock waits
        // for A's commit) and saves its outcome: a unique violation.
        EXPECT_FALSE(tx.find_command(user, "same")) << "A has not committed yet";
        b_looked.set_value();
        Event e;
        e.room = room;
        e.kind = EventKind::kMessage;
        e.user = user;
        e.at = 2;
        e.text = "hello again";
        tx.post(e);
        tx.save_command(user, "same", CommandOutcome{room, e.seq, e.message, GroupId{}});
        ADD_FAILURE() << "saved a cid another node had committed";
        return true;
      },
      [&](bool ok) { b_done.set_value(ok); });
  EXPECT_TRUE(a_done.get_future().get());
  EXPECT_TRUE(b_done.get_future().get()) << "the loser answers the stored outcome";
  EXPECT_EQ(b_runs, 2) << "B ran again after the unique violation";
  EXPECT_EQ(from_b.message, from_a.message);
  EXPECT_EQ(from_b.seq, from_a.seq);
  EXPECT_EQ(number("SELECT count(*) FROM messages"), 1);
  EXPECT_EQ(number(fmt::format("SELECT last_seq FROM rooms WHERE id = {}", room)), 2)
      << "B's rolled-back post left no gap";
}

TEST_F(PgChatClusterTest, BatchesThatDeadlockAcrossNodesRunAgainAndCommitOnce) {
  // A takes room 0 then room 1, B room 1 then room 0, each waiting until the other holds its
  // first: PostgreSQL aborts one batch (40P01), which runs again from the start.
  std::promise<void> a_first, b_first;
  auto a_first_f = a_first.get_future().share();
  auto b_first_f = b_first.get_future().share();
  std::atomic<int> runs{0};
  auto job = [&](RoomId first, RoomId second, std::promise<void>& mine,
                 std::shared_future<void> theirs, std::atomic<bool>& signalled) {
    return [this, &runs, first, second, theirs, mine = &mine, signalled = &signalled](ChatTx& tx) {
      ++runs;
      Event e;
      e.kind = EventKind::kJoined;
      e.user = users[0];
      e.at = 3;
      e.room = first;
      tx.append(e);
      if (!signalled->exchange(true)) mine->set_value();
      theirs.wait();
      e.room = second;
      tx.append(e);
      return true;
    };
  };
  std::atomic<bool> a_signalled{false}, b_signalled{false};
  std::promise<bool> a_done, b_done;
  a->write_chat(job(rooms[0], rooms[1], a_first, b_first_f, a_signalled),
                [&](bool ok) { a_done.set_value(ok); });
  b->write_chat(job(rooms[1], rooms[0], b_first, a_first_f, b_signalled),
                [&](bool ok) { b_done.set_value(ok); });
  EXPECT_TRUE(a_done.get_future().get());
  EXPECT_TRUE(b_done.get_future().get());
  EXPECT_GE(runs, 3) << "one of the two ran again";  // (or both: two deadlocks in a row)
  for (int i = 0; i < 2; ++i) {
    auto room = rooms[static_cast<std::size_t>(i)];
    EXPECT_EQ(number(fmt::format("SELECT count(*) FROM events WHERE room_id = {}", room)), 3)
        << "created, and one event of each batch: a rerun left nothing of its first run";
    EXPECT_EQ(number(fmt::format("SELECT max(seq) FROM events WHERE room_id = {}", room)), 3);
  }
}

TEST_F(PgChatClusterTest, AWriterWhoseConnectionWasCutConnectsAgainAndCommits) {
  CommandOutcome first, second;
  ASSERT_TRUE(write(*a, post_once(users[0], rooms[0], "before", first)));
  // Every other connection to the database ends (as in a PostgreSQL restart or failover).
  pg::Connection admin(url);
  EXPECT_GT(admin
                .exec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                      "datname = current_database() AND pid <> pg_backend_pid()")
                .i64(0, 0),
            0);
  EXPECT_TRUE(write(*a, post_once(users[0], rooms[0], "after", second)))
      << "the batch ran again on a new connection";
  EXPECT_EQ(second.seq, first.seq + 1);
  EXPECT_EQ(number("SELECT count(*) FROM messages"), 2);
}

// What a ChatService job run again publishes is what its last run did: the first run of B's post
// (rolled back when A's commit of the same cid made its save fail) leaves no event behind.
TEST_F(PgChatClusterTest, AChatServiceJobRunAgainPublishesOnlyWhatItsLastRunDid) {
  struct Sink : chat::EventSink {
    void publish(const Event& e, const chat::MembershipChange&) override {
      std::lock_guard lock(mu);
      events.push_back(e);
    }
    void receipt(RoomId, UserId, Seq, Seq, bool) override {}
    void groups_changed(const std::vector<UserId>&) override {}
    std::mutex mu;
    std::vector<Event> events;
  } sink;
  chat::ChatService on_b(*b, sink, chat::Options{});
  const UserId user = users[0];
  const RoomId room = rooms[0];
  std::promise<void> holding, release;
  auto release_f = release.get_future().share();
  CommandOutcome from_a;
  std::promise<bool> a_done;
  a->write_chat(
      [&](ChatTx& tx) {
        bool kept = post_once(user, room, "twice", from_a)(tx);
        holding.set_value();
        release_f.wait();
        return kept;
      },
      [&](bool ok) { a_done.set_value(ok); });
  holding.get_future().wait();  // A holds the room's row and its uncommitted cid
  std::promise<core::Result<chat::Ack>> b_answer;
  on_b.post(user, "twice", room, "from b", MessageId{}, {},
            [&](core::Result<chat::Ack> r) { b_answer.set_value(std::move(r)); });
  // B looked the cid up (not there: A has not committed) and waits for the room's row.
  pg::Connection watch(url);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (watch
             .exec("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                   "wait_event_type = 'Lock'")
             .i64(0, 0) == 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "B never waited for A's lock";
  }
  release.set_value();
  EXPECT_TRUE(a_done.get_future().get());
  auto answer = b_answer.get_future().get();
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->message, from_a.message) << "B answers A's stored outcome";
  EXPECT_EQ(answer->seq, from_a.seq);
  std::lock_guard lock(sink.mu);
  EXPECT_TRUE(sink.events.empty()) << "B's first run (rolled back) published nothing";
  EXPECT_EQ(number("SELECT count(*) FROM messages"), 1);
}

}  // namespace
}  // namespace parley::store
