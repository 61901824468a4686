// Internal to store/sqlite: the state of a SqliteStore (the writer connection, the readers, the
// group-commit queue), shared by the account and chat halves of the implementation.
#pragma once

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/chat_codec.hpp"
#include "store/sql_text.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace parley::store {

using sqlite::Connection;
using sqlite::DbError;
using sqlite::Stmt;
using sqlite::Transaction;

inline constexpr std::string_view kUserColumns =
    "id, username, email, email_confirmed, password_hash, display_name, about, avatar, is_admin, "
    "is_guest, settings, created_at, deactivated, last_seen";

inline User read_user(const Stmt& s) {
  User u;
  u.id = s.id<UserId>(0);
  u.username = s.text(1);
  u.email = s.opt_text(2);
  u.email_confirmed = s.i64(3) != 0;
  u.password_hash = s.text(4);
  u.display_name = s.text(5);
  u.about = s.text(6);
  u.avatar = s.text(7);
  u.is_admin = s.i64(8) != 0;
  u.is_guest = s.i64(9) != 0;
  u.settings = s.text(10);
  u.created_at = s.i64(11);
  u.deactivated = s.i64(12) != 0;
  u.last_seen = s.i64(13);
  return u;
}

// The columns of a file as messages show it (files f JOIN blobs b), read by read_file_info.
inline constexpr std::string_view kFileInfoColumns =
    "f.id, f.name, b.size, b.type, b.kind, b.width, b.height, b.animated, b.thumb, b.preview";

inline FileInfo read_file_info(const Stmt& s, int first = 0) {
  FileInfo f;
  f.id = s.i64(first);
  f.name = s.text(first + 1);
  f.size = s.i64(first + 2);
  f.type = s.text(first + 3);
  f.kind = s.text(first + 4);
  f.width = static_cast<int>(s.i64(first + 5));
  f.height = static_cast<int>(s.i64(first + 6));
  f.animated = s.i64(first + 7) != 0;
  f.thumb = s.i64(first + 8) != 0;
  f.preview = s.i64(first + 9) != 0;
  return f;
}

struct SqliteStore::Impl {
  explicit Impl(const std::string& path, int readers) : writer(path) {
    writer.exec("PRAGMA journal_mode = WAL");
    configure(writer);
    migrate();
    for (int i = 0; i < readers; ++i) {
      auto& r = pool.emplace_back(std::make_unique<Connection>(path));
      configure(*r);
      free.push_back(r.get());
    }
    group_writer = std::thread([this] { run_chat_writer(); });
  }

  ~Impl() { stop_chat_writer(); }

  // Runs the queued jobs, then ends the writer thread. Idempotent.
  void stop_chat_writer() {
    {
      std::lock_guard lock(jobs_mu);
      stopping = true;
    }
    jobs_cv.notify_all();
    if (group_writer.joinable()) group_writer.join();
  }

  static void configure(Connection& c) {
    c.exec("PRAGMA foreign_keys = ON");
    // FULL: a commit is on disk before the caller is told it happened (acks follow commits).
    c.exec("PRAGMA synchronous = FULL");
  }

  // Group commit: whatever jobs queued while the last transaction was being written go into the
  // next one together, so one fsync serves them all. Defined in chat_store.cpp.
  void run_chat_writer();
  struct Job {
    Store::ChatJob job;
    std::function<void(bool)> done;
  };
  // Held by the chat writer from a batch's COMMIT until its last `done` has run: a reader that
  // takes it sees the database between two batches, with every committed event handed on.
  std::mutex publish_mu;
  std::mutex jobs_mu;
  std::condition_variable jobs_cv;
  std::deque<Job> jobs;
  bool stopping = false;
  std::thread group_writer;

  void migrate() {
    const auto& all = sqlite::migrations();
    const int known = all.empty() ? 0 : all.back().version;
    int current = version();
    if (current > known) {
      throw std::runtime_error(
          fmt::format("the database has schema version {}, newer than the {} this parley knows: it "
                      "was written by a "
                      "newer release; run that release (or newer) instead",
                      current, known));
    }
    for (const auto& m : all) {
      if (m.version <= current) continue;
      Transaction tx(writer);
      writer.exec(m.sql);
      writer.exec(fmt::format("PRAGMA user_version = {}", m.version));
      tx.commit();
    }
  }

  int version() {
    Stmt s(writer, "PRAGMA user_version");
    s.step();
    return static_cast<int>(s.i64(0));
  }

  // Runs `fn` with the writer connection, serialized.
  template <class F>
  auto write(F&& fn) {
    std::lock_guard lock(writer_mu);
    return fn(writer);
  }

  // Runs `fn` with a reader connection from the pool.
  template <class F>
  auto read(F&& fn) {
    Connection* c = nullptr;
    {
      std::unique_lock lock(pool_mu);
      pool_cv.wait(lock, [&] { return !free.empty(); });
      c = free.back();
      free.pop_back();
    }
    struct Return {
      Impl* self;
      Connection* c;
      ~Return() {
        {
          std::lock_guard lock(self->pool_mu);
          self->free.push_back(c);
        }
        self->pool_cv.notify_one();
      }
    } give_back{this, c};
    return fn(*c);
  }

  Connection writer;
  std::mutex writer_mu;
  std::vector<std::unique_ptr<Connection>> pool;
  std::vector<Connection*> free;
  std::mutex pool_mu;
  std::condition_variable pool_cv;
};

}  // namespace parley::store
