// The listener, the I/O threads, signal handling and graceful shutdown.
#include "net/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <optional>
#include <thread>
#include <vector>

#include "net/session.hpp"

namespace parley::net {
namespace detail {

std::uint64_t Shared::enroll(std::weak_ptr<Drainable> s) {
  std::uint64_t id = next_id++;
  bool drain_now = false;
  {
    std::lock_guard lock(mu_);
    live_.emplace(id, s);
    drain_now = stopping;
  }
  if (drain_now) {
    if (auto p = s.lock()) p->drain();
  }
  return id;
}

void Shared::withdraw(std::uint64_t id) {
  bool drained = false;
  {
    std::lock_guard lock(mu_);
    live_.erase(id);
    drained = stopping && live_.empty();
  }
  if (drained && on_drained) on_drained();
}

void Shared::drain_all() {
  std::vector<std::shared_ptr<Drainable>> sessions;
  bool empty = false;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, weak] : live_) {
      if (auto p = weak.lock()) sessions.push_back(std::move(p));
    }
    empty = live_.empty();
  }
  for (auto& s : sessions) s->drain();
  if (empty && on_drained) on_drained();
}

void Shared::fresh(std::uint64_t id, std::weak_ptr<Drainable> s) {
  std::lock_guard lock(mu_);
  fresh_.emplace(id, std::move(s));
}

void Shared::settled(std::uint64_t id) {
  std::lock_guard lock(mu_);
  fresh_.erase(id);
}

bool Shared::evict_oldest_fresh() {
  std::shared_ptr<Drainable> victim;
  {
    std::lock_guard lock(mu_);
    while (!fresh_.empty() && !victim) {
      victim = fresh_.begin()->second.lock();
      fresh_.erase(fresh_.begin());
    }
  }
  if (!victim) return false;
  metrics.connections_evicted++;
  victim->drain();  // an idle HTTP session closes at once when drained
  return true;
}

bool Shared::admit_address(const std::string& address, std::size_t cap) {
  std::lock_guard lock(mu_);
  auto& n = per_address_[address];
  if (cap != 0 && n >= cap) {
    if (n == 0) per_address_.erase(address);
    return false;
  }
  ++n;
  return true;
}

void Shared::leave_address(const std::string& address) {
  std::lock_guard lock(mu_);
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

void log_exception(std::exception_ptr e, const char* where) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("{}: unexpected exception: {}", where, ex.what());
  }
}

}  // namespace detail

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using detail::tcp;

struct Server::Impl {
  Impl(const config::Config& c, const Router& r, WsHandler& w, Metrics& m)
      : config(c),
        threads(c.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : c.threads),
        ioc(static_cast<int>(threads)),
        ws_ioc(static_cast<int>(threads)),
        ws_work(asio::make_work_guard(ws_ioc)),
        strand(asio::make_strand(ioc)),
        acceptor(strand),
        signals(strand, SIGINT, SIGTERM),
        grace(strand),
        shared(std::make_shared<detail::Shared>(c, r, w, m)) {
    shared->ws_context = &ws_ioc;
    shared->on_drained = [this] { asio::post(ioc, [this] { stop(); }); };
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(
          asio::make_strand(ioc), asio::redirect_error(asio::use_awaitable, ec));
      if (shared->stopping) co_return;
      if (ec) {
        // EMFILE and friends: back off a little rather than spin.
        spdlog::warn("accept failed: {}", ec.message());
        asio::steady_timer pause(ioc, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      std::string remote = socket.remote_endpoint(ec).address().to_string();
      if (ec) continue;  // gone already
      // One address may hold only so many connections.
      if (!shared->admit_address(remote, config.limits.max_connections_per_address)) {
        shared->metrics.connections_refused++;
        socket.close(ec);
        continue;
      }
      // Counted here, not when the session starts, so a burst of accepts cannot overshoot. At
      // the cap, a connection that has not said anything yet gives its slot up.
      if (shared->connections.fetch_add(1) >=
              static_cast<std::int64_t>(config.limits.max_connections) &&
          !shared->evict_oldest_fresh()) {
        shared->connections--;
        shared->leave_address(remote);
        shared->metrics.connections_refused++;
        socket.close(ec);
        continue;
      }
      std::shared_ptr<void> ticket(nullptr, [s = shared, remote](void*) {
        s->connections--;
        s->leave_address(remote);
      });
      socket.set_option(tcp::no_delay(true), ec);
      if (tls) {
        detail::start_http_session(shared,
                                   detail::TlsStream(detail::PlainStream(std::move(socket)), *tls),
                                   std::move(remote), std::move(ticket));
      } else {
        detail::start_http_session(shared, detail::PlainStream(std::move(socket)),
                                   std::move(remote), std::move(ticket));
      }
    }
  }

  // Runs on `strand`, like everything that touches the acceptor, the signals and the timer.
  void begin_shutdown() {
    if (shared->stopping.exchange(true)) return;
    spdlog::info("shutting down: closing connections");
    boost::system::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    grace.expires_after(
        std::chrono::duration_cast<asio::steady_timer::duration>(config.shutdown_grace));
    grace.async_wait([this](boost::system::error_code) { stop(); });
    shared->drain_all();
  }

  void stop() {
    ioc.stop();
    ws_ioc.stop();
  }

  const config::Config& config;
  unsigned threads;
  asio::io_context ioc;     // accepting, HTTP, upgrades, TLS WebSockets
  asio::io_context ws_ioc;  // open plain WebSockets and the fan-out lanes
  asio::executor_work_guard<asio::io_context::executor_type> ws_work;
  asio::strand<asio::io_context::executor_type> strand;
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer grace;
  std::shared_ptr<detail::Shared> shared;
};

Server::Server(const config::Config& config, const Router& router, WsHandler& ws, Metrics& metrics)
    : impl_(std::make_unique<Impl>(config, router, ws, metrics)) {}

Server::~Server() = default;

unsigned short Server::listen() {
  auto& c = impl_->config;
  if (c.tls()) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    impl_->tls->use_certificate_chain_file(c.tls_cert);
    impl_->tls->use_private_key_file(c.tls_key, ssl::context::pem);
  }
  tcp::endpoint endpoint{asio::ip::make_address(c.host), c.port};
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  a.bind(endpoint);
  a.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(impl_->strand, impl_->accept_loop(),
                 [](std::exception_ptr e) { detail::log_exception(e, "accept loop"); });
  return a.local_endpoint().port();
}

void Server::run() {
  impl_->signals.async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {} received", signal);
    impl_->begin_shutdown();
  });
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < impl_->threads; ++i) pool.emplace_back([this] { impl_->ws_ioc.run(); });
  for (unsigned i = 1; i < impl_->threads; ++i) pool.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  impl_->ws_ioc.stop();
  for (auto& t : pool) t.join();
}

void Server::shutdown() {
  asio::post(impl_->strand, [this] { impl_->begin_shutdown(); });
}

void Server::post(std::function<void()> fn) {
  asio::post(impl_->ws_ioc, std::move(fn));
}

}  // namespace parley::net
