// FileRules: who may upload to a room and download a file, and the limits on uploads. Blocking
// store calls: run them on a worker pool. The bytes are media/'s, the HTTP api/'s.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace parley::chat {

struct FileOptions {
  std::int64_t max_bytes = 100LL << 20;             // one file
  std::int64_t quota_bytes = 10LL << 30;            // everything one user keeps (0: no quota)
  core::Millis unattached_ms = 24LL * 3600 * 1000;  // an upload no message took is kept this long
  int max_pending = 50;                             // unfinished uploads one user may have at once
};

class FileRules {
 public:
  FileRules(store::Store& store, FileOptions options, core::Clock clock = core::system_clock());

  const FileOptions& options() const { return options_; }

  // Starts an upload of `size` bytes named `name` (already cleaned) to `room`, where the user must
  // be a member. kTooLarge with field "size" over the file limit, field "quota" over the quota.
  core::Result<store::Upload> begin_upload(UserId user, RoomId room, const std::string& id,
                                           const std::string& name, std::int64_t size,
                                           const std::string& declared_type = "");
  // The file a finished upload became (nullopt while unfinished or when that file is gone).
  std::optional<store::FileInfo> finished(const store::Upload& upload);
  // The user's own upload (finished ones are kept a day), or kNotFound.
  core::Result<store::Upload> own_upload(UserId user, const std::string& id);
  // A file the user may download: they uploaded it, or they are a member of its room and its
  // message (if any) is not deleted. Anything else is kNotFound, exactly like a missing file.
  core::Result<store::StoredFile> readable_file(UserId user, store::FileId id);

  // Records a finished upload as a file of `blob` (the upload row goes).
  store::FileInfo complete(const store::Upload& upload, const store::Blob& blob);
  // Content stored already (an upload of the same bytes is then not processed again).
  std::optional<store::Blob> known_blob(const std::string& sha256);
  void touch(const std::string& upload_id);
  void cancel(const std::string& upload_id);
  // Uploads that stopped moving more than `unattached_ms` ago (their rows are removed).
  std::vector<store::Upload> take_stale_uploads();
  // Forgets unattached and deleted files; returns the blobs whose bytes may go.
  std::vector<std::string> sweep();

 private:
  store::Store& store_;
  FileOptions options_;
  core::Clock clock_;
};

}  // namespace parley::chat
