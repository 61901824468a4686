// Internal to store/postgres: the state of a PgStore, shared by its parts (pg_store.cpp: accounts
// and the whole; pg_chat_tx.cpp: the chat writer; pg_chat_store.cpp and pg_search.cpp: chat's
// reads; pg_admin_store.cpp; pg_files_store.cpp).
#pragma once

#include <memory>
#include <string>

#include "store/postgres/pg.hpp"
#include "store/postgres/pg_store.hpp"

namespace parley::store {

// The chat writer: one thread and connection per node, group commit (pg_chat.hpp, pg_chat_tx.cpp).
struct PgChatWriter;
std::shared_ptr<PgChatWriter> start_pg_chat_writer(const std::string& conninfo);
void stop_pg_chat_writer(PgChatWriter& writer);

struct PgStore::Impl {
  Impl(const std::string& conninfo, int readers)
      : accounts(conninfo, 2), pool(conninfo, readers), writer(start_pg_chat_writer(conninfo)) {}
  PgAccountStore accounts;  // made first: it applies the migrations
  pg::Pool pool;            // readers, and the writes that are not chat's
  std::shared_ptr<PgChatWriter> writer;
};

}  // namespace parley::store
