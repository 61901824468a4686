// Internal to net/: what the listener and the HTTP and WebSocket sessions share. Includes Beast,
// so only the transport's own .cpp files include it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "config/config.hpp"
#include "net/metrics.hpp"
#include "net/router.hpp"
#include "net/static_files.hpp"
#include "net/websocket.hpp"

namespace parley::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using BeastRequest = http::request<http::string_body>;

// A session the server can ask to wind down (graceful shutdown).
class Drainable {
 public:
  virtual ~Drainable() = default;
  virtual void drain() = 0;  // thread-safe
};

struct Shared {
  Shared(const config::Config& c, const Router& r, WsHandler& w, Metrics& m)
      : config(c), router(r), ws(w), metrics(m), static_files(c.web_root) {}

  const config::Config& config;
  const Router& router;
  WsHandler& ws;
  Metrics& metrics;
  StaticFiles static_files;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> next_id{1};
  std::atomic<std::int64_t> connections{0};  // accepted and not yet closed (HTTP or WebSocket)
  // Where open plain WebSockets live, apart from the context that accepts connections and serves
  // HTTP: a storm of new connections queues there and never delays a frame to an open socket.
  asio::io_context* ws_context = nullptr;
  std::function<void()>
      on_drained;  // called (from any thread) once stopping and no session is left

  std::uint64_t enroll(std::weak_ptr<Drainable> s);
  void withdraw(std::uint64_t id);
  void drain_all();

  // Connections that have not sent a byte yet, oldest first. When every slot is taken, the oldest
  // of them makes room for a new one: idle connections cannot keep out people who talk.
  void fresh(std::uint64_t id, std::weak_ptr<Drainable> s);
  void settled(std::uint64_t id);
  bool evict_oldest_fresh();

  // Connections per remote address; false (and nothing counted) when `address` is at the cap.
  bool admit_address(const std::string& address, std::size_t cap);
  void leave_address(const std::string& address);

 private:
  std::mutex mu_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Drainable>> live_;
  std::map<std::uint64_t, std::weak_ptr<Drainable>> fresh_;   // under mu_, by age
  std::unordered_map<std::string, std::size_t> per_address_;  // under mu_
};

// `ticket` counts the connection against max_connections until the last session holding it ends.
void start_http_session(std::shared_ptr<Shared> shared, PlainStream stream, std::string remote,
                        std::shared_ptr<void> ticket);
void start_http_session(std::shared_ptr<Shared> shared, TlsStream stream, std::string remote,
                        std::shared_ptr<void> ticket);

// What an HTTP session hands to the WebSocket session it becomes.
struct WsHandoff {
  BeastRequest upgrade;
  std::shared_ptr<HttpRequest> request;
  std::shared_ptr<const void> principal;  // from WsHandler::authorize
  std::shared_ptr<void> ticket;
};

void start_ws_session(std::shared_ptr<Shared> shared, beast::websocket::stream<PlainStream> ws,
                      WsHandoff handoff);
// A plain socket whose upgrade is done (the 101 sent), on the executor it will live on.
void start_ws_session(std::shared_ptr<Shared> shared, PlainStream upgraded, WsHandoff handoff);
// Beast's handshake options for a WebSocket: the session pings on its own, so no idle timeout.
template <class Stream>
void configure_handshake(beast::websocket::stream<Stream>& ws) {
  beast::websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = beast::websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws.set_option(timeouts);
  ws.set_option(beast::websocket::stream_base::decorator(
      [](beast::websocket::response_type& res) { res.set(http::field::server, "parley"); }));
}
void start_ws_session(std::shared_ptr<Shared> shared, beast::websocket::stream<TlsStream> ws,
                      WsHandoff handoff);

// Logs an exception that escaped a detached coroutine instead of terminating the process.
void log_exception(std::exception_ptr e, const char* where);

}  // namespace parley::net::detail
