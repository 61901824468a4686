// One test suite for every store's accounts part (users, sessions, e-mail tokens): SQLite in a
// temporary file, and PostgreSQL on a real server started on loopback for the test (a fresh
// database each). The same rules must hold on both: the cluster's store is the same store.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "postgres_server.hpp"
#include "store/postgres/pg.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace parley::store {
namespace {

struct SqliteFixture {
  parley::testing::TempDir dir{"accounts"};
  SqliteStore store{dir.path() / "parley.db"};
};

struct PgFixture {
  parley::testing::PostgresServer server;
  PgAccountStore store{server.database("accounts")};
};

template <class F>
class AccountStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<F> f = std::make_unique<F>();
  AccountStore& s() { return f->store; }
  User add(const std::string& name, std::optional<std::string> email = std::nullopt,
           bool guest = false) {
    auto u = s().create_user(NewUser{name, std::move(email), "$argon2id$x", name, guest, 1000});
    EXPECT_TRUE(u) << (u ? "" : u.error().message);
    return u ? *u : User{};
  }
};

using Stores = ::testing::Types<SqliteFixture, PgFixture>;
class StoreNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteFixture> ? "SQLite" : "PostgreSQL";
  }
};
TYPED_TEST_SUITE(AccountStoreTest, Stores, StoreNames);

TYPED_TEST(AccountStoreTest, TheFirstAccountIsTheAdminAndNamesAreUniqueInAnyCase) {
  auto guest = this->add("visitor", std::nullopt, true);
  EXPECT_FALSE(guest.is_admin) << "a guest is never the first account";
  auto ann = this->add("Ann", "Ann@Example.org");
  EXPECT_TRUE(ann.is_admin);
  EXPECT_EQ(ann.username, "Ann");
  EXPECT_EQ(ann.email, "Ann@Example.org");
  EXPECT_FALSE(ann.email_confirmed);
  EXPECT_EQ(ann.settings, "{}");
  EXPECT_FALSE(this->add("bob").is_admin);

  auto again = this->s().create_user(NewUser{"ANN", std::nullopt, "h", "x", false, 1});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, core::Errc::kConflict);
  EXPECT_EQ(again.error().message, "That username is taken");

  EXPECT_EQ(this->s().find_user_by_name_or_email("aNn")->id, ann.id);
  EXPECT_EQ(this->s().find_user(ann.id)->username, "Ann");
  EXPECT_FALSE(this->s().find_user(UserId{ann.id.value() + 100}));
  EXPECT_FALSE(this->s().find_user_by_name_or_email("nobody"));
}

TYPED_TEST(AccountStoreTest, AnAddressBelongsToWhoeverConfirmsItFirst) {
  auto ann = this->add("ann", "shared@example.org");
  auto bob = this->add("bob", "shared@example.org");  // unconfirmed addresses claim nothing
  EXPECT_FALSE(this->s().find_user_by_name_or_email("shared@example.org"))
      << "two accounts gave it, none confirmed: it names neither";
  auto confirmed = this->s().set_email(bob.id, std::string("Shared@Example.org"), true);
  ASSERT_TRUE(confirmed);
  EXPECT_TRUE(confirmed->email_confirmed);
  EXPECT_EQ(this->s().find_user_by_name_or_email("SHARED@example.org")->id, bob.id);
  auto late = this->s().set_email(ann.id, std::string("shared@example.org"), true);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().message, "Another account confirmed this e-mail address first");
  auto taken = this->s().create_user(NewUser{"cid", "shared@EXAMPLE.org", "h", "c", false, 1});
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().message, "That e-mail address is already in use");

  auto dee = this->add("dee", "only-dee@example.org");
  EXPECT_EQ(this->s().find_user_by_name_or_email("only-dee@example.org")->id, dee.id)
      << "an address only one account gave names it";
}

TYPED_TEST(AccountStoreTest, ProfileAndSettings) {
  auto ann = this->add("ann");
  auto p = this->s().update_profile(ann.id, ProfileUpdate{"Ann A.", std::nullopt, "a.webp"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->display_name, "Ann A.");
  EXPECT_EQ(p->avatar, "a.webp");
  EXPECT_EQ(p->about, "");
  p = this->s().update_profile(ann.id, ProfileUpdate{std::nullopt, "about me", std::nullopt});
  EXPECT_EQ(p->display_name, "Ann A.") << "what is not given stays";
  EXPECT_EQ(p->about, "about me");
  EXPECT_FALSE(this->s().update_profile(UserId{ann.id.value() + 100}, ProfileUpdate{}));
  this->s().set_settings(ann.id, R"({"theme":"dark"})");
  EXPECT_EQ(this->s().find_user(ann.id)->settings, R"({"theme":"dark"})");
  this->s().set_password_hash(ann.id, "$argon2id$new");
  EXPECT_EQ(this->s().find_user(ann.id)->password_hash, "$argon2id$new");
}

TYPED_TEST(AccountStoreTest, SessionsAreFoundByTokenHashListedAndEnded) {
  auto ann = this->add("ann");
  auto bob = this->add("bob");
  auto a1 = this->s().create_session(Session{0, ann.id, "h1", "Firefox", "10.0.0.1", 10, 10, 100});
  auto a2 = this->s().create_session(Session{0, ann.id, "h2", "Chromium", "10.0.0.2", 20, 20, 200});
  auto b1 = this->s().create_session(Session{0, bob.id, "h3", "", "", 30, 30, 300});
  EXPECT_NE(a1.id, a2.id);
  auto found = this->s().find_session("h2");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a2.id);
  EXPECT_EQ(found->user_agent, "Chromium");
  EXPECT_EQ(found->expires_at, 200);
  EXPECT_FALSE(this->s().find_session("nope"));

  this->s().touch_session(a1.id, 50, 500);
  auto list = this->s().list_sessions(ann.id);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, a1.id) << "most recently seen first";
  EXPECT_EQ(list[0].expires_at, 500);

  EXPECT_FALSE(this->s().delete_session(bob.id, a1.id)) << "not bob's";
  EXPECT_TRUE(this->s().delete_session(ann.id, a1.id));
  EXPECT_FALSE(this->s().find_session("h1"));
  this->s().create_session(Session{0, ann.id, "h4", "", "", 40, 40, 400});
  EXPECT_EQ(this->s().delete_sessions(ann.id, a2.id), 1) << "all but the one kept";
  EXPECT_TRUE(this->s().find_session("h2"));
  EXPECT_EQ(this->s().delete_expired_sessions(250), 1) << "h2 expired at 200; h3 at 300";
  EXPECT_FALSE(this->s().find_session("h2"));
  EXPECT_EQ(this->s().find_session("h3")->id, b1.id);
}

TYPED_TEST(AccountStoreTest, EmailTokensAreUsedOnceAndReplacedOrCancelled) {
  auto ann = this->add("ann", "ann@example.org");
  this->s().create_email_token(EmailToken{"t1", ann.id, "reset", "ann@example.org", 0, 100});
  this->s().create_email_token(EmailToken{"t2", ann.id, "reset", "ann@example.org", 0, 100});
  EXPECT_FALSE(this->s().find_email_token("t1", "reset", 10)) << "a new link replaces the old";
  EXPECT_TRUE(this->s().find_email_token("t2", "reset", 10)) << "looking does not take it";
  EXPECT_FALSE(this->s().find_email_token("t2", "confirm", 10)) << "another purpose";
  EXPECT_FALSE(this->s().take_email_token("t2", "reset", 100)) << "expired at 100";
  auto taken = this->s().take_email_token("t2", "reset", 10);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->user_id, ann.id);
  EXPECT_EQ(taken->email, "ann@example.org");
  EXPECT_FALSE(this->s().take_email_token("t2", "reset", 11)) << "once";

  // A new password, or a new address, cancels the reset links sent before.
  this->s().create_email_token(EmailToken{"t3", ann.id, "reset", "ann@example.org", 0, 100});
  this->s().create_email_token(EmailToken{"c1", ann.id, "confirm", "ann@example.org", 0, 100});
  this->s().set_password_hash(ann.id, "$argon2id$other");
  EXPECT_FALSE(this->s().find_email_token("t3", "reset", 10));
  EXPECT_TRUE(this->s().find_email_token("c1", "confirm", 10)) << "confirmations stay";
  this->s().create_email_token(EmailToken{"t4", ann.id, "reset", "ann@example.org", 0, 100});
  ASSERT_TRUE(this->s().set_email(ann.id, std::string("ann@new.example"), false));
  EXPECT_FALSE(this->s().find_email_token("t4", "reset", 10));
}

// PostgreSQL restarting (here: every other connection to the database cut, as it does) costs no
// request an error: a pooled connection found closed is made anew, and a read, or the BEGIN of a
// write, runs again on it.
TEST(PgAccountStore, ConnectionsPostgresClosedInThePoolAreMadeAnew) {
  parley::testing::PostgresServer server;
  const auto url = server.database("reconnect");
  PgAccountStore store{url, 2};
  auto ann = store.create_user(NewUser{"ann", std::nullopt, "$argon2id$x", "Ann", false, 1000});
  ASSERT_TRUE(ann);
  pg::Connection admin(url);
  auto cut = [&] {
    return admin
        .exec(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
            "current_database() AND pid <> pg_backend_pid()")
        .i64(0, 0);
  };
  ASSERT_GT(cut(), 0) << "the pool's connection was open";
  auto found = store.find_user(ann->id);
  ASSERT_TRUE(found) << "a read on the closed connection ran again on a new one";
  EXPECT_EQ(found->username, "ann");

  ASSERT_GT(cut(), 0);
  auto bob = store.create_user(NewUser{"bob", std::nullopt, "$argon2id$x", "Bob", false, 1000});
  ASSERT_TRUE(bob) << "a write's BEGIN ran again on a new connection";
  EXPECT_EQ(store.find_user_by_name_or_email("bob")->id, bob->id);
}

}  // namespace
}  // namespace parley::store
