// The composition root: reads the configuration, builds the services and the server, runs them.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "config/config.hpp"
#include "net/metrics.hpp"
#include "net/router.hpp"
#include "net/server.hpp"
#include "net/websocket.hpp"

namespace {

// Until the chat protocol is wired in, a socket is greeted and every message is refused politely.
class GreetingWsHandler : public parley::net::WsHandler {
 public:
  void authorize(std::shared_ptr<const parley::net::HttpRequest>,
                 std::function<void(parley::net::WsAdmission)> done) override {
    done({});
  }
  void on_open(const std::shared_ptr<parley::net::WsConnection>& conn,
               const parley::net::HttpRequest&, const std::shared_ptr<const void>&) override {
    conn->send(std::make_shared<const std::string>(
        R"({"type":"hello","server":"parley","version":"0.1.0"})"));
  }
  void on_message(const std::shared_ptr<parley::net::WsConnection>& conn,
                  std::string_view) override {
    conn->send(std::make_shared<const std::string>(
        R"({"type":"error","code":"unsupported","message":"This server does not speak the chat protocol yet"})"));
  }
  void on_close(const std::shared_ptr<parley::net::WsConnection>&) override {}
};

}  // namespace

int main(int argc, char** argv) {
  auto outcome = parley::config::parse(argc, argv, parley::config::process_env());
  if (!outcome.config) {
    (outcome.exit_code == 0 ? std::cout : std::cerr) << outcome.output;
    return outcome.exit_code;
  }
  const parley::config::Config& config = *outcome.config;
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");

  try {
    std::filesystem::create_directories(config.data_dir);
    if (!std::filesystem::exists(std::filesystem::path(config.web_root) / "index.html")) {
      spdlog::warn("no client at {}/index.html: build it with `make web`; pages will 404",
                   config.web_root);
    }

    parley::net::Metrics metrics;
    parley::net::Router router;
    GreetingWsHandler ws;
    parley::net::Server server(config, router, ws, metrics);
    unsigned short port = server.listen();
    // The one line a wrapper (tests, scripts) waits for to learn the port when --port=0.
    std::printf("parley listening on %s://%s:%u\n", config.tls() ? "https" : "http",
                config.host.c_str(), port);
    std::fflush(stdout);
    spdlog::info("data in {}, client from {}", config.data_dir, config.web_root);
    server.run();
    spdlog::info("stopped");
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
  return 0;
}
