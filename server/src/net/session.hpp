// Internal to net/: what the listener and the HTTP and WebSocket sessions share. Includes Beast,
// so only the transport's own .cpp files include it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
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
  std::function<void()>
      on_drained;  // called (from any thread) once stopping and no session is left

  std::uint64_t enroll(std::weak_ptr<Drainable> s);
  void withdraw(std::uint64_t id);
  void drain_all();

 private:
  std::mutex mu_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Drainable>> live_;
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
void start_ws_session(std::shared_ptr<Shared> shared, beast::websocket::stream<TlsStream> ws,
                      WsHandoff handoff);

// Logs an exception that escaped a detached coroutine instead of terminating the process.
void log_exception(std::exception_ptr e, const char* where);

}  // namespace parley::net::detail
