// The WebSocket wire format (docs/protocol.md): decoding client frames into typed commands and
// encoding server frames. The only place the frames' JSON field names live.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace parley::protocol {

inline constexpr std::size_t kMaxClientIdLength = 64;

// Client -> server commands. `cid` is the client's id for the command, echoed in the answer.
struct Ping {
  std::optional<std::string> cid;
};

using Command = std::variant<Ping>;

// Why a frame could not be decoded: sent back as an error frame, the socket stays open.
struct FrameError {
  std::string code;  // "malformed", "unknown_type", "invalid"
  std::string message;
  std::optional<std::string> cid;  // when the frame carried a readable one
  std::string field;               // the offending field, for "invalid"
};

std::variant<Command, FrameError> decode(std::string_view text);

std::string encode_hello(std::string_view version);
std::string encode_pong(const std::optional<std::string>& cid);
std::string encode_error(const FrameError& error);

}  // namespace parley::protocol
