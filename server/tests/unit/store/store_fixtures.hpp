// The whole Store on each backend, for the suites shared by SQLite and PostgreSQL
// (admin_store_test.cpp, files_store_test.cpp): SQLite in a temporary file, PostgreSQL on a real
// server started for the test. `sql()` runs a statement on the same database beside the store,
// for the chat rows (rooms, messages, members) those suites need but do not test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

#include "postgres_server.hpp"
#include "store/postgres/pg.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"
#include "test_ids.hpp"

namespace parley::store::testing {

struct SqliteStoreFixture {
  parley::testing::TempDir dir{"store"};
  SqliteStore store{dir.path() / "parley.db"};
  sqlite::Connection side{(dir.path() / "parley.db").string()};

  // The first column of the first row (0 when none).
  std::int64_t sql(const std::string& statement) {
    sqlite::Stmt s(side, statement);
    if (!s.step()) return 0;  // done: stepping again would run it again
    std::int64_t out = s.i64(0);
    s.run();
    return out;
  }
};

struct PgStoreFixture {
  parley::testing::PostgresServer server;
  std::string url = server.database("parley");
  PgStore store{url};
  pg::Connection side{url};

  std::int64_t sql(const std::string& statement) {
    auto r = side.exec(statement);
    return r.rows() > 0 ? r.i64(0, 0) : 0;
  }
};

using BothStores = ::testing::Types<SqliteStoreFixture, PgStoreFixture>;

class BothStoreNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteStoreFixture> ? "SQLite" : "PostgreSQL";
  }
};

// A typed test's base: the store, `sql()`, and accounts and chat rows made the same way on both.
template <class F>
class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<F> f = std::make_unique<F>();
  Store& s() { return f->store; }
  std::int64_t sql(const std::string& statement) { return f->sql(statement); }

  User add_user(const std::string& name, std::optional<std::string> email = std::nullopt,
                bool guest = false) {
    auto u = s().create_user(NewUser{name, std::move(email), "$argon2id$x", name, guest, 1000});
    EXPECT_TRUE(u) << (u ? "" : u.error().message);
    return u ? *u : User{};
  }
  RoomId add_room(const std::string& kind, const std::string& name, UserId by,
                  GroupId group = GroupId{}) {
    return RoomId{
        sql("INSERT INTO rooms (kind, name, name_key, created_by, created_at, group_id) VALUES "
            "('" +
            kind + "', '" + name + "', lower('" + name + "'), " + std::to_string(by.value()) +
            ", 1000, " + std::to_string(group.value()) + ") RETURNING id")};
  }
  void add_member(RoomId room, UserId user, const std::string& role = "member") {
    sql("INSERT INTO members (room_id, user_id, role, joined_at) VALUES (" +
        std::to_string(room.value()) + ", " + std::to_string(user.value()) + ", '" + role +
        "', 1000)");
  }
  MessageId add_message(RoomId room, UserId author, const std::string& text, Millis at = 1000) {
    auto seq = sql("UPDATE rooms SET last_seq = last_seq + 1, last_at = " + std::to_string(at) +
                   " WHERE id = " + std::to_string(room.value()) + " RETURNING last_seq");
    return MessageId{sql("INSERT INTO messages (room_id, seq, author, text, created_at) VALUES (" +
                         std::to_string(room.value()) + ", " + std::to_string(seq) + ", " +
                         std::to_string(author.value()) + ", '" + text + "', " +
                         std::to_string(at) + ") RETURNING id")};
  }
};

}  // namespace parley::store::testing
