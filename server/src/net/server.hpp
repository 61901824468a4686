// The HTTP(S)/WebSocket server: listener, sessions, static files, limits and graceful shutdown.
// Its face carries no Beast or Asio type; main.cpp builds one and runs it.
#pragma once

#include <functional>
#include <memory>

#include "config/config.hpp"
#include "net/metrics.hpp"
#include "net/router.hpp"
#include "net/websocket.hpp"

namespace parley::net {

class Server {
 public:
  // `router` and `ws` must outlive the server.
  Server(const config::Config& config, const Router& router, WsHandler& ws, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the port (useful with port 0). Throws on failure.
  unsigned short listen();
  // Runs the I/O threads until shutdown completes. SIGINT and SIGTERM start a graceful shutdown.
  void run();
  // Graceful shutdown from any thread: stop accepting, close WebSockets with 1001, let in-flight
  // responses finish, and stop for good after config.shutdown_grace.
  void shutdown();

  // Runs `fn` on one of the WebSocket I/O threads, from any thread: work that must not block and
  // should use every core (the fan-out lanes).
  void post(std::function<void()> fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::net
