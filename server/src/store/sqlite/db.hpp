// A thin RAII layer over the sqlite3 C API: a connection, prepared statements with typed binds and
// columns, and errors as exceptions carrying SQLite's message (turned into Results by the store).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/id.hpp"

namespace parley::store::sqlite {

class DbError : public std::runtime_error {
 public:
  DbError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  bool constraint() const { return (code_ & 0xff) == SQLITE_CONSTRAINT; }

 private:
  int code_;
};

class Connection {
 public:
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(std::string_view sql);
  sqlite3* get() { return db_; }
  std::int64_t last_insert_id() { return sqlite3_last_insert_rowid(db_); }
  int changes() { return sqlite3_changes(db_); }

  // Prepared statements are kept per SQL text: preparing costs more than running a small one.
  // Returns nullptr when the cached one is in use (a nested use prepares its own).
  struct Cached {
    sqlite3_stmt* st = nullptr;
    bool in_use = false;
  };
  Cached* take_cached(std::string_view sql);

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, Cached> cache_;
};

class Stmt {
 public:
  Stmt(Connection& db, std::string_view sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::optional<std::string>& v);
  Stmt& bind_null(int i);
  Stmt& bind(int i, bool v) { return bind(i, std::int64_t{v}); }
  Stmt& bind(int i, int v) { return bind(i, std::int64_t{v}); }
  template <class Tag>
  Stmt& bind(int i, Id<Tag> v) {
    return bind(i, v.value());
  }
  bool step();  // true while a row is available
  void run() {
    while (step()) {
    }
  }

  std::int64_t i64(int col) const { return sqlite3_column_int64(st_, col); }
  // An id column read as the kind of id it holds.
  template <class I>
  I id(int col) const {
    return I{i64(col)};
  }
  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;

 private:
  Connection& db_;
  sqlite3_stmt* st_ = nullptr;
  Connection::Cached* cached_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed.
class Transaction {
 public:
  explicit Transaction(Connection& db);
  ~Transaction();
  void commit();

 private:
  Connection& db_;
  bool done_ = false;
};

}  // namespace parley::store::sqlite
