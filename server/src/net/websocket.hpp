// What the transport offers to the layer above for WebSockets, without Beast or Asio: a handle
// to send on one socket, and the callbacks the layer above implements.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "net/router.hpp"

namespace parley::net {

// One open WebSocket. Thread-safe: send/close may be called from any thread.
class WsConnection {
 public:
  virtual ~WsConnection() = default;
  // Queues a text frame. A frame is shared, so a fan-out serializes it once. Returns false when the
  // socket is closing; when the bounded queue is full the socket is closed (the client resyncs).
  // kBatched frames (a room's traffic) may wait up to --ws-coalesce-ms to leave with others; kNow
  // frames (the answer to a command) wake the writer at once.
  enum class Pace { kBatched, kNow };
  virtual bool send(std::shared_ptr<const std::string> frame, Pace pace) = 0;
  virtual void close(std::uint16_t code, std::string reason) = 0;
  virtual ConnId id() const = 0;
  // Calls `fn` (at once, or later from the socket's strand) once what is queued for the socket
  // is down to a low-water mark: a producer of large answers waits for the reader instead of
  // piling them up. Never called if the socket closes first; one waiter at a time.
  virtual void when_writable(std::function<void()> fn) = 0;
};

// The answer to an upgrade request: a refusal, or who the socket will belong to.
struct WsAdmission {
  std::optional<HttpResponse> refusal;    // set to refuse the upgrade (401, 403...)
  std::shared_ptr<const void> principal;  // handed to on_open; the handler knows its type
};

class WsHandler {
 public:
  virtual ~WsHandler() = default;
  // Called before the upgrade is accepted, on an I/O thread: must not block. `done` may be called
  // later and from any thread (e.g. after a session lookup on a worker pool), exactly once.
  virtual void authorize(std::shared_ptr<const HttpRequest> upgrade,
                         std::function<void(WsAdmission)> done) = 0;
  virtual void on_open(const std::shared_ptr<WsConnection>& conn, const HttpRequest& upgrade,
                       const std::shared_ptr<const void>& principal) = 0;
  // A complete text message (size already bounded by the transport).
  virtual void on_message(const std::shared_ptr<WsConnection>& conn, std::string_view text) = 0;
  virtual void on_close(const std::shared_ptr<WsConnection>& conn) = 0;
};

// WebSocket close codes used by the transport (RFC 6455).
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseUnsupportedData = 1003;
inline constexpr std::uint16_t kClosePolicyViolation = 1008;
inline constexpr std::uint16_t kCloseTooBig = 1009;
inline constexpr std::uint16_t kCloseTryAgainLater = 1013;

}  // namespace parley::net
