// A thin RAII layer over libpq for the PostgreSQL store: a connection, statements with typed
// parameters (sent as text, `$1`...), results read by row and column, transactions, and a small
// pool. Blocking, like the SQLite layer: the store's callers run it on a worker pool.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/id.hpp"

struct pg_conn;
struct pg_result;

namespace parley::store::pg {

// A failed statement; `sqlstate` is PostgreSQL's code ("23505": a unique violation).
class PgError : public std::runtime_error {
 public:
  PgError(const std::string& what, std::string sqlstate, std::string constraint = {})
      : std::runtime_error(what),
        sqlstate_(std::move(sqlstate)),
        constraint_(std::move(constraint)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  const std::string& constraint() const { return constraint_; }  // which one was violated
  bool unique_violation() const { return sqlstate_ == "23505"; }

 private:
  std::string sqlstate_;
  std::string constraint_;
};

// One parameter as text (nullopt: NULL).
using Param = std::optional<std::string>;
inline Param param(std::int64_t v) {
  return std::to_string(v);
}
inline Param param(int v) {
  return std::to_string(v);
}
template <class Tag>
Param param(Id<Tag> v) {
  return std::to_string(v.value());
}
inline Param param(bool v) {
  return v ? "true" : "false";
}
inline Param param(std::string_view v) {
  return std::string(v);
}
inline Param param(const std::string& v) {
  return v;
}
inline Param param(const char* v) {
  return std::string(v);
}
inline Param param(const std::optional<std::string>& v) {
  return v;
}
inline Param param(std::nullopt_t) {
  return std::nullopt;
}

class Result {
 public:
  explicit Result(pg_result* r);
  Result(Result&&) noexcept;
  Result& operator=(Result&&) noexcept;
  ~Result();
  int rows() const;
  bool null(int row, int col) const;
  std::string text(int row, int col) const;
  std::optional<std::string> opt_text(int row, int col) const;
  std::int64_t i64(int row, int col) const;
  // An id column read as the kind of id it holds.
  template <class I>
  I id(int row, int col) const {
    return I{i64(row, col)};
  }
  bool boolean(int row, int col) const;
  int affected() const;  // rows changed by INSERT/UPDATE/DELETE

 private:
  pg_result* r_;
};

class Connection {
 public:
  // `conninfo`: a libpq connection string or postgres:// URL. Throws PgError when it cannot
  // connect.
  explicit Connection(const std::string& conninfo);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  Result exec(std::string_view sql, const std::vector<Param>& params = {});
  template <class... A>
  Result run(std::string_view sql, const A&... args) {
    return exec(sql, std::vector<Param>{param(args)...});
  }
  bool broken() const;

 private:
  Result exec_once(std::string_view sql, const std::vector<Param>& params);
  pg_conn* c_;
  std::unordered_map<std::string, std::string> prepared_;  // statement text -> its name
};

// BEGIN now; ROLLBACK unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Connection& c, std::string_view begin = "BEGIN");
  ~Transaction();
  void commit();

 private:
  Connection& c_;
  bool done_ = false;
};

// A few connections shared by the threads that call the store.
class Pool {
 public:
  Pool(std::string conninfo, int size);
  class Lease {
   public:
    Lease(Pool& p, std::unique_ptr<Connection> c) : pool_(p), c_(std::move(c)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Connection& operator*() { return *c_; }
    Connection* operator->() { return c_.get(); }

   private:
    Pool& pool_;
    std::unique_ptr<Connection> c_;
  };
  Lease take();

 private:
  friend class Lease;
  void give_back(std::unique_ptr<Connection> c);
  std::string conninfo_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> free_;  // under mu_
  int made_ = 0;                                   // under mu_
  int size_;
};

}  // namespace parley::store::pg
