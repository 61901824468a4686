// The room rules and delivery guarantees of ChatService over each store (a real SQLite file, and a
// real PostgreSQL started for the test): seq order, cid idempotency, authorisation that hides
// private rooms, what deletion leaves behind, history, threads, pins and search.
#include "chat/service.hpp"
#include "chat/files.hpp"
#include "test_ids.hpp"

#include <gtest/gtest.h>

#include <sqlite3.h>
#include <algorithm>

#include <future>
#include <mutex>
#include <thread>
#include <tuple>

#include "postgres_server.hpp"
#include "store/postgres/pg.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace parley::chat {
namespace {

using core::Errc;

// Records what the service publishes, in order.
class RecordingSink : public EventSink {
 public:
  void publish(const Event& e, const MembershipChange& c) override {
    std::lock_guard lock(mu);
    events.push_back(e);
    changes.push_back(c);
  }
  void receipt(RoomId room, UserId user, Seq delivered, Seq read, bool to_room) override {
    std::lock_guard lock(mu);
    if (!to_room) return;  // the reader's own devices only (rooms over receipts_up_to)
    receipts.push_back({room, user, delivered, read});
  }
  void groups_changed(const std::vector<UserId>& users) override {
    std::lock_guard lock(mu);
    notified.insert(notified.end(), users.begin(), users.end());
  }
  std::mutex mu;
  std::vector<UserId> notified;
  std::vector<Event> events;
  std::vector<MembershipChange> changes;
  struct R {
    RoomId room;
    UserId user;
    Seq delivered, read;
  };
  std::vector<R> receipts;
};

enum class StoreKind { kSqlite, kPostgres };

// The store under test: a SQLite file, or a fresh database in a PostgreSQL started for the test.
struct TestStore {
  explicit TestStore(StoreKind kind) {
    if (kind == StoreKind::kSqlite) {
      sqlite = std::make_unique<store::SqliteStore>(dir.path() / "parley.db");
    } else {
      server = std::make_unique<testing::PostgresServer>();
      url = server->database("chat");
      pg = std::make_unique<store::PgStore>(url);
    }
  }
  store::Store& get() {
    if (sqlite) return *sqlite;
    return *pg;
  }
  void stop_chat_writer() {
    if (sqlite) sqlite->stop_chat_writer();
    if (pg) pg->stop_chat_writer();
  }
  // The answer of a query for one integer, on a connection of its own.
  std::int64_t number(const std::string& sql) {
    if (pg) return store::pg::Connection(url).exec(sql).i64(0, 0);
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir.path() / "parley.db").c_str(), &db), SQLITE_OK);
    std::int64_t out = -1;
    sqlite3_exec(
        db, sql.c_str(),
        [](void* out, int, char** v, char**) {
          *static_cast<std::int64_t*>(out) = std::atoll(v[0]);
          return 0;
        },
        &out, nullptr);
    sqlite3_close(db);
    return out;
  }

  testing::TempDir dir{"parley_chat"};
  std::unique_ptr<testing::PostgresServer> server;
  std::string url;
  std::unique_ptr<store::SqliteStore> sqlite;
  std::unique_ptr<store::PgStore> pg;
};

class ChatServiceTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  ChatServiceTest() {
    alice = add_user("alice");
    bob = add_user("bobby");
    carol = add_user("carol");
  }
  ~ChatServiceTest() override { stores.stop_chat_writer(); }

  // The files part of the PostgreSQL store is ported apart (pg_files_store.cpp): until it is
  // there, the tests that need it run on SQLite only.
  bool has_files() {
    try {
      store.pending_uploads(alice);
      return true;
    } catch (const std::logic_error&) {
      return false;
    }
  }

  UserId add_user(const std::string& name) {
    return store.create_user(store::NewUser{name, std::nullopt, "$argon2id$x", name, false, 1})->id;
  }

  // Calls a write and waits for its answer.
  template <class F>
  core::Result<Ack> wait(F&& call) {
    std::promise<core::Result<Ack>> p;
    call([&p](core::Result<Ack> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  RoomId make_room(UserId who, RoomKind kind, std::vector<UserId> members = {}) {
    auto r = wait([&](auto done) {
      chat.create_room(who, "create-" + std::to_string(++n_), kind, "room", "", members, GroupId{},
                       done);
    });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r->room;
  }
  core::Result<Ack> post(UserId who, RoomId room, std::string text, std::string cid = "") {
    if (cid.empty()) cid = "post-" + std::to_string(++n_);
    return wait([&](auto done) { chat.post(who, cid, room, text, MessageId{}, {}, done); });
  }

  TestStore stores{GetParam()};
  store::Store& store = stores.get();
  RecordingSink sink;
  ChatService chat{store, sink, Options{}};
  UserId alice = UserId{}, bob = UserId{}, carol = UserId{};
  int n_ = 0;
};

TEST_P(ChatServiceTest, ConcurrentPostsGetContiguousSeqsPublishedInOrder) {
  RoomId room = make_room(alice, RoomKind::kChannel);
  ASSERT_TRUE(wait([&](auto d) { chat.join(bob, "j", room, d); }).ok());
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> acked{0};
  for (UserId who : {alice, bob}) {
    threads.emplace_back([&, who] {
      std::vector<std::future<core::Result<Ack>>> answers;
      for (int i = 0; i < kPerThread; ++i) {
        auto p = std::make_shared<std::promise<core::Result<Ack>>>();
        answers.push_back(p->get_future());
        chat.post(who, "c" + std::to_string(who.value()) + "-" + std::to_string(i), room, "hello",
                  MessageId{}, {}, [p](core::Result<Ack> r) { p->set_value(std::move(r)); });
      }
      for (auto& a : answers) {
        if (a.get().ok()) acked++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(acked, 2 * kPerThread);
  std::lock_guard lock(sink.mu);
  Seq expected = 1;
  for (const auto& e : sink.events) {
    if (e.room != room) continue;
    EXPECT_EQ(e.seq, expected++) << "published out of order or with a gap";
  }
  EXPECT_EQ(expected - 1, 2 + 2 * kPerThread);  // created, joined, the posts
}

TEST_P(ChatServiceTest, ResendWithSameClientIdDoesNotDuplicate) {
  RoomId room = make_room(alice, RoomKind::kPrivate);
  auto first = post(alice, room, "once", "same-cid");
  auto again = post(alice, room, "once", "same-cid");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->seq, again->seq);
  EXPECT_EQ(first->message, again->message);
  auto page = chat.history(alice, room, std::nullopt, 50);
  ASSERT_TRUE(page.ok());
  int messages = 0;
  for (const auto& e : page->items) messages += e.kind == EventKind::kMessage;
  EXPECT_EQ(messages, 1);
}

TEST_P(ChatServiceTest, PrivateRoomsAreIndistinguishableFromMissingOnesForOutsiders) {
  RoomId room = make_room(alice, RoomKind::kPrivate);
  RoomId missing = RoomId{room.value() + 1000};
  for (RoomId id : {room, missing}) {
    auto p = post(bob, id, "let me in");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, Errc::kNotFound);
    auto h = chat.history(bob, id, std::nullopt, 10);
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.error().code, Errc::kNotFound);
    EXPECT_EQ(h.error().message, chat.sync(bob, room, 0, 10).error().message);
    auto j = wait([&](auto d) { chat.join(bob, "join-" + std::to_string(id.value()), id, d); });
    EXPECT_EQ(j.error().code, Errc::kNotFound);
  }
}

TEST_P(ChatServiceTest, RemovedMemberCanNoLongerPostAndTheChangeIsAnnounced) {
  RoomId room = make_room(alice, RoomKind::kPrivate, {bob});
  ASSERT_TRUE(post(bob, room, "hi").ok());
  auto nonadmin = wait([&](auto d) { chat.remove_member(bob, "r0", room, alice, d); });
  EXPECT_EQ(nonadmin.error().code, Errc::kForbidden);
  ASSERT_TRUE(wait([&](auto d) { chat.remove_member(alice, "r1", room, bob, d); }).ok());
  EXPECT_EQ(post(bob, room, "still here?").error().code, Errc::kNotFound);
  std::lock_guard lock(sink.mu);
  ASSERT_EQ(sink.changes.back().removed, std::vector<UserId>{bob});
  EXPECT_EQ(sink.events.back().kind, EventKind::kRemoved);
}

TEST_P(ChatServiceTest, MemberCountsFollowJoinsLeavesAndRemovals) {
  RoomId room = make_room(alice, RoomKind::kChannel);
  auto count = [&] {
    auto rooms = chat.rooms(alice);
    EXPECT_TRUE(rooms);
    for (const auto& r : *rooms) {
      if (r.room.id == room) return r.members;
    }
    return -1;
  };
  EXPECT_EQ(count(), 1);
  ASSERT_TRUE(wait([&](auto d) { chat.join(bob, "j1", room, d); }).ok());
  ASSERT_TRUE(wait([&](auto d) { chat.join(carol, "j2", room, d); }).ok());
  EXPECT_EQ(count(), 3);
  ASSERT_TRUE(wait([&](auto d) { chat.leave(bob, "l1", room, d); }).ok());
  ASSERT_TRUE(wait([&](auto d) { chat.remove_member(alice, "r1", room, carol, d); }).ok());
  EXPECT_EQ(count(), 1);
}

TEST_P(ChatServiceTest, MembersComeInPagesByNameAndByPrefix) {
  RoomId room = make_room(alice, RoomKind::kChannel);
  ASSERT_TRUE(wait([&](auto d) { chat.join(bob, "j1", room, d); }).ok());
  ASSERT_TRUE(wait([&](auto d) { chat.join(carol, "j2", room, d); }).ok());
  auto names = [](const ChatService::MembersPage& p) {
    std::vector<std::string> out;
    for (const auto& m : p.items) out.push_back(m.user.username);
    return out;
  };
  auto first = chat.members(alice, room, {"", "", 2, {}});
  ASSERT_TRUE(first);
  EXPECT_EQ(names(*first), (std::vector<std::string>{"alice", "bobby"}));
  EXPECT_TRUE(first->more);
  auto rest = chat.members(alice, room, {"BOBBY", "", 2, {}});  // the cursor ignores case
  ASSERT_TRUE(rest);
  EXPECT_EQ(names(*rest), std::vector<std::string>{"carol"});
  EXPECT_FALSE(rest->more);
  auto found = chat.members(alice, room, {"", "Ca", 8, {}});
  ASSERT_TRUE(found);
  EXPECT_EQ(names(*found), std::vector<std::string>{"carol"});
  auto literal = chat.members(alice, room, {"", "_", 8, {}});  // a LIKE wildcard, matched as itself
  ASSERT_TRUE(literal);
  EXPECT_TRUE(literal->items.empty());
  EXPECT_EQ(chat.members(alice, room, {"", std::string(81, 'a'), 8, {}}).error().code,
            Errc::kInvalid);
  // Only the people asked for (a client's authors in view), members or not.
  UserId outsider = add_user("dora");
  auto some = chat.members(alice, room, {"", "", 8, {carol, outsider, alice}});
  ASSERT_TRUE(some);
  EXPECT_EQ(names(*some), (std::vector<std::string>{"alice", "carol"}));
}

TEST_P(ChatServiceTest, OnlyPeopleSharingARoomCanBeWatched) {
  RoomId room = make_room(alice, RoomKind::kPrivate, {bob});
  auto seen = chat.watchable(alice, {carol, bob, alice, bob});
  ASSERT_TRUE(seen);
  std::vector<UserId> ids;
  for (const auto& u : *seen) ids.push_back(u.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<UserId>{std::min(alice, bob), std::max(alice, bob)}));
  EXPECT_TRUE(chat.watchable(alice, {})->empty());
  // A room of two carries presence (up to Options::presence_up_to members).
  EXPECT_EQ(chat.presence_rooms(bob), std::vector<RoomId>{room});
  EXPECT_TRUE(chat.presence_rooms(carol).empty());
}

TEST_P(ChatServiceTest, DeletionLeavesNoTextBehind) {
  RoomId room = make_room(alice, RoomKind::kChannel);
  auto p = post(alice, room, "secret words");
  ASSERT_TRUE(wait([&](auto d) { chat.edit(alice, "e", p->message, "more secret words", d); }));
  auto byother = wait([&](auto d) { chat.delete_message(bob, "d0", p->message, d); });
  EXPECT_EQ(byother.error().code, Errc::kNotFound) << "bob is not a member";
  ASSERT_TRUE(wait([&](auto d) { chat.delete_message(alice, "d1", p->message, d); }));
  stores.stop_chat_writer();
  auto hits = stores.number(
      "SELECT (SELECT count(*) FROM events WHERE text LIKE '%secret%') + (SELECT count(*) FROM "
      "messages WHERE text LIKE '%secret%') + (SELECT count(*) FROM message_edits)");
  EXPECT_EQ(hits, 0);
}

TEST_P(ChatServiceTest, EditsKeepTheEarlierVersionsForTheAuthorOnly) {
  RoomId room = make_room(alice, RoomKind::kPrivate, {bob});
  auto p = post(alice, room, "first");
  EXPECT_EQ(wait([&](auto d) { chat.edit(bob, "e0", p->message, "mine now", d); }).error().code,
            Errc::kForbidden);
  ASSERT_TRUE(wait([&](auto d) { chat.edit(alice, "e1", p->message, "second", d); }));
  ASSERT_TRUE(wait([&](auto d) { chat.edit(alice, "e2", p->message, "third", d); }));
  auto versions = chat.edits(bob, p->message);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->versions.size(), 2u);
  EXPECT_FALSE(versions->more);
  EXPECT_EQ(versions->versions[0].text, "first");
  EXPECT_EQ(versions->versions[1].text, "second");
  auto page = chat.history(bob, room, std::nullopt, 1);
  EXPECT_EQ(page->items.front().text, "third");
  EXPECT_NE(page->items.front().edited_at, 0);
}

TEST_P(ChatServiceTest, ReactionsRepliesPinsAndCountsReadBackAsTheyAre) {
  RoomId room = make_room(alice, RoomKind::kPrivate, {bob});
  auto parent = post(alice, room, "parent for @bobby");
  ASSERT_TRUE(parent);
  auto reply = wait([&](auto d) { chat.post(bob, "r1", room, "a reply", parent->message, {}, d); });
  ASSERT_TRUE(reply);
  for (auto [who, cid, emoji] : {std::tuple{bob, "x1", "👍"}, std::tuple{alice, "x2", "👍"},
                                 std::tuple{alice, "x3", "🎉"}, std::tuple{bob, "x4", "👍"}}) {
    ASSERT_TRUE(wait([&](auto d) { chat.react(who, cid, parent->message, emoji, d); }));
  }
  auto page = chat.history(bob, room, std::nullopt, 10);
  ASSERT_TRUE(page);
  const Event* p = nullptr;
  for (const auto& e : page->items) {
    if (e.message == parent->message && e.kind == EventKind::kMessage) p = &e;
  }
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->replies, 1);
  EXPECT_EQ(p->mentions, std::vector<UserId>{bob});
  ASSERT_EQ(p->reactions.size(), 2u) << "bob's second 👍 took his first back";
  EXPECT_EQ(p->reactions[0].emoji, "🎉");
  EXPECT_EQ(p->reactions[1].emoji, "👍");
  EXPECT_EQ(p->reactions[1].users, std::vector<UserId>{alice});

  auto thread = chat.thread(alice, parent->message, std::nullopt, 10);
  ASSERT_TRUE(thread);
  ASSERT_EQ(thread->items.size(), 1u);
  EXPECT_EQ(thread->items[0].text, "a reply");
  EXPECT_EQ(thread->items[0].reply_to, parent->message);

  ASSERT_TRUE(wait([&](auto d) { chat.pin(alice, "p1", parent->message, true, d); }));
  auto pins = chat.pins(bob, room);
  ASSERT_TRUE(pins);
  ASSERT_EQ(pins->size(), 1u);
  EXPECT_EQ(pins->front().message, parent->message);
  ASSERT_TRUE(wait([&](auto d) { chat.pin(alice, "p2", parent->message, false, d); }));
  EXPECT_TRUE(chat.pins(bob, room)->empty());

  auto sync = chat.sync(bob, room, reply->seq, 100);
  ASSERT_TRUE(sync);
  ASSERT_EQ(sync->events.size(), 6u) << "four reactions, a pin, an unpin";
  EXPECT_EQ(sync->events.front().kind, EventKind::kReaction);
  EXPECT_EQ(sync->events.back().kind, EventKind::kPinned);
  EXPECT_FALSE(sync->events.back().on);
  EXPECT_EQ(sync->last_seq, reply->seq + 6);

  std::vector<RoomId> marked;
  auto rooms = chat.attach(bob, [&](const std::vector<RoomId>& ids) { marked = ids; });
  ASSERT_TRUE(rooms);
  EXPECT_EQ(marked, std::vector<RoomId>{room});
  ASSERT_EQ(rooms->size(), 1u);
  EXPECT_EQ(rooms->front().unread, 1) << "alice's message; not bob's own reply";
  EXPECT_EQ(rooms->front().mentions, 1);
  EXPECT_EQ(rooms->front().members, 2);
  EXPECT_EQ(rooms->front().room.last_seq, sync->last_seq);
  ASSERT_TRUE(wait([&](auto d) { chat.mark(bob, room, sync->last_seq, true, d); }));
  EXPECT_EQ(chat.rooms(bob)->front().unread, 0);
  EXPECT_EQ(chat.rooms(bob)->front().mentions, 0);

  auto members = chat.members(alice, room, {"", "", 100, {}});
  ASSERT_TRUE(members);
  ASSERT_EQ(members->items.size(), 2u);
  EXPECT_FALSE(members->more);
  EXPECT_EQ(members->items.front().user.username, "alice");
  EXPECT_TRUE(members->items.front().admin);
  EXPECT_FALSE(members->items.back().admin);

  auto direct = wait([&](auto d) { chat.open_direct(alice, "dm", carol, d); });
  ASSERT_TRUE(direct);
  auto again = wait([&](auto d) { chat.open_direct(carol, "dm2", alice, d); });
  ASSERT_TRUE(again);
  EXPECT_EQ(again->room, direct->room) << "one direct room per pair";
  auto carols = chat.rooms(carol);
  ASSERT_TRUE(carols);
  ASSERT_EQ(carols->size(), 1u);
  ASSERT_TRUE(carols->front().peer);
  EXPECT_EQ(carols->front().peer->id, alice);
}

TEST_P(ChatServiceTest, MentionsNameOnlyMembers) {
  RoomId room = make_room(alice, RoomKind::kPrivate, {bob});
  auto p = post(alice, room, "hi @bobby and @carol and @nobody, mail alice@bobby.org");
  ASSERT_TRUE(p.ok());
  std::lock_guard lock(sink.mu);
  EXPECT_EQ(sink.events.back().mentions, std::vector<UserId>{bob});
}

TEST_P(ChatServiceTest, MentionedNamesStopAtPunctuation) {
  EXPECT_EQ(ChatService::mentioned_names("@bob. @al @carol-, (@dave_1)"),
            (std::vector<std::string>{"bob", "carol", "dave_1"}));
  EXPECT_TRUE(ChatService::mentioned_names("me@example.com").empty());
}

TEST_P(ChatServiceTest, HistoryPagesByKeysetWithoutOverlap) {
  RoomId room = make_room(alice, RoomKind::kPrivate);
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(post(alice, room, "m" + std::to_string(i)).ok());
  std::vector<Seq> seen;
  std::optional<Seq> before;
  for (;;) {
    auto page = chat.history(alice, room, before, 10);
    ASSERT_TRUE(page.ok());
    for (const auto& e : page->items) seen.push_back(e.seq);
    if (!page->more) break;
    before = page->items.back().seq;
  }
  ASSERT_EQ(seen.size(), 26u);  // created + 25 messages
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], 26 - static_cast<Seq>(i));
  EXPECT_EQ(chat.history(alice, room, std::nullopt, 101).error().field, "limit");
}

TEST_P(ChatServiceTest, ARejectedCommandDoesNotUndoItsBatchNeighbours) {
  RoomId room = make_room(alice, RoomKind::kPrivate);
  std::vector<std::future<core::Result<Ack>>> answers;
  for (int i = 0; i < 20; ++i) {
    auto p = std::make_shared<std::promise<core::Result<Ack>>>();
    answers.push_back(p->get_future());
    // Every other post is by an outsider: refused inside the shared transaction.
    chat.post(i % 2 ? carol : alice, "b" + std::to_string(i), room, "x", MessageId{}, {},
              [p](core::Result<Ack> r) { p->set_value(std::move(r)); });
  }
  Seq last = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = answers[i].get();
    EXPECT_EQ(r.ok(), i % 2 == 0);
    if (r.ok()) {
      EXPECT_EQ(r->seq, last ? last + 1 : 2);
      last = r->seq;
    }
  }
  auto sync = chat.sync(alice, room, 0, 100);
  ASSERT_TRUE(sync.ok());
  EXPECT_EQ(sync->events.size(), 11u);
  EXPECT_EQ(sync->last_seq, 11);
}

TEST_P(ChatServiceTest, DirectRoomIsOnePerPairAndCannotBeLeft) {
  auto a = wait([&](auto d) { chat.open_direct(alice, "d1", bob, d); });
  auto b = wait([&](auto d) { chat.open_direct(bob, "d2", alice, d); });
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->room, b->room);
  EXPECT_EQ(wait([&](auto d) { chat.leave(alice, "l", a->room, d); }).error().code,
            Errc::kConflict);
  EXPECT_EQ(post(carol, a->room, "hi").error().code, Errc::kNotFound);
}

TEST_P(ChatServiceTest, ReadPositionOnlyMovesForward) {
  RoomId room = make_room(alice, RoomKind::kPrivate, {bob});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(post(alice, room, "m").ok());
  ASSERT_EQ(chat.rooms(bob)->front().unread, 3);
  ASSERT_TRUE(wait([&](auto d) { chat.mark(bob, room, 5, true, d); }));
  ASSERT_TRUE(wait([&](auto d) { chat.mark(bob, room, 1, true, d); }));
  auto mine = chat.rooms(bob)->front();
  EXPECT_EQ(mine.me.read_seq, 5);
  EXPECT_EQ(mine.unread, 0);
  std::lock_guard lock(sink.mu);
  ASSERT_EQ(sink.receipts.size(), 1u) << "a position that does not move sends no receipt";
}

TEST_P(ChatServiceTest, GroupChannelsAreForGroupMembersOnly) {
  auto g = wait([&](auto d) { chat.create_group(alice, "g", "Team", d); });
  ASSERT_TRUE(g.ok());
  auto r = wait([&](auto d) {
    chat.create_room(alice, "gr", RoomKind::kChannel, "team-chat", "", {}, g->group, d);
  });
  ASSERT_TRUE(r.ok());
  // Outside the group, the channel does not exist.
  EXPECT_EQ(wait([&](auto d) { chat.join(bob, "j1", r->room, d); }).error().code, Errc::kNotFound);
  EXPECT_EQ(chat.history(bob, r->room, std::nullopt, 10).error().code, Errc::kNotFound);
  EXPECT_TRUE(chat.directory(bob, "")->empty());
  // Only a group admin adds members; then the channel is theirs to see and join.
  EXPECT_EQ(wait([&](auto d) { chat.group_invite(bob, "gi0", g->group, carol, d); }).error().code,
            Errc::kNotFound);
  ASSERT_TRUE(wait([&](auto d) { chat.group_invite(alice, "gi1", g->group, bob, d); }).ok());
  EXPECT_EQ(chat.directory(bob, "")->size(), 1u);
  ASSERT_TRUE(wait([&](auto d) { chat.join(bob, "j2", r->room, d); }).ok());
  EXPECT_EQ(wait([&](auto d) { chat.invite(bob, "i", r->room, carol, d); }).error().code,
            Errc::kForbidden)
      << "carol is not in the group";
  // Removal from the group removes from its rooms.
  ASSERT_TRUE(wait([&](auto d) { chat.group_remove(alice, "gx", g->group, bob, d); }).ok());
  EXPECT_EQ(post(bob, r->room, "still here?").error().code, Errc::kNotFound);
  {
    std::lock_guard lock(sink.mu);
    EXPECT_EQ(sink.events.back().kind, EventKind::kRemoved);
    EXPECT_EQ(sink.changes.back().removed, std::vector<UserId>{bob});
    EXPECT_EQ(sink.notified, (std::vector<UserId>{alice, bob, bob}));
  }
  // Deleting the group keeps the room, private to its members.
  ASSERT_TRUE(wait([&](auto d) { chat.delete_group(alice, "gd", g->group, d); }).ok());
  EXPECT_TRUE(post(alice, r->room, "still mine").ok());
  EXPECT_TRUE(chat.directory(carol, "")->empty());
  EXPECT_TRUE(chat.groups(alice)->empty());
}

}  // namespace
}  // namespace parley::chat

namespace parley::chat {
namespace {

TEST_P(ChatServiceTest, FilesGoIntoOneMessageOfTheirUploaderAndFollowItsLife) {
  if (!has_files()) GTEST_SKIP() << "no files part in this store yet";
  RoomId room = make_room(alice, RoomKind::kChannel);
  ASSERT_TRUE(wait([&](auto d) { chat.join(bob, "j", room, d); }).ok());
  FileRules rules(store, FileOptions{});
  auto up = rules.begin_upload(alice, room, "up-1", "notes.txt", 3);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(rules.begin_upload(carol, room, "up-2", "x", 1).error().code, Errc::kNotFound);
  EXPECT_EQ(rules.begin_upload(alice, room, "up-3", "x", (100LL << 20) + 1).error().field, "size");
  store::Blob blob;
  blob.sha256 = std::string(64, 'a');
  blob.size = 3;
  blob.type = "text/plain";
  blob.kind = "file";
  auto info = rules.complete(*up, blob);
  auto finished = rules.own_upload(alice, "up-1");
  ASSERT_TRUE(finished.ok()) << "kept a while, for a client that missed the answer";
  EXPECT_EQ(finished->file, info.id);
  EXPECT_EQ(rules.finished(*finished)->id, info.id);
  EXPECT_EQ(store.pending_uploads(alice), 0) << "a finished upload is not pending";
  EXPECT_TRUE(rules.readable_file(alice, info.id).ok());
  EXPECT_FALSE(rules.readable_file(bob, info.id).ok()) << "not in a message yet";

  auto post_files = [&](UserId who, std::vector<store::FileId> ids, std::string text = "") {
    return wait([&](auto d) {
      chat.post(who, "pf-" + std::to_string(++n_), room, text, MessageId{}, ids, d);
    });
  };
  auto stolen = post_files(bob, {info.id});
  ASSERT_FALSE(stolen.ok());
  EXPECT_EQ(stolen.error().field, "files");
  EXPECT_EQ(post_files(alice, {info.id, info.id}).error().code, Errc::kInvalid);
  EXPECT_EQ(post_files(alice, {}).error().field, "text") << "no text and no file";
  auto sent = post_files(alice, {info.id});
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(post_files(alice, {info.id}).error().field, "files") << "already in a message";
  {
    std::lock_guard lock(sink.mu);
    ASSERT_EQ(sink.events.back().files.size(), 1u);
    EXPECT_EQ(sink.events.back().files[0].name, "notes.txt");
  }
  auto page = chat.history(bob, room, std::nullopt, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.front().files.size(), 1u);
  EXPECT_EQ(page->items.front().files[0].id, info.id);
  EXPECT_TRUE(rules.readable_file(bob, info.id).ok());
  EXPECT_FALSE(rules.readable_file(carol, info.id).ok()) << "not a member";

  EXPECT_TRUE(rules.sweep().empty()) << "a file in a live message stays";
  ASSERT_TRUE(wait([&](auto d) { chat.delete_message(alice, "del", sent->message, d); }).ok());
  EXPECT_FALSE(rules.readable_file(bob, info.id).ok());
  EXPECT_FALSE(rules.readable_file(alice, info.id).ok());
  EXPECT_EQ(rules.sweep(), std::vector<std::string>{blob.sha256});
}

TEST_P(ChatServiceTest, AMessagesFilesKeepTheOrderTheyWereGivenIn) {
  if (!has_files()) GTEST_SKIP() << "no files part in this store yet";
  RoomId room = make_room(alice, RoomKind::kChannel);
  FileRules rules(store, FileOptions{});
  std::vector<store::FileId> ids;
  for (int i = 0; i < 3; ++i) {
    auto up = rules.begin_upload(alice, room, "o-" + std::to_string(i), "f" + std::to_string(i), 1);
    ASSERT_TRUE(up.ok());
    store::Blob blob;
    blob.sha256 = std::string(64, static_cast<char>('a' + i));
    blob.size = 1;
    blob.type = "text/plain";
    blob.kind = "file";
    ids.push_back(rules.complete(*up, blob).id);
  }
  std::vector<store::FileId> order{ids[2], ids[0], ids[1]};
  ASSERT_TRUE(
      wait([&](auto d) { chat.post(alice, "ordered", room, "", MessageId{}, order, d); }).ok());
  auto page = chat.history(alice, room, std::nullopt, 10);
  ASSERT_TRUE(page.ok());
  std::vector<store::FileId> got;
  for (const auto& f : page->items.front().files) got.push_back(f.id);
  EXPECT_EQ(got, order);
}

// The ids of a search's items, newest first; empty on error.
std::vector<MessageId> found(ChatService& chat, UserId user, ChatService::SearchRequest r) {
  auto page = chat.search(user, r);
  EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message);
  std::vector<MessageId> ids;
  if (page.ok()) {
    for (const auto& e : page->items) ids.push_back(e.message);
  }
  return ids;
}

TEST_P(ChatServiceTest, SearchTermsSplitOnSpacesAndKeepQuotedPhrases) {
  using V = std::vector<std::string>;
  EXPECT_EQ(ChatService::search_terms("  deploy  Friday deploy "), (V{"deploy", "Friday"}));
  EXPECT_EQ(ChatService::search_terms(R"(a "big  plan " b"c)"), (V{"a", "big  plan", "b", "c"}));
  EXPECT_EQ(ChatService::search_terms("東京\xE3\x80\x80大阪"), (V{"東京", "大阪"}));
  EXPECT_TRUE(ChatService::search_terms(R"( "" )").empty());
}

TEST_P(ChatServiceTest, SearchFindsWordsAndCjkSubstringsOnlyInReadableRooms) {
  RoomId open = make_room(alice, RoomKind::kChannel);
  RoomId closed = make_room(alice, RoomKind::kPrivate);
  auto deploy = post(alice, open, "We DEPLOY on Friday, ok?");
  auto tokyo = post(alice, open, "明日は東京タワーへ行きます");
  auto hidden = post(alice, closed, "deploy the secret plan");
  ASSERT_TRUE(deploy && tokyo && hidden);

  EXPECT_EQ(found(chat, alice, {"deploy"}),
            (std::vector<MessageId>{hidden->message, deploy->message}));
  EXPECT_EQ(found(chat, alice, {"ploy fri"}), (std::vector<MessageId>{deploy->message}))
      << "a term of 3+ characters matches inside words";
  EXPECT_EQ(found(chat, alice, {"ok"}), (std::vector<MessageId>{deploy->message}));
  EXPECT_TRUE(found(chat, alice, {"k"}).empty()) << "a short term matches the start of a word";
  EXPECT_EQ(found(chat, alice, {"京タワ"}), (std::vector<MessageId>{tokyo->message}));
  EXPECT_EQ(found(chat, alice, {"東京"}), (std::vector<MessageId>{tokyo->message}))
      << "two CJK characters match anywhere";
  EXPECT_EQ(found(chat, alice, {"タワ"}), (std::vector<MessageId>{tokyo->message}));
  EXPECT_EQ(found(chat, alice, {"deploy plan"}), (std::vector<MessageId>{hidden->message}));
  EXPECT_EQ(found(chat, alice, {"deploy ok"}), (std::vector<MessageId>{deploy->message}));

  // Bob is in neither room: nothing, even in the public channel he has not joined...
  EXPECT_TRUE(found(chat, bob, {"deploy"}).empty());
  // ...unless he asks in that channel, which he may read.
  EXPECT_EQ(found(chat, bob, {"deploy", open}), (std::vector<MessageId>{deploy->message}));
  EXPECT_EQ(chat.search(bob, {"deploy", closed}).error().code, Errc::kNotFound);
  ASSERT_TRUE(wait([&](auto d) { chat.join(bob, "j", open, d); }));
  EXPECT_EQ(found(chat, bob, {"deploy"}), (std::vector<MessageId>{deploy->message}));
}

TEST_P(ChatServiceTest, SearchFollowsEditsAndDeletions) {
  RoomId room = make_room(alice, RoomKind::kPrivate, {bob});
  auto p = post(alice, room, "lunch at noon");
  ASSERT_TRUE(p);
  ASSERT_TRUE(wait([&](auto d) { chat.edit(alice, "e", p->message, "dinner at eight", d); }));
  EXPECT_TRUE(found(chat, bob, {"lunch"}).empty());
  EXPECT_EQ(found(chat, bob, {"dinner"}), (std::vector<MessageId>{p->message}));
  ASSERT_TRUE(wait([&](auto d) { chat.delete_message(alice, "d", p->message, d); }));
  EXPECT_TRUE(found(chat, bob, {"dinner"}).empty());
  EXPECT_TRUE(found(chat, bob, {"at"}).empty());
}

TEST_P(ChatServiceTest, SearchPagesWithACursorAndFiltersBySenderAndDate) {
  RoomId room = make_room(alice, RoomKind::kPrivate, {bob});
  std::vector<MessageId> all;
  for (int i = 0; i < 25; ++i) {
    auto p = post(i % 2 ? bob : alice, room, "status report " + std::to_string(i));
    ASSERT_TRUE(p);
    all.insert(all.begin(), p->message);
  }
  std::vector<MessageId> seen;
  ChatService::SearchRequest r{"report"};
  r.limit = 10;
  for (;;) {
    auto page = chat.search(alice, r);
    ASSERT_TRUE(page.ok());
    for (const auto& e : page->items) seen.push_back(e.message);
    if (!page->more) break;
    r.cursor = page->next;
  }
  EXPECT_EQ(seen, all);

  r = {"report"};
  r.from = bob;
  EXPECT_EQ(found(chat, alice, r).size(), 12u);
  auto newest = chat.history(alice, room, std::nullopt, 1)->items.front();
  r = {"report"};
  r.after = newest.at;
  auto recent = found(chat, alice, r);
  ASSERT_FALSE(recent.empty());
  EXPECT_EQ(recent.front(), all.front());
  r = {"report"};
  r.before = 1;
  EXPECT_TRUE(found(chat, alice, r).empty()) << "nothing was sent before 1970";
  r.after = 10;
  r.before = 5;
  EXPECT_EQ(chat.search(alice, r).error().field, "after");
  EXPECT_EQ(chat.search(alice, {"   "}).error().field, "query");
  EXPECT_EQ(chat.search(alice, {std::string(201, 'x')}).error().field, "query");
  EXPECT_EQ(chat.search(alice, {"a b c d e f g h i"}).error().field, "query");
}

TEST_P(ChatServiceTest, ASearchPastItsTimeBudgetAnswersWhatItFoundAsPartial) {
  RoomId room = make_room(alice, RoomKind::kPrivate);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(post(alice, room, "note " + std::to_string(i)));
  Options quick;
  quick.search_budget_ms = 0;
  ChatService hurried{store, sink, quick};
  auto page = hurried.search(alice, {"東"});  // no index for it: reads the messages
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->partial);
  EXPECT_FALSE(chat.search(alice, {"東"})->partial);
}

INSTANTIATE_TEST_SUITE_P(Stores, ChatServiceTest,
                         ::testing::Values(StoreKind::kSqlite, StoreKind::kPostgres),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return info.param == StoreKind::kSqlite ? "SQLite" : "PostgreSQL";
                         });

}  // namespace
}  // namespace parley::chat
