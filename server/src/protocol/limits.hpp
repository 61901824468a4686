// What this server takes, as `hello` tells it: the client sizes its composer, its frames and its
// uploads by it (docs/protocol.md `hello`).
#pragma once

#include <cstddef>

namespace parley::protocol {

struct Limits {
  std::size_t message_bytes = 16 * 1024;  // a message's text (--message-max-bytes)
  std::size_t frame_bytes = 64 * 1024;    // one WebSocket message (--ws-max-message-bytes)
  std::size_t upload_bytes = std::size_t{100} << 20;  // one file (--upload-max-bytes)
};

}  // namespace parley::protocol
