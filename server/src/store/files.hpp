// What the store keeps about uploaded files: uploads still arriving, content-addressed blobs and
// the files people shared from them. The bytes themselves are media/'s business.
#pragma once

#include <cstdint>
#include <string>

#include "store/chat.hpp"

namespace parley::store {

struct Upload {
  std::string id;  // random token
  UserId user{};
  RoomId room{};
  std::string name;
  std::int64_t size = 0;  // announced; the bytes on disk say how far it got
  Millis created_at = 0;
  Millis touched_at = 0;
  FileId file = 0;   // set once finished: the file it became
  std::string type;  // the browser's type: picks audio or video in a shared container, no more
};

// What processing found out about some content; keyed by the SHA-256 of the uploaded bytes.
struct Blob {
  std::string sha256;
  std::int64_t size = 0;
  std::string type;
  std::string kind;
  int width = 0;
  int height = 0;
  bool animated = false;
  bool thumb = false;
  bool preview = false;
};

struct StoredFile {
  FileInfo info;
  std::string sha256;
  UserId uploader{};
  RoomId room{};
  MessageId message{};  // 0 while no message holds it
  bool message_deleted = false;
  Millis created_at = 0;
};

}  // namespace parley::store
