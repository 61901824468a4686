// RFC 6455 framing once the handshake (Beast's) is done: the headers of the server's unmasked
// frames, and an incremental parser of the client's masked ones. Owning the framing lets a socket
// send every frame queued for it in one gather-write; Beast writes one message per call, and a
// system call per frame per member is what limits a room's fan-out (docs/benchmarks.md).
// No I/O here: the session feeds bytes in and acts on what comes out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace parley::net::ws {

enum Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xa,
};

inline constexpr std::size_t kMaxHeaderBytes = 10;
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseNoStatus = 1005;  // a close frame without a code
inline constexpr std::uint16_t kCloseMessageTooBig = 1009;

// Writes the header of a final, unmasked frame into `out` (at least kMaxHeaderBytes); returns
// its length.
std::size_t write_header(std::uint8_t opcode, std::uint64_t payload_size, std::uint8_t* out);

// The payload of a close frame: the code, then the reason cut to fit a control frame.
std::string close_payload(std::uint16_t code, std::string_view reason);

struct Event {
  enum class Kind {
    kNone,  // nothing complete yet: `consumed` bytes (maybe 0) were used, read more
    kText,
    kBinary,
    kPing,
    kPong,
    kClose,  // `code` is the peer's (kCloseNoStatus when it gave none), `payload` its reason
    kError,  // the peer broke the protocol: close with `code`, `error` says why
  };
  Kind kind = Kind::kNone;
  std::size_t consumed = 0;  // bytes of the input this call used up
  std::string_view payload;  // valid until the next call to Reader::next
  std::uint16_t code = 0;
  std::string error;
};

class Reader {
 public:
  explicit Reader(std::size_t max_message_bytes) : max_(max_message_bytes) {}

  // Parses the frame at the start of `data`, unmasking its payload in place. Call again with the
  // rest while `consumed` > 0. After kError the stream is unusable.
  Event next(std::span<std::uint8_t> data);

 private:
  std::size_t max_;
  std::string message_;          // a fragmented message so far
  std::uint8_t message_op_ = 0;  // its opcode, 0 when none is in progress
};

}  // namespace parley::net::ws
