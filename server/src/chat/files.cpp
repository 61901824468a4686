#include "chat/files.hpp"

#include <fmt/format.h>

namespace parley::chat {
namespace {

std::string human_bytes(std::int64_t n) {
  if (n >= (1LL << 30) && n % (1LL << 30) == 0) return fmt::format("{} GiB", n >> 30);
  if (n >= (1LL << 20)) return fmt::format("{:.0f} MiB", static_cast<double>(n) / (1 << 20));
  if (n >= 1024) return fmt::format("{:.0f} KiB", static_cast<double>(n) / 1024);
  return fmt::format("{} bytes", n);
}

}  // namespace

using core::Errc;
using core::make_error;

FileRules::FileRules(store::Store& store, FileOptions options, core::Clock clock)
    : store_(store), options_(options), clock_(std::move(clock)) {}

core::Result<store::Upload> FileRules::begin_upload(UserId user, RoomId room, const std::string& id,
                                                    const std::string& name, std::int64_t size,
                                                    const std::string& declared_type) {
  if (size < 0) return make_error(Errc::kInvalid, "The size must be a number of bytes", "size");
  if (size > options_.max_bytes) {
    return make_error(Errc::kTooLarge,
                      "Files are at most " + human_bytes(options_.max_bytes) + " here", "size");
  }
  auto r = store_.room(room);
  if (!r || !store_.membership(room, user)) {
    return make_error(Errc::kNotFound, "No such room of yours", "room");
  }
  if (store_.pending_uploads(user) >= options_.max_pending) {
    return make_error(Errc::kRateLimited,
                      "Too many unfinished uploads: finish or cancel some first");
  }
  if (options_.quota_bytes > 0 && store_.stored_bytes(user) + size > options_.quota_bytes) {
    return make_error(Errc::kTooLarge,
                      "You have used your " + human_bytes(options_.quota_bytes) +
                          " of file storage: delete some files first",
                      "quota");
  }
  auto now = clock_();
  store::Upload u{id, user, room, name, size, now, now, 0, declared_type};
  store_.create_upload(u);
  return u;
}

core::Result<store::Upload> FileRules::own_upload(UserId user, const std::string& id) {
  auto u = store_.find_upload(id);
  if (!u || u->user != user) return make_error(Errc::kNotFound, "No such upload");
  return *u;
}

std::optional<store::FileInfo> FileRules::finished(const store::Upload& upload) {
  if (!upload.file) return std::nullopt;
  auto f = store_.find_file(upload.file);
  if (!f || f->message_deleted) return std::nullopt;
  return f->info;
}

core::Result<store::StoredFile> FileRules::readable_file(UserId user, store::FileId id) {
  auto f = store_.find_file(id);
  if (!f || f->message_deleted) return make_error(Errc::kNotFound, "No such file");
  if (f->uploader == user) return *f;
  if (!store_.membership(f->room, user)) return make_error(Errc::kNotFound, "No such file");
  // A member sees files once they are in a message; before that only the uploader does.
  if (!f->message) return make_error(Errc::kNotFound, "No such file");
  return *f;
}

store::FileInfo FileRules::complete(const store::Upload& upload, const store::Blob& blob) {
  return store_.add_file(blob, upload, clock_());
}

std::optional<store::Blob> FileRules::known_blob(const std::string& sha256) {
  return store_.find_blob(sha256);
}

void FileRules::touch(const std::string& upload_id) {
  store_.touch_upload(upload_id, clock_());
}

void FileRules::cancel(const std::string& upload_id) {
  store_.delete_upload(upload_id);
}

std::vector<store::Upload> FileRules::take_stale_uploads() {
  auto stale = store_.stale_uploads(clock_() - options_.unattached_ms);
  for (const auto& u : stale) store_.delete_upload(u.id);
  return stale;
}

std::vector<std::string> FileRules::sweep() {
  return store_.sweep_files(clock_() - options_.unattached_ms);
}

}  // namespace parley::chat
