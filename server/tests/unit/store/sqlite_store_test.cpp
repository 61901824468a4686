// The SQLite store: migrations, case-insensitive uniqueness, single-use tokens.
#include "store/sqlite/sqlite_store.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

namespace parley::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::filesystem::path db() const { return dir_.path() / "parley.db"; }
  testing::TempDir dir_{"parley_store"};
};

NewUser user(std::string name, std::optional<std::string> email = std::nullopt) {
  return NewUser{std::move(name), std::move(email), "$argon2id$fake", "", false, 1};
}

TEST_F(SqliteStoreTest, FreshFileIsMigratedToTheLatestVersion) {
  SqliteStore s(db());
  EXPECT_EQ(s.schema_version(), SqliteStore::known_schema_version());
  EXPECT_GE(SqliteStore::known_schema_version(), 1);
}

TEST_F(SqliteStoreTest, ReopeningKeepsTheData) {
  { ASSERT_TRUE(SqliteStore(db()).create_user(user("ann"))); }
  SqliteStore again(db());
  EXPECT_TRUE(again.find_user_by_name_or_email("ANN"));
}

TEST_F(SqliteStoreTest, NewerDatabaseIsRefused) {
  { SqliteStore s(db()); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  sqlite3_exec(raw, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  try {
    SqliteStore s(db());
    FAIL() << "opened a newer database";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST_F(SqliteStoreTest, UsernamesAndEmailsAreUniqueIgnoringCase) {
  SqliteStore s(db());
  auto first = s.create_user(user("Bea", "bea@example.org"));
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->is_admin);
  auto dup = s.create_user(user("bea"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, core::Errc::kConflict);
  // An address is claimed once confirmed: until then another account may give it too.
  ASSERT_TRUE(s.create_user(user("bea2", "BEA@example.org")));
  ASSERT_TRUE(s.set_email(first->id, std::string("bea@example.org"), true));
  auto dup_mail = s.create_user(user("bea3", "BEA@example.org"));
  ASSERT_FALSE(dup_mail);
  EXPECT_NE(dup_mail.error().message.find("e-mail"), std::string::npos);
  auto second = s.create_user(user("cid"));
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->is_admin);
}

TEST_F(SqliteStoreTest, EmailTokensAreSingleUseAndExpire) {
  SqliteStore s(db());
  auto u = s.create_user(user("dan", "dan@example.org"));
  s.create_email_token(EmailToken{"h1", u->id, "reset", "dan@example.org", 0, 100});
  EXPECT_FALSE(s.take_email_token("h1", "confirm", 50)) << "purpose must match";
  EXPECT_TRUE(s.take_email_token("h1", "reset", 50));
  EXPECT_FALSE(s.take_email_token("h1", "reset", 51)) << "used twice";
  s.create_email_token(EmailToken{"h2", u->id, "reset", "dan@example.org", 0, 100});
  EXPECT_FALSE(s.take_email_token("h2", "reset", 100)) << "expired";
}

TEST_F(SqliteStoreTest, SessionsBelongToTheirUser) {
  SqliteStore s(db());
  auto a = s.create_user(user("eve"));
  auto b = s.create_user(user("fay"));
  auto sa = s.create_session(Session{0, a->id, "ha", "", "", 1, 1, 100});
  s.create_session(Session{0, b->id, "hb", "", "", 1, 1, 100});
  EXPECT_FALSE(s.delete_session(b->id, sa.id));
  EXPECT_TRUE(s.find_session("ha"));
  EXPECT_TRUE(s.delete_session(a->id, sa.id));
  EXPECT_FALSE(s.find_session("ha"));
  EXPECT_EQ(s.list_sessions(b->id).size(), 1u);
}

}  // namespace
}  // namespace parley::store
