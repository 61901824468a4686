// The PostgreSQL store's files: uploads, blobs and the files messages hold.
#include <stdexcept>

// Not built yet: the stubs name no parameters. (Remove with the last stub.)
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "store/postgres/pg_store.hpp"
#include "store/postgres/pg_store_impl.hpp"

namespace parley::store {

void PgStore::create_upload(const Upload& upload) {
  throw std::logic_error("PgStore::create_upload: not built yet");
}

std::optional<Upload> PgStore::find_upload(const std::string& id) {
  throw std::logic_error("PgStore::find_upload: not built yet");
}

void PgStore::touch_upload(const std::string& id, Millis at) {
  throw std::logic_error("PgStore::touch_upload: not built yet");
}

void PgStore::delete_upload(const std::string& id) {
  throw std::logic_error("PgStore::delete_upload: not built yet");
}

std::vector<Upload> PgStore::stale_uploads(Millis before) {
  throw std::logic_error("PgStore::stale_uploads: not built yet");
}

std::int64_t PgStore::stored_bytes(UserId user) {
  throw std::logic_error("PgStore::stored_bytes: not built yet");
}

int PgStore::pending_uploads(UserId user) {
  throw std::logic_error("PgStore::pending_uploads: not built yet");
}

std::optional<Blob> PgStore::find_blob(const std::string& sha256) {
  throw std::logic_error("PgStore::find_blob: not built yet");
}

FileInfo PgStore::add_file(const Blob& blob, const Upload& upload, Millis at) {
  throw std::logic_error("PgStore::add_file: not built yet");
}

std::optional<StoredFile> PgStore::find_file(FileId id) {
  throw std::logic_error("PgStore::find_file: not built yet");
}

std::vector<std::string> PgStore::sweep_files(Millis unattached_before) {
  throw std::logic_error("PgStore::sweep_files: not built yet");
}

}  // namespace parley::store
