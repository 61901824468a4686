// The load generator's only door to Asio and Beast: event loops on their own threads, WebSocket
// clients that hand each frame to a callback, and account sign-up over the REST API. Callers
// include no Boost header; Beast is compiled in net.cpp only, Asio in net.cpp and ws_client.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::load {

struct Endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;

  std::string host_port() const { return host + ":" + std::to_string(port); }  // Host header
  std::string origin() const { return "http://" + host_port(); }  // same-origin Origin header
};

// One io_context run by one thread, started by the constructor and joined by the destructor.
class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  void post(std::function<void()> fn);  // thread-safe
  void stop();                          // stops and joins the thread; pending work is dropped
  // Calls `tick` every `period` (absolute deadlines, no drift) on this loop until it returns false.
  void every(std::chrono::nanoseconds period, std::function<bool()> tick);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct WsEvents {
  std::function<void(std::string_view frame)> on_frame;  // on the loop's thread
  std::function<void(std::string_view why)> on_close;    // once: failed to open, or closed
};

// A client WebSocket to ws://host:port/ws with the session cookie and a same-origin Origin.
class WsClient {
 public:
  virtual ~WsClient() = default;
  virtual void send(std::string frame) = 0;  // thread-safe; queued until the socket is open
  virtual void close() = 0;                  // thread-safe; a normal close handshake
};
std::shared_ptr<WsClient> open_ws(Loop& loop, const Endpoint& at, const std::string& cookie,
                                  WsEvents events);

struct Account {
  std::string name;
  std::string cookie;  // "parley_session=..."
  std::int64_t id = 0;
};

// Registers every account (or logs in when the name is taken), `parallel` keep-alive connections
// at a time; blocks until done. Returns "" or the first failure.
std::string sign_up(Loop& loop, const Endpoint& at, std::vector<Account>& accounts, int parallel);

}  // namespace parley::load
