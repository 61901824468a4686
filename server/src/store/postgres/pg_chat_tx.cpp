// The PostgreSQL store's chat writer: one thread and connection per node, group commit as in
// SQLite's (jobs queued together share a transaction, each in its own savepoint), and the ChatTx
// the jobs write through. Several nodes write to one database: a room's `seq` comes from
// `UPDATE rooms ... RETURNING last_seq`, whose row lock orders the room's writers until commit; a
// deadlock between two nodes' batches reruns the batch; a key another node wrote first (a client
// command id, a direct room) reruns the job, which then finds it.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <random>
#include <stdexcept>

#include "core/clock.hpp"
#include "store/postgres/pg_chat.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/pg_store_impl.hpp"

namespace parley::store {
namespace {

using pg::Connection;
using pg::param;
using pg::PgError;
using namespace pgchat;  // NOLINT(google-build-using-namespace): the store's own helpers

std::optional<UserBrief> user_brief(const pg::Result& r) {
  if (r.rows() == 0) return std::nullopt;
  return UserBrief{r.id<UserId>(0, 0), r.text(0, 1), r.text(0, 2), r.i64(0, 3), {}};
}

template <class I>
std::vector<I> ids_of(const pg::Result& r) {
  std::vector<I> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.id<I>(i, 0));
  return out;
}

pg::Param opt_int(std::optional<int> v) {
  if (!v) return std::nullopt;
  return std::to_string(*v);
}

class PgChatTx final : public ChatTx {
 public:
  explicit PgChatTx(Connection& c) : c_(c) {}

  std::optional<UserBrief> user(UserId id) override {
    return user_brief(
        c_.run("SELECT id, username, display_name, last_seen FROM users WHERE id = $1", id));
  }
  std::optional<UserBrief> user_by_name(const std::string& username) override {
    return user_brief(
        c_.run("SELECT id, username, display_name, last_seen FROM users WHERE username_key = $1",
               lower(username)));
  }
  bool is_server_admin(UserId id) override {
    auto r = c_.run("SELECT is_admin FROM users WHERE id = $1", id);
    return r.rows() > 0 && r.boolean(0, 0);
  }
  std::optional<Room> room(RoomId id) override { return room_of(c_, id); }
  std::optional<Membership> membership(RoomId room, UserId user) override {
    return membership_of(c_, room, user);
  }
  std::optional<Message> message(MessageId id) override { return message_of(c_, id); }
  std::optional<RoomId> direct_room(const std::string& key) override {
    auto r = c_.run("SELECT id FROM rooms WHERE direct_key = $1", key);
    if (r.rows() == 0) return std::nullopt;
    return r.id<RoomId>(0, 0);
  }
  std::vector<RoomSummary> rooms_of(UserId user) override { return rooms_of_user(c_, user); }
  std::vector<RoomId> room_ids_of(UserId user) override { return pgchat::room_ids_of(c_, user); }
  int member_count(RoomId room) override {
    return static_cast<int>(
        c_.run("SELECT coalesce((SELECT member_count FROM rooms WHERE id = $1), 0)", room)
            .i64(0, 0));
  }

  std::optional<CommandOutcome> find_command(UserId user, const std::string& cid) override {
    auto r = c_.run(
        "SELECT room_id, seq, message_id, group_id FROM client_commands WHERE user_id = $1 AND "
        "cid = $2",
        user, cid);
    if (r.rows() == 0) return std::nullopt;
    return CommandOutcome{r.id<RoomId>(0, 0), r.i64(0, 1), r.id<MessageId>(0, 2),
                          r.id<GroupId>(0, 3)};
  }
  // The same (user, cid) saved by another node meanwhile: a unique violation, and the job runs
  // again (run_job), finding it.
  void save_command(UserId user, const std::string& cid, const CommandOutcome& o) override {
    c_.run(
        "INSERT INTO client_commands (user_id, cid, room_id, seq, message_id, group_id, at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        user, cid, o.room, o.seq, o.message, o.group, now_hint_);
  }

  std::optional<Group> group(GroupId id) override {
    auto r = c_.run("SELECT id, name FROM groups WHERE id = $1", id);
    if (r.rows() == 0) return std::nullopt;
    return Group{r.id<GroupId>(0, 0), r.text(0, 1)};
  }
  std::optional<bool> group_role(GroupId group, UserId user) override {
    return group_role_of(c_, group, user);
  }
  GroupId create_group(const std::string& name, UserId creator, Millis at) override {
    return c_
        .run("INSERT INTO groups (name, created_by, created_at) VALUES ($1, $2, $3) RETURNING id",
             name, creator, at)
        .id<GroupId>(0, 0);
  }
  void add_group_member(GroupId group, UserId user, bool admin, Millis at) override {
    c_.run(
        "INSERT INTO group_members (group_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
        group, user, admin ? "admin" : "member", at);
  }
  void remove_group_member(GroupId group, UserId user) override {
    c_.run("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2", group, user);
  }
  std::vector<RoomId> group_rooms(GroupId group) override {
    return ids_of<RoomId>(c_.run("SELECT id FROM rooms WHERE group_id = $1 ORDER BY id", group));
  }
  std::vector<UserId> group_members(GroupId group) override {
    return ids_of<UserId>(
        c_.run("SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY user_id", group));
  }
  void delete_group(GroupId group) override {
    c_.run("DELETE FROM group_members WHERE group_id = $1", group);
    c_.run("DELETE FROM groups WHERE id = $1", group);
  }

  RoomId create_room(RoomKind kind, const std::string& name, const std::string& topic,
                     UserId creator, const std::optional<std::string>& direct_key, GroupId group,
                     Millis at) override {
    return c_
        .run(
            "INSERT INTO rooms (kind, name, name_key, topic, created_by, created_at, last_at, "
            "direct_key, group_id) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) RETURNING id",
            kind_name(kind), name, lower(name), topic, creator, at, direct_key, group)
        .id<RoomId>(0, 0);
  }
  void rename_room(RoomId id, const std::string& name, const std::string& topic) override {
    c_.run("UPDATE rooms SET name = $2, name_key = $3, topic = $4 WHERE id = $1", id, name,
           lower(name), topic);
  }
  void add_member(RoomId room, UserId user, bool admin, Millis at) override {
    c_.run(
        "INSERT INTO members (room_id, user_id, role, joined_at, muted_until) VALUES ($1, $2, $3, "
        "$4, coalesce((SELECT until FROM room_mutes WHERE room_id = $1 AND user_id = $2 AND until "
        "> $4), 0)) ON CONFLICT DO NOTHING",
        room, user, admin ? "admin" : "member", at);
  }
  void remove_member(RoomId room, UserId user) override {
    c_.run("DELETE FROM members WHERE room_id = $1 AND user_id = $2", room, user);
  }
  void set_muted_until(RoomId room, UserId user, Millis until) override {
    c_.run("UPDATE members SET muted_until = $3 WHERE room_id = $1 AND user_id = $2", room, user,
           until);
    // Kept apart from the membership, so leaving and joining again does not lift it.
    if (until) {
      c_.run(
          "INSERT INTO room_mutes (room_id, user_id, until) VALUES ($1, $2, $3) ON CONFLICT "
          "(room_id, user_id) DO UPDATE SET until = excluded.until",
          room, user, until);
    } else {
      c_.run("DELETE FROM room_mutes WHERE room_id = $1 AND user_id = $2", room, user);
    }
  }
  void set_pinned(MessageId id, Millis at) override {
    c_.run("UPDATE messages SET pinned_at = $2 WHERE id = $1", id, at);
  }
  int pinned_count(RoomId room) override {
    return static_cast<int>(
        c_.run("SELECT count(*) FROM messages WHERE room_id = $1 AND pinned_at <> 0", room)
            .i64(0, 0));
  }
  std::vector<UserId> room_members(RoomId room) override {
    return ids_of<UserId>(
        c_.run("SELECT user_id FROM members WHERE room_id = $1 ORDER BY user_id", room));
  }
  void delete_room(RoomId room) override {
    c_.run("UPDATE rooms SET deleted = 1 WHERE id = $1", room);
  }
  std::optional<RoomId> channel_named(const std::string& name) override {
    auto r = c_.run(
        "SELECT id FROM rooms WHERE kind = 'channel' AND group_id = 0 AND name_key = $1 AND "
        "deleted = 0 ORDER BY id LIMIT 1",
        lower(name));
    if (r.rows() == 0) return std::nullopt;
    return r.id<RoomId>(0, 0);
  }
  void set_member_admin(RoomId room, UserId user, bool admin) override {
    c_.run("UPDATE members SET role = $3 WHERE room_id = $1 AND user_id = $2", room, user,
           admin ? "admin" : "member");
  }
  void update_member(RoomId room, UserId user, const MemberSettings& m) override {
    auto flag = [](std::optional<bool> v) { return v ? std::optional<int>(*v) : std::nullopt; };
    c_.run(
        "UPDATE members SET notify = coalesce($3, notify), volume = coalesce($4, volume), muted "
        "= coalesce($5, muted), hidden = coalesce($6, hidden) WHERE room_id = $1 AND user_id = $2",
        room, user, opt_int(flag(m.notify)), opt_int(m.volume), opt_int(flag(m.muted)),
        opt_int(flag(m.hidden)));
  }
  Membership advance(RoomId room, UserId user, Seq delivered, Seq read) override {
    c_.run(
        "UPDATE members SET read_seq = GREATEST(read_seq, $4), delivered_seq = "
        "GREATEST(delivered_seq, $3, $4) WHERE room_id = $1 AND user_id = $2",
        room, user, delivered, read);
    return membership_of(c_, room, user).value_or(Membership{});
  }

  // The room's row lock, taken here, is held until COMMIT: writers of the room on other nodes
  // wait for it, then number their events after this one.
  void append(Event& e) override {
    now_hint_ = e.at;
    auto next = c_.run(
        "UPDATE rooms SET last_seq = last_seq + 1, last_at = GREATEST(last_at, $2) WHERE id = $1 "
        "RETURNING last_seq",
        e.room, e.at);
    if (next.rows() == 0) throw std::runtime_error("append to a room that does not exist");
    e.seq = next.i64(0, 0);
    auto [ref, flag, extra] = codec::columns_of(e);
    c_.run(
        "INSERT INTO events (room_id, seq, kind, user_id, at, message_id, text, ref, flag, "
        "extra) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        e.room, e.seq, static_cast<int>(e.kind), e.user, e.at, e.message, e.text, ref, flag, extra);
  }

  void post(Event& e) override {
    append(e);
    e.message = c_.run(
                      "INSERT INTO messages (room_id, seq, author, text, reply_to, created_at) "
                      "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                      e.room, e.seq, e.user, e.text, e.reply_to, e.at)
                    .id<MessageId>(0, 0);
    c_.run("UPDATE events SET message_id = $3 WHERE room_id = $1 AND seq = $2", e.room, e.seq,
           e.message);
    for (auto user : e.mentions) {
      c_.run("INSERT INTO mentions (message_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
             e.message, user);
    }
    if (e.reply_to) c_.run("UPDATE messages SET replies = replies + 1 WHERE id = $1", e.reply_to);
    for (std::size_t i = 0; i < e.files.size(); ++i) {
      c_.run("UPDATE files SET message_id = $2, position = $3 WHERE id = $1 AND message_id IS NULL",
             e.files[i].id, e.message, static_cast<int>(i));
    }
  }

  void show_room(RoomId id) override {
    c_.run("UPDATE members SET hidden = 0 WHERE room_id = $1 AND hidden <> 0", id);
  }
  void set_room_kind(RoomId id, RoomKind kind) override {
    c_.run("UPDATE rooms SET kind = $2 WHERE id = $1", id, kind_name(kind));
  }
  void set_room_group(RoomId id, GroupId group) override {
    c_.run("UPDATE rooms SET group_id = $2 WHERE id = $1", id, group);
  }

  std::vector<FileInfo> unattached_files(RoomId room, UserId uploader,
                                         const std::vector<FileId>& ids) override {
    std::vector<FileInfo> out;
    for (auto id : ids) {
      auto r = c_.run(fmt::format("SELECT {} FROM files f JOIN blobs b ON b.sha256 = f.blob WHERE "
                                  "f.id = $1 AND f.room_id = $2 AND f.uploader = $3 AND "
                                  "f.message_id IS NULL",
                                  kFileInfoColumns),
                      id, room, uploader);
      if (r.rows() > 0) out.push_back(read_file_info(r, 0));
    }
    return out;
  }

  void edit_message(MessageId id, const std::string& text, Millis at) override {
    c_.run(
        "INSERT INTO message_edits (message_id, at, text) SELECT id, coalesce(nullif(edited_at, "
        "0), created_at), text FROM messages WHERE id = $1",
        id);
    c_.run("UPDATE messages SET text = $2, edited_at = $3 WHERE id = $1", id, text, at);
  }

  void delete_message(MessageId id) override {
    for (auto sql : {"UPDATE messages SET text = '', deleted = 1, pinned_at = 0 WHERE id = $1",
                     "UPDATE events SET text = '', extra = '' WHERE message_id = $1",
                     "DELETE FROM message_edits WHERE message_id = $1",
                     "DELETE FROM reactions WHERE message_id = $1",
                     "DELETE FROM mentions WHERE message_id = $1"}) {
      c_.run(sql, id);
    }
  }

  bool toggle_reaction(MessageId id, UserId user, const std::string& emoji) override {
    if (c_.run("DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3", id,
               user, emoji)
            .affected() > 0) {
      return false;
    }
    c_.run("INSERT INTO reactions (message_id, user_id, emoji, at) VALUES ($1, $2, $3, $4)", id,
           user, emoji, now_hint_);
    return true;
  }

 private:
  Connection& c_;
  Millis now_hint_ = 0;  // the time of the latest appended event, for rows stamped with it
};

// What another node's concurrent transaction causes, and running again cures: a deadlock between
// two batches (each locked a room the other wants), a serialization failure.
bool rerun_batch(const PgError& e) {
  return e.sqlstate() == "40P01" || e.sqlstate() == "40001";
}

// Runs one job in its own savepoint; false when it failed (threw). Throws what ends the batch: a
// deadlock (the batch runs again) or a lost connection. A unique violation means another node
// committed the same key meanwhile (a client command id, a direct room's key): the job runs again
// from its savepoint and, in a new statement snapshot (READ COMMITTED), finds it.
bool run_job(Connection& c, ChatTx& chat, const Store::ChatJob& job) {
  constexpr int kTries = 3;
  for (int attempt = 1;; ++attempt) {
    c.exec("SAVEPOINT job");
    bool keep = false;
    try {
      keep = job(chat);
    } catch (const PgError& e) {
      if (rerun_batch(e) || c.broken()) throw;
      c.exec("ROLLBACK TO SAVEPOINT job");
      c.exec("RELEASE SAVEPOINT job");
      if (e.unique_violation() && attempt < kTries) continue;
      spdlog::error("chat write failed: {}", e.what());
      return false;
    } catch (const std::exception& e) {
      spdlog::error("chat write failed: {}", e.what());
      c.exec("ROLLBACK TO SAVEPOINT job");
      c.exec("RELEASE SAVEPOINT job");
      return false;
    }
    if (!keep) c.exec("ROLLBACK TO SAVEPOINT job");
    c.exec("RELEASE SAVEPOINT job");
    return true;
  }
}

enum class BatchEnd { kCommitted, kRunAgain, kFailed };

// One attempt at a batch: every job in the transaction, then COMMIT with `publish` locked. A
// batch that did not reach COMMIT left nothing behind, so it may run again; one whose COMMIT got
// no answer (the connection went) may have committed, so it fails (a client resends under the
// same cid, which finds it).
BatchEnd run_batch(PgChatWriter& w, std::deque<PgChatWriter::Job>& batch, std::vector<char>& failed,
                   std::unique_lock<std::mutex>& publish) {
  bool commit_sent = false;
  try {
    if (!w.connection || w.connection->broken()) {
      w.connection.reset();
      w.connection = std::make_unique<Connection>(w.conninfo);
    }
    Connection& c = *w.connection;
    pg::Transaction tx(c);
    PgChatTx chat(c);
    for (std::size_t i = 0; i < batch.size(); ++i) failed[i] = !run_job(c, chat, batch[i].job);
    publish.lock();
    commit_sent = true;
    tx.commit();
    return BatchEnd::kCommitted;
  } catch (const PgError& e) {
    if (publish.owns_lock()) publish.unlock();
    if (rerun_batch(e)) {
      spdlog::info("chat transaction of {} commands meets another node's: again ({})", batch.size(),
                   e.sqlstate());
      return BatchEnd::kRunAgain;
    }
    bool lost = !w.connection || w.connection->broken();
    spdlog::error("chat transaction of {} commands failed{}: {}", batch.size(),
                  lost ? " (connection lost)" : "", e.what());
    return lost && !commit_sent ? BatchEnd::kRunAgain : BatchEnd::kFailed;
  } catch (const std::exception& e) {
    if (publish.owns_lock()) publish.unlock();
    spdlog::error("chat transaction of {} commands failed: {}", batch.size(), e.what());
    return BatchEnd::kFailed;
  }
}

}  // namespace

void PgChatWriter::run() {
  // Client command ids are kept a week: a client resends unacked commands when it reconnects,
  // not weeks later. Swept every ten minutes.
  constexpr auto kSweepEvery = std::chrono::minutes(10);
  constexpr Millis kKeepCommands = 7LL * 24 * 3600 * 1000;
  constexpr int kAttempts = 5;
  auto next_sweep = std::chrono::steady_clock::now() + kSweepEvery;
  std::minstd_rand random(std::random_device{}());
  for (;;) {
    std::deque<Job> batch;
    {
      std::unique_lock lock(jobs_mu);
      jobs_cv.wait(lock, [&] { return stopping || !jobs.empty(); });
      if (jobs.empty()) return;
      batch.swap(jobs);
    }
    std::vector<char> failed(batch.size(), 0);
    std::unique_lock publish(publish_mu, std::defer_lock);
    bool committed = false;
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
      auto end = run_batch(*this, batch, failed, publish);
      committed = end == BatchEnd::kCommitted;
      if (end != BatchEnd::kRunAgain) break;
      if (!connection || connection->broken()) {
        // PostgreSQL is away (restarting, failing over): a moment before connecting again.
        std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
      } else {
        // A deadlock: the other batch goes on first. Run at once, this one could take the first
        // row again before the other has woken up, and deadlock with it once more.
        std::uniform_int_distribution<int> ms(1, 10 * attempt);
        std::this_thread::sleep_for(std::chrono::milliseconds(ms(random)));
      }
    }
    if (!publish.owns_lock()) publish.lock();
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(committed && !failed[i]);
    publish.unlock();
    if (std::chrono::steady_clock::now() >= next_sweep && connection && !connection->broken()) {
      next_sweep = std::chrono::steady_clock::now() + kSweepEvery;
      try {
        connection->run("DELETE FROM client_commands WHERE at < $1",
                        core::now_ms() - kKeepCommands);
      } catch (const std::exception& e) {
        spdlog::error("sweeping client command ids failed: {}", e.what());
      }
    }
  }
}

PgChatWriter::~PgChatWriter() {
  stop_pg_chat_writer(*this);
}

std::shared_ptr<PgChatWriter> start_pg_chat_writer(const std::string& conninfo) {
  auto w = std::make_shared<PgChatWriter>(conninfo);
  w->connection = std::make_unique<Connection>(conninfo);
  w->thread = std::thread([raw = w.get()] { raw->run(); });
  return w;
}

// Runs the queued jobs, then ends the writer thread. Idempotent.
void stop_pg_chat_writer(PgChatWriter& w) {
  {
    std::lock_guard lock(w.jobs_mu);
    w.stopping = true;
  }
  w.jobs_cv.notify_all();
  if (w.thread.joinable()) w.thread.join();
}

void PgStore::stop_chat_writer() {
  if (impl_->writer) stop_pg_chat_writer(*impl_->writer);
}

void PgStore::write_chat(ChatJob job, std::function<void(bool committed)> done) {
  auto& w = *impl_->writer;
  {
    std::lock_guard lock(w.jobs_mu);
    w.jobs.push_back(PgChatWriter::Job{std::move(job), std::move(done)});
  }
  w.jobs_cv.notify_one();
}

}  // namespace parley::store
