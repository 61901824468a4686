// Client frame parsing by RFC 6455 section 5: masked, no extensions (none are negotiated),
// control frames short and unfragmented, data messages possibly fragmented and bounded in size.
#include "net/ws_frames.hpp"

namespace parley::net::ws {
namespace {

Event error(std::uint16_t code, std::string why) {
  Event e;
  e.kind = Event::Kind::kError;
  e.code = code;
  e.error = std::move(why);
  return e;
}

bool valid_close_code(std::uint16_t c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011) || (c >= 3000 && c <= 4999);
}

}  // namespace

std::size_t write_header(std::uint8_t opcode, std::uint64_t size, std::uint8_t* out) {
  out[0] = static_cast<std::uint8_t>(0x80 | opcode);
  if (size < 126) {
    out[1] = static_cast<std::uint8_t>(size);
    return 2;
  }
  if (size <= 0xffff) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(size >> 8);
    out[3] = static_cast<std::uint8_t>(size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(size >> (56 - 8 * i));
  return 10;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string p;
  p += static_cast<char>(code >> 8);
  p += static_cast<char>(code & 0xff);
  p += reason.substr(0, 123);  // a control frame carries at most 125 bytes
  return p;
}

Event Reader::next(std::span<std::uint8_t> d) {
  Event none;
  if (d.size() < 2) return none;
  const bool fin = (d[0] & 0x80) != 0;
  const std::uint8_t op = d[0] & 0x0f;
  if ((d[0] & 0x70) != 0) return error(kCloseProtocolError, "reserved bits set");
  if ((d[1] & 0x80) == 0) return error(kCloseProtocolError, "client frames must be masked");
  std::uint64_t len = d[1] & 0x7f;
  std::size_t pos = 2;
  if (len == 126) {
    if (d.size() < 4) return none;
    len = (std::uint64_t{d[2]} << 8) | d[3];
    if (len < 126) return error(kCloseProtocolError, "non-minimal payload length");
    pos = 4;
  } else if (len == 127) {
    if (d.size() < 10) return none;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | d[2 + i];
    if (len >> 63) return error(kCloseProtocolError, "bad payload length");
    if (len <= 0xffff) return error(kCloseProtocolError, "non-minimal payload length");
    pos = 10;
  }
  const bool control = (op & 0x8) != 0;
  if (control) {
    if (op != kClose && op != kPing && op != kPong) {
      return error(kCloseProtocolError, "unknown opcode");
    }
    if (!fin || len > 125) return error(kCloseProtocolError, "bad control frame");
  } else {
    if (op != kContinuation && op != kText && op != kBinary) {
      return error(kCloseProtocolError, "unknown opcode");
    }
    if (op == kContinuation && message_op_ == 0) {
      return error(kCloseProtocolError, "continuation without a message");
    }
    if (op != kContinuation && message_op_ != 0) {
      return error(kCloseProtocolError, "new message inside a fragmented one");
    }
    // Judged on the header alone, before the payload is waited for or buffered. Only a
    // continuation adds to what is buffered: `message_` still holds the last fragmented message.
    const std::size_t so_far = op == kContinuation ? message_.size() : 0;
    if (len > max_ || so_far + len > max_) {
      return error(kCloseMessageTooBig, "message too big");
    }
  }
  if (d.size() - pos < 4 + len) return none;
  const std::uint8_t* mask = &d[pos];
  std::uint8_t* payload = &d[pos + 4];
  for (std::uint64_t i = 0; i < len; ++i) payload[i] ^= mask[i & 3];
  std::string_view body(reinterpret_cast<const char*>(payload), len);

  Event e;
  e.consumed = pos + 4 + len;
  switch (op) {
    case kPing:
      e.kind = Event::Kind::kPing;
      e.payload = body;
      return e;
    case kPong:
      e.kind = Event::Kind::kPong;
      e.payload = body;
      return e;
    case kClose:
      if (body.size() == 1) return error(kCloseProtocolError, "bad close frame");
      e.kind = Event::Kind::kClose;
      e.code = kCloseNoStatus;
      if (body.size() >= 2) {
        e.code = static_cast<std::uint16_t>((static_cast<unsigned char>(body[0]) << 8) |
                                            static_cast<unsigned char>(body[1]));
        if (!valid_close_code(e.code)) return error(kCloseProtocolError, "bad close code");
        e.payload = body.substr(2);
      }
      return e;
    default:
      break;
  }
  if (op != kContinuation && fin) {  // the common case: a whole message, no copy
    e.kind = op == kText ? Event::Kind::kText : Event::Kind::kBinary;
    e.payload = body;
    return e;
  }
  if (op != kContinuation) {
    message_.clear();
    message_op_ = op;
  }
  message_.append(body);
  if (!fin) return e;  // kNone, bytes consumed
  e.kind = message_op_ == kText ? Event::Kind::kText : Event::Kind::kBinary;
  e.payload = message_;
  message_op_ = 0;
  return e;
}

}  // namespace parley::net::ws
