// The PostgreSQL store's chat: the writer (group commit, ChatTx), reads and search.
#include <stdexcept>

// Not built yet: the stubs name no parameters. (Remove with the last stub.)
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "store/postgres/pg_store.hpp"
#include "store/postgres/pg_store_impl.hpp"

namespace parley::store {

struct PgChatWriter {};

std::shared_ptr<PgChatWriter> start_pg_chat_writer(const std::string& conninfo) {
  return std::make_shared<PgChatWriter>();
}

void stop_pg_chat_writer(PgChatWriter& writer) {}

void PgStore::stop_chat_writer() {
  if (impl_->writer) stop_pg_chat_writer(*impl_->writer);
}

void PgStore::write_chat(ChatJob job, std::function<void(bool committed)> done) {
  throw std::logic_error("PgStore::write_chat: not built yet");
}

std::vector<RoomSummary> PgStore::rooms_at_mark(
    UserId user, const std::function<void(const std::vector<RoomId>&)>& mark) {
  throw std::logic_error("PgStore::rooms_at_mark: not built yet");
}

std::optional<Room> PgStore::room(RoomId id) {
  throw std::logic_error("PgStore::room: not built yet");
}

std::optional<Membership> PgStore::membership(RoomId room, UserId user) {
  throw std::logic_error("PgStore::membership: not built yet");
}

std::optional<Message> PgStore::message(MessageId id) {
  throw std::logic_error("PgStore::message: not built yet");
}

std::vector<RoomSummary> PgStore::rooms_of(UserId user) {
  throw std::logic_error("PgStore::rooms_of: not built yet");
}

std::vector<Event> PgStore::history(RoomId room, Seq before, int limit,
                                    const std::vector<EventKind>& skip) {
  throw std::logic_error("PgStore::history: not built yet");
}

std::vector<Event> PgStore::events_after(RoomId room, Seq after, int limit) {
  throw std::logic_error("PgStore::events_after: not built yet");
}

std::vector<Event> PgStore::thread(MessageId parent, Seq before, int limit) {
  throw std::logic_error("PgStore::thread: not built yet");
}

std::vector<Edit> PgStore::edits(MessageId id) {
  throw std::logic_error("PgStore::edits: not built yet");
}

std::vector<Event> PgStore::pins(RoomId room, int limit) {
  throw std::logic_error("PgStore::pins: not built yet");
}

SearchHits PgStore::search(const SearchQuery& query) {
  throw std::logic_error("PgStore::search: not built yet");
}

std::vector<MemberInfo> PgStore::members(RoomId room) {
  throw std::logic_error("PgStore::members: not built yet");
}

std::vector<DirectoryEntry> PgStore::directory(UserId viewer, const std::string& query, int limit) {
  throw std::logic_error("PgStore::directory: not built yet");
}

std::vector<UserBrief> PgStore::find_users(UserId viewer, const std::string& prefix, int limit) {
  throw std::logic_error("PgStore::find_users: not built yet");
}

std::optional<bool> PgStore::group_role(GroupId group, UserId user) {
  throw std::logic_error("PgStore::group_role: not built yet");
}

std::vector<GroupSummary> PgStore::groups_of(UserId user) {
  throw std::logic_error("PgStore::groups_of: not built yet");
}

Millis PgStore::set_last_seen(UserId user, Millis at) {
  throw std::logic_error("PgStore::set_last_seen: not built yet");
}

}  // namespace parley::store
