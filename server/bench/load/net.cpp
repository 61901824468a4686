// Asio and Beast side of the load generator: event loops and REST sign-up (Beast's HTTP client).
// The only translation unit with Beast besides boost_impl.cpp; the WebSockets are in
// ws_client.cpp.
#include "load/net.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <future>

#include "load/loop_impl.hpp"

namespace parley::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kCsrf = "loadgeneratorcsrftokenloadgeneratorcsrftoken";
constexpr std::string_view kPassword = "load bench secret 42";

}  // namespace

// ---- loops -------------------------------------------------------------------------------

Loop::Loop() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([impl = impl_.get()] { impl->ctx.run(); });
}

Loop::~Loop() {
  stop();
}

void Loop::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->guard.reset();
  impl_->ctx.stop();
  impl_->thread.join();
}

void Loop::post(std::function<void()> fn) {
  asio::post(impl_->ctx, std::move(fn));
}

namespace {

void schedule(std::shared_ptr<asio::steady_timer> timer, std::chrono::nanoseconds period,
              std::shared_ptr<std::function<bool()>> tick) {
  timer->expires_at(timer->expiry() + period);
  timer->async_wait([timer, period, tick](beast::error_code ec) {
    if (ec || !(*tick)()) return;
    schedule(timer, period, tick);
  });
}

}  // namespace

void Loop::every(std::chrono::nanoseconds period, std::function<bool()> tick) {
  asio::post(impl_->ctx, [ctx = &impl_->ctx, period, tick = std::move(tick)]() mutable {
    auto timer = std::make_shared<asio::steady_timer>(*ctx);
    timer->expires_at(std::chrono::steady_clock::now());
    schedule(timer, period, std::make_shared<std::function<bool()>>(std::move(tick)));
  });
}

// ---- sign-up over REST -------------------------------------------------------------------

namespace {

using Response = http::response<http::string_body>;

struct SignUp {
  SignUp(Endpoint a, std::vector<Account>& list) : at(std::move(a)), accounts(list) {}
  Endpoint at;
  std::vector<Account>& accounts;
  std::size_t next = 0;
  int running = 0;
  std::string error;
  std::promise<std::string> done;
};

struct HttpConn {
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool open = false;
};

awaitable<bool> exchange(HttpConn& c, const Endpoint& at, std::string_view target,
                         const std::string& body, Response& res) {
  beast::error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  c.stream.expires_after(std::chrono::seconds(60));
  if (!c.open) {
    tcp::endpoint peer(asio::ip::make_address(at.host, ec), at.port);
    if (!ec) co_await c.stream.async_connect(peer, token);
    if (ec) co_return false;
    c.open = true;
  }
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, at.host_port());
  req.set(http::field::origin, at.origin());
  req.set(http::field::cookie, "parley_csrf=" + std::string(kCsrf));
  req.set("X-CSRF-Token", kCsrf);
  req.set(http::field::content_type, "application/json");
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  co_await http::async_write(c.stream, req, token);
  res = {};
  if (!ec) co_await http::async_read(c.stream, c.buffer, res, token);
  bool ok = !ec;
  if (!ok || !res.keep_alive()) {
    c.stream.socket().close(ec);
    c.open = false;
  }
  co_return ok;
}

bool take_session(const Response& res, Account& a) {
  auto [it, end] = res.equal_range(http::field::set_cookie);
  for (; it != end; ++it) {
    std::string_view v = it->value();
    if (!v.starts_with("parley_session=")) continue;
    a.cookie = std::string(v.substr(0, v.find(';')));
  }
  auto at = res.body().find("\"id\":");
  if (at != std::string::npos) a.id = std::stoll(res.body().substr(at + 5));
  return !a.cookie.empty();
}

// "" when signed in, "retry" after a dropped connection or a 429, else the failure. (Plain
// statements around each co_await: GCC 12 mishandles temporaries inside co_await expressions.)
awaitable<std::string> sign_up_one(HttpConn& c, const Endpoint& at, Account& a) {
  Response res;
  std::string creds = "\",\"password\":\"" + std::string(kPassword) + "\"}";
  std::string body = "{\"username\":\"" + a.name + creds;
  bool ok = co_await exchange(c, at, "/api/auth/register", body, res);
  if (ok && res.result_int() == 409) {
    body = "{\"login\":\"" + a.name + creds;
    ok = co_await exchange(c, at, "/api/auth/login", body, res);
  }
  if (!ok) co_return "retry";
  if (res.result_int() == 429) {
    asio::steady_timer wait(c.stream.get_executor(), std::chrono::milliseconds(200));
    co_await wait.async_wait(asio::use_awaitable);
    co_return "retry";
  }
  if ((res.result_int() == 201 || res.result_int() == 200) && take_session(res, a)) co_return "";
  co_return a.name + ": HTTP " + std::to_string(res.result_int()) + " " + res.body();
}

awaitable<void> sign_up_worker(std::shared_ptr<SignUp> s) {
  auto executor = co_await asio::this_coro::executor;
  HttpConn c{beast::tcp_stream(executor), {}, false};
  while (s->error.empty() && s->next < s->accounts.size()) {
    Account& a = s->accounts[s->next++];
    std::string why = "retry";
    for (int attempt = 0; attempt < 50 && why == "retry"; ++attempt) {
      why = co_await sign_up_one(c, s->at, a);
    }
    if (!why.empty() && s->error.empty()) s->error = why;
  }
}

}  // namespace

std::string sign_up(Loop& loop, const Endpoint& at, std::vector<Account>& accounts, int parallel) {
  auto s = std::make_shared<SignUp>(at, accounts);
  auto result = s->done.get_future();
  loop.post([s, parallel, &ctx = loop.impl().ctx] {
    s->running = parallel;
    for (int i = 0; i < parallel; ++i) {
      asio::co_spawn(ctx, sign_up_worker(s), [s](std::exception_ptr e) {
        if (e && s->error.empty()) s->error = "sign-up worker threw";
        if (--s->running == 0) s->done.set_value(s->error);
      });
    }
  });
  return result.get();
}

}  // namespace parley::load
