#include "store/postgres/pg.hpp"

#include <libpq-fe.h>

#include <cctype>
#include <charconv>

namespace parley::store::pg {

Result::Result(pg_result* r) : r_(r) {}
Result::Result(Result&& o) noexcept : r_(o.r_) {
  o.r_ = nullptr;
}
Result& Result::operator=(Result&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}
Result::~Result() {
  if (r_) PQclear(r_);
}
int Result::rows() const {
  return PQntuples(r_);
}
bool Result::null(int row, int col) const {
  return PQgetisnull(r_, row, col) != 0;
}
std::string Result::text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}
std::optional<std::string> Result::opt_text(int row, int col) const {
  if (null(row, col)) return std::nullopt;
  return text(row, col);
}
std::int64_t Result::i64(int row, int col) const {
  if (null(row, col)) return 0;
  const char* v = PQgetvalue(r_, row, col);
  std::int64_t out = 0;
  std::from_chars(v, v + PQgetlength(r_, row, col), out);
  return out;
}
bool Result::boolean(int row, int col) const {
  return !null(row, col) && PQgetvalue(r_, row, col)[0] == 't';
}
int Result::affected() const {
  const char* n = PQcmdTuples(r_);
  int out = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), out);
  return out;
}

Connection::Connection(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
  if (!c_ || PQstatus(c_) != CONNECTION_OK) {
    std::string why = c_ ? PQerrorMessage(c_) : "out of memory";
    if (c_) PQfinish(c_);
    c_ = nullptr;
    throw PgError("cannot connect to PostgreSQL: " + why, "08001");
  }
  PQsetNoticeProcessor(
      c_, [](void*, const char*) {}, nullptr);  // notices are not errors
}

Connection::~Connection() {
  if (c_) PQfinish(c_);
}

bool Connection::broken() const {
  return !c_ || PQstatus(c_) != CONNECTION_OK;
}

namespace {

// Whether `sql` begins with `word` (upper case), in any case.
bool starts(std::string_view sql, std::string_view word) {
  if (sql.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(sql[i])) != word[i]) return false;
  }
  return true;
}

// Statements worth preparing once per connection: the plain reads and writes the store repeats
// (DECLARE, SAVEPOINT and the like cannot be prepared).
bool preparable(std::string_view sql) {
  return starts(sql, "SELECT") || starts(sql, "INSERT") || starts(sql, "UPDATE") ||
         starts(sql, "DELETE") || starts(sql, "WITH");
}

// Statements that change nothing when run outside a transaction: a read, or the BEGIN of one.
bool harmless(std::string_view sql) {
  return starts(sql, "SELECT") || starts(sql, "BEGIN");
}

constexpr std::size_t kMaxPrepared = 512;  // distinct statements kept per connection

}  // namespace

// A connection PostgreSQL closed while it sat in the pool (a restart, a failover, an idle timeout
// on the way) shows it only when used. A statement that cannot have changed anything, a read or a
// BEGIN outside any transaction, runs again once on the connection made anew: a restart of
// PostgreSQL costs no request an error. Anything else fails, and its caller decides (the chat
// writer runs its batch again on a new connection).
Result Connection::exec(std::string_view sql, const std::vector<Param>& params) {
  const bool idle = PQtransactionStatus(c_) == PQTRANS_IDLE;
  try {
    return exec_once(sql, params);
  } catch (const PgError&) {
    if (!idle || PQstatus(c_) != CONNECTION_BAD || !harmless(sql)) throw;
  }
  prepared_.clear();  // the statements were the old session's
  PQreset(c_);
  if (PQstatus(c_) != CONNECTION_OK) {
    throw PgError("cannot connect to PostgreSQL again: " + std::string(PQerrorMessage(c_)),
                  "08001");
  }
  return exec_once(sql, params);
}

Result Connection::exec_once(std::string_view sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  std::string text(sql);
  pg_result* r = nullptr;
  if (params.empty()) {
    // The simple protocol: a migration is several statements in one text.
    r = PQexec(c_, text.c_str());
  } else if (auto it = prepared_.find(text); it != prepared_.end()) {
    r = PQexecPrepared(c_, it->second.c_str(), static_cast<int>(params.size()), values.data(),
                       nullptr, nullptr, 0);
  } else if (prepared_.size() < kMaxPrepared && preparable(text)) {
    // Parsed and analysed once per connection, not at every call.
    auto name = "p" + std::to_string(prepared_.size());
    pg_result* made =
        PQprepare(c_, name.c_str(), text.c_str(), static_cast<int>(params.size()), nullptr);
    if (PQresultStatus(made) == PGRES_COMMAND_OK) {
      PQclear(made);
      prepared_.emplace(text, name);
      r = PQexecPrepared(c_, name.c_str(), static_cast<int>(params.size()), values.data(), nullptr,
                         nullptr, 0);
    } else {
      r = made;  // its error is the statement's
    }
  } else {
    r = PQexecParams(c_, text.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                     nullptr, nullptr, 0);
  }
  auto status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const char* constraint = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : nullptr;
    PgError e(r ? PQresultErrorMessage(r) : PQerrorMessage(c_), state ? state : "",
              constraint ? constraint : "");
    if (r) PQclear(r);
    throw e;
  }
  return Result(r);
}

Transaction::Transaction(Connection& c, std::string_view begin) : c_(c) {
  c_.exec(begin);
}
Transaction::~Transaction() {
  if (!done_ && !c_.broken()) {
    try {
      c_.exec("ROLLBACK");
    } catch (...) {
      // The connection went: nothing to roll back.
    }
  }
}
void Transaction::commit() {
  c_.exec("COMMIT");
  done_ = true;
}

Pool::Pool(std::string conninfo, int size) : conninfo_(std::move(conninfo)), size_(size) {}

Pool::Lease Pool::take() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !free_.empty() || made_ < size_; });
  if (!free_.empty()) {
    auto c = std::move(free_.back());
    free_.pop_back();
    if (!c->broken()) return Lease(*this, std::move(c));
    --made_;  // a connection PostgreSQL dropped: a new one instead
  }
  ++made_;
  lock.unlock();
  try {
    return Lease(*this, std::make_unique<Connection>(conninfo_));
  } catch (...) {
    std::lock_guard again(mu_);
    --made_;
    cv_.notify_one();
    throw;
  }
}

void Pool::give_back(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mu_);
  if (c->broken()) {
    --made_;
  } else {
    free_.push_back(std::move(c));
  }
  cv_.notify_one();
}

Pool::Lease::~Lease() {
  if (c_) pool_.give_back(std::move(c_));
}

}  // namespace parley::store::pg
