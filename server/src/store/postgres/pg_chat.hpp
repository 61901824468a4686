// Internal to store/postgres: what the chat writer (pg_chat_tx.cpp), the chat reads
// (pg_chat_store.cpp) and search (pg_search.cpp) share: the writer's state and the row readers.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/chat_codec.hpp"
#include "store/postgres/pg.hpp"
#include "store/postgres/pg_rows.hpp"
#include "store/store.hpp"

namespace parley::store {

// One node's chat writer: a thread, its own connection, and the jobs queued for it.
struct PgChatWriter {
  explicit PgChatWriter(std::string conninfo) : conninfo(std::move(conninfo)) {}
  ~PgChatWriter();
  struct Job {
    Store::ChatJob job;
    std::function<void(bool)> done;
  };
  void run();  // the thread's loop (pg_chat_tx.cpp)

  std::string conninfo;
  std::unique_ptr<pg::Connection> connection;  // the writer thread's only
  // Held from a batch's COMMIT until its last `done` has run: a reader that takes its snapshot
  // under it sees this node's commits with every one of their events handed on.
  std::mutex publish_mu;
  std::mutex jobs_mu;
  std::condition_variable jobs_cv;
  std::deque<Job> jobs;   // under jobs_mu
  bool stopping = false;  // under jobs_mu
  std::thread thread;
};

namespace pgchat {

using codec::kind_name;
using codec::kind_of;

std::optional<Room> room_of(pg::Connection& c, RoomId id);
std::optional<bool> group_role_of(pg::Connection& c, GroupId group, UserId user);
std::optional<Membership> membership_of(pg::Connection& c, RoomId room, UserId user);
std::optional<Message> message_of(pg::Connection& c, MessageId id);
std::vector<RoomId> room_ids_of(pg::Connection& c, UserId user);
std::vector<RoomSummary> rooms_of_user(pg::Connection& c, UserId user);

using pg::kFileInfoColumns;  // pg_rows.hpp
using pg::read_file_info;

// Events (with their messages' current state, reactions and files): `tail` follows
// "SELECT ... FROM events e JOIN ..." and uses `params` as $1, $2...
std::vector<Event> query_events(pg::Connection& c, std::string_view tail,
                                const std::vector<pg::Param>& params);

}  // namespace pgchat
}  // namespace parley::store
