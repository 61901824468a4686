// Internal to net/: the HTTP session as a template on its stream (plain TCP or TLS). Each stream
// type is compiled in its own translation unit (http_session_plain.cpp, http_session_tls.cpp) so
// the two heavy instantiations build in parallel.
#pragma once

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/url/parse.hpp>

#include <openssl/crypto.h>

#include <chrono>
#include <type_traits>

#include "net/http_policy.hpp"
#include "net/session.hpp"

namespace parley::net::detail {
namespace {

namespace websocket = beast::websocket;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;
constexpr auto kServerName = "parley";

template <class D>
auto as_duration(D d) {
  return std::chrono::duration_cast<Clock::duration>(d);
}

template <class Message>
std::shared_ptr<HttpRequest> to_request(const Message& req, const std::string& remote, bool secure,
                                        const std::vector<std::string>& trusted_proxies, bool* ok) {
  auto out = std::make_shared<HttpRequest>();
  out->method = std::string(req.method_string());
  out->target = std::string(req.target());
  auto url = boost::urls::parse_origin_form(req.target());
  *ok = url.has_value();
  if (*ok) {
    out->path = url->path();
    out->query = std::string(url->encoded_query());
    *ok = !out->path.empty() && out->path.front() == '/';
  }
  std::string forwarded;  // X-Forwarded-For, every one of them in order
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "x-forwarded-for") {
      if (!forwarded.empty()) forwarded += ',';
      forwarded += field.value();
    }
    out->headers.emplace_back(std::move(name), std::string(field.value()));
  }
  if constexpr (std::is_same_v<Message, BeastRequest>) out->body = req.body();
  out->remote_address = client_address(remote, forwarded, trusted_proxies);
  out->secure = secure;
  return out;
}

template <class Stream>
class HttpSession : public Drainable, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  HttpSession(std::shared_ptr<Shared> shared, Stream stream, std::string remote,
              std::shared_ptr<void> ticket)
      : shared_(std::move(shared)),
        ticket_(std::move(ticket)),
        stream_(std::move(stream)),
        executor_(stream_.get_executor()),
        remote_(std::move(remote)),
        limits_(shared_->config.limits),
        bucket_(limits_.requests_per_second, limits_.request_burst) {}

  void drain() override {
    // Never touch stream_ here: this runs off the strand, and an upgrade may be moving it.
    asio::post(executor_, [self = this->shared_from_this()] {
      self->draining_ = true;
      if (self->idle_)
        beast::get_lowest_layer(self->stream_).socket().cancel();  // on the strand now
    });
  }

  awaitable<void> run() {
    id_ = shared_->enroll(this->weak_from_this());
    shared_->fresh(id_, this->weak_from_this());
    shared_->metrics.http_connections++;
    // Undone however serve() ends: normally, by an exception, or by its frame being destroyed.
    struct Leave {
      HttpSession* s;
      ~Leave() {
        s->shared_->metrics.http_connections--;
        s->shared_->settled(s->id_);
        s->shared_->withdraw(s->id_);
      }
    } leave{this};
    co_await serve();
  }

 private:
  auto& tcp() { return beast::get_lowest_layer(stream_); }

  awaitable<void> serve() {
    beast::error_code ec;
    auto token = asio::redirect_error(use_awaitable, ec);
    bool first = true;
    if constexpr (kTls) {
      // The handshake is the first thing a TLS client says: under the first-byte timeout, and
      // evictable (drain() cancels it) until it is done.
      tcp().expires_after(as_duration(limits_.first_byte_timeout));
      idle_ = true;
      co_await stream_.async_handshake(asio::ssl::stream_base::server, token);
      idle_ = false;
      if (ec || draining_) co_return;
      shared_->settled(id_);
      first = false;
    }
    for (;;) {
      // Wait for the first byte of a request under the idle timeout (a new connection: the
      // shorter first-byte timeout); then the whole request must arrive within read_timeout,
      // however slowly it trickles (slowloris).
      if (buffer_.size() == 0) {
        idle_ = true;
        if (draining_) break;
        tcp().expires_after(as_duration(first ? limits_.first_byte_timeout : limits_.idle_timeout));
        std::size_t n = co_await stream_.async_read_some(buffer_.prepare(4096), token);
        idle_ = false;
        if (ec) break;
        buffer_.commit(n);
        if (first) shared_->settled(id_);
        first = false;
      }
      // The head first: a streaming route (uploads) reads its body itself, as it arrives.
      http::request_parser<http::empty_body> head;
      head.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
      head.body_limit(boost::none);  // each kind of route checks its own limit below
      tcp().expires_after(as_duration(limits_.read_timeout));
      std::size_t n = co_await http::async_read_header(stream_, buffer_, head, token);
      shared_->metrics.bytes_in += n;
      if (ec) {
        co_await reject_unreadable(ec);
        break;
      }
      if (!bucket_.take()) {
        auto res = HttpResponse::error(429, "rate_limited", "Too many requests on this connection");
        res.with("Retry-After", std::to_string(bucket_.retry_after_seconds()));
        BeastRequest none;
        co_await write(res, none, false);
        co_await linger_close();
        co_return;
      }
      if (const StreamHandler* streaming = stream_route(head.get())) {
        if (!co_await stream(head, *streaming)) break;
        continue;
      }
      if (auto length = head.content_length(); length && *length > limits_.max_body_bytes) {
        co_await reject_unreadable(http::error::body_limit);
        break;
      }
      http::request_parser<http::string_body> parser{std::move(head)};
      parser.body_limit(limits_.max_body_bytes);
      if (!parser.is_done()) {
        n = co_await http::async_read(stream_, buffer_, parser, token);
        shared_->metrics.bytes_in += n;
        if (ec) {
          co_await reject_unreadable(ec);
          break;
        }
      }
      BeastRequest req = parser.release();
      if (websocket::is_upgrade(req)) {
        co_await upgrade(std::move(req));
        co_return;  // the stream now belongs to the WebSocket session (or was closed)
      }
      bool keep = req.keep_alive() && !draining_ && !shared_->stopping;
      if (!co_await respond(req, keep) || !keep) break;
    }
    co_await close();
  }

  // The streaming handler for this request's method and path, if it has one.
  const StreamHandler* stream_route(const http::request<http::empty_body>& head) {
    auto url = boost::urls::parse_origin_form(head.target());
    if (!url) return nullptr;
    std::string path = url->path();
    return shared_->router.find(std::string(head.method_string()), path).stream;
  }

  // A request whose body goes to a BodySink as it arrives; false when the connection must close.
  awaitable<bool> stream(http::request_parser<http::empty_body>& head,
                         const StreamHandler& handler) {
    const auto& h = head.get();
    BeastRequest reply_to;  // what write() needs of the request: its version and method
    reply_to.version(h.version());
    reply_to.method(h.method());
    const bool wants_keep_alive = h.keep_alive();  // `head` may be moved into a body parser below
    bool ok = false;
    auto request = to_request(h, remote_, kTls, shared_->config.trusted_proxies, &ok);
    if (!ok) {
      co_await write(HttpResponse::error(400, "bad_request", "Malformed request target"), reply_to,
                     false);
      co_await linger_close();
      co_return false;
    }
    auto admission = co_await await_callback<StreamAdmission>(
        [&handler, &request](std::function<void(StreamAdmission)> decide) {
          handler(request, std::move(decide));
        });
    auto length = head.content_length();
    if (!admission.refusal && !admission.sink) {
      admission.refusal =
          HttpResponse::error(500, "internal", "Something went wrong on the server");
    }
    if (!admission.refusal && length && *length > admission.max_bytes) {
      admission.refusal = HttpResponse::error(413, "too_large", "Request body too large");
    }
    if (admission.refusal) {
      // The body is not read: answer, and close so its bytes are never taken for a request.
      if (admission.sink) admission.sink->finish(false, [](HttpResponse) {});
      co_await write(*admission.refusal, reply_to, false);
      co_await linger_close();
      co_return false;
    }
    beast::error_code ec;
    auto token = asio::redirect_error(use_awaitable, ec);
    if (beast::iequals(h[http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      tcp().expires_after(as_duration(limits_.write_timeout));
      co_await asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()), token);
      if (ec) {
        admission.sink->finish(false, [](HttpResponse) {});
        co_return false;
      }
    }
    bool refused = false;
    if (length) {
      // A known length (the usual upload): bytes go from the socket straight into our buffer, in
      // large reads, without a parser in between. Those that came with the head go first.
      std::uint64_t left = *length;
      if (buffer_.size() > 0) {
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), left));
        refused = !admission.sink->write(static_cast<const char*>(buffer_.data().data()), n);
        buffer_.consume(n);
        left -= n;
      }
      constexpr std::size_t kChunk = 1024 * 1024;
      auto chunk = left ? std::make_unique<char[]>(kChunk) : nullptr;
      while (!refused && left > 0) {
        // Each read must complete within read_timeout; a large upload may take as long as it
        // needs, a stalled one is cut.
        tcp().expires_after(as_duration(limits_.read_timeout));
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, kChunk));
        std::size_t n = co_await stream_.async_read_some(asio::buffer(chunk.get(), want), token);
        shared_->metrics.bytes_in += n;
        if (ec) break;
        left -= n;
        refused = !admission.sink->write(chunk.get(), n);
      }
    } else {  // chunked: Beast's parser takes the framing off, and enforces the limit
      http::request_parser<http::buffer_body> body{std::move(head)};
      body.body_limit(admission.max_bytes);
      constexpr std::size_t kChunk = 256 * 1024;
      auto chunk = std::make_unique<char[]>(kChunk);
      while (!body.is_done()) {
        body.get().body().data = chunk.get();
        body.get().body().size = kChunk;
        tcp().expires_after(as_duration(limits_.read_timeout));
        std::size_t n = co_await http::async_read(stream_, buffer_, body, token);
        shared_->metrics.bytes_in += n;
        if (ec == http::error::need_buffer) ec = {};
        std::size_t got = kChunk - body.get().body().size;
        if (got > 0 && !admission.sink->write(chunk.get(), got)) {
          refused = true;
          break;
        }
        if (ec) break;
      }
    }
    const bool complete = !refused && !ec;
    if (ec == http::error::body_limit) {
      admission.sink->finish(false, [](HttpResponse) {});
      co_await reject_unreadable(ec);
      co_return false;
    }
    if (!complete && !refused) {  // the connection broke: no one to answer
      admission.sink->finish(false, [](HttpResponse) {});
      co_return false;
    }
    auto sink = admission.sink;
    // Finishing may take a while (hashing a resumed upload again, a large image): the read
    // deadline no longer applies, and the answer gets its own write deadline.
    tcp().expires_never();
    HttpResponse res = co_await await_callback<HttpResponse>(
        [&sink, complete](std::function<void(HttpResponse)> reply) {
          sink->finish(complete, std::move(reply));
        });
    bool keep = complete && wants_keep_alive && !draining_ && !shared_->stopping;
    if (!co_await write(res, reply_to, keep)) {
      if (!complete) co_await linger_close();
      co_return false;
    }
    co_return keep;
  }

  // /metrics is for the machine's own monitoring: loopback clients that did not come through a
  // proxy, or a request with the configured bearer token.
  bool metrics_allowed(const BeastRequest& req) const {
    const auto& token = shared_->config.metrics_token;
    if (!token.empty()) {
      std::string expected = "Bearer " + token;
      auto given = req[http::field::authorization];
      if (given.size() == expected.size() &&
          CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0) {
        return true;
      }
    }
    if (req.count("X-Forwarded-For") || req.count(http::field::forwarded)) return false;
    boost::system::error_code ec;
    auto address = asio::ip::make_address(remote_, ec);
    if (ec) return false;
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    return address.is_loopback();
  }

  // The request could not be read: say why when the peer can still hear it, then close.
  awaitable<void> reject_unreadable(beast::error_code ec) {
    int status = 400;
    const char* message = "Malformed HTTP request";
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      co_return;
    }
    if (ec == beast::error::timeout) {
      co_return;  // the deadline closed the socket already
    }
    if (ec == http::error::header_limit) {
      status = 431;
      message = "Request headers too large";
    } else if (ec == http::error::body_limit) {
      status = 413;
      message = "Request body too large";
    }
    spdlog::debug("{} rejected: {} ({})", remote_, status, ec.message());
    BeastRequest none;
    co_await write(
        HttpResponse::error(status, status == 400 ? "bad_request" : "too_large", message), none,
        false);
    co_await linger_close();
  }

  awaitable<void> upgrade(BeastRequest req) {
    bool ok = false;
    auto request = to_request(req, remote_, kTls, shared_->config.trusted_proxies, &ok);
    if (!ok || request->path != "/ws") {
      co_await write(HttpResponse::error(404, "not_found", "No WebSocket endpoint here"), req,
                     false);
      co_return co_await close();
    }
    if (shared_->stopping) {
      co_await write(HttpResponse::error(503, "shutting_down", "Server is shutting down"), req,
                     false);
      co_return co_await close();
    }
    if (!origin_allowed(request->header("origin"), request->header("host"), kTls,
                        shared_->config.allowed_origins)) {
      spdlog::info("{} WebSocket refused: origin '{}' not allowed", remote_,
                   request->header("origin"));
      co_await write(
          HttpResponse::error(403, "origin_not_allowed", "This origin may not open the WebSocket"),
          req, false);
      co_return co_await close();
    }
    auto ask = [this, &request](std::function<void(WsAdmission)> done) {
      shared_->ws.authorize(request, std::move(done));
    };
    WsAdmission admission = co_await await_callback<WsAdmission>(ask);
    if (admission.refusal) {
      co_await write(*admission.refusal, req, false);
      co_return co_await close();
    }
    tcp().expires_never();  // the WebSocket session sets its own timeouts
    WsHandoff handoff;
    handoff.upgrade = std::move(req);
    handoff.request = std::move(request);
    handoff.principal = std::move(admission.principal);
    handoff.ticket = ticket_;
    if constexpr (!kTls) {
      if (shared_->ws_context) {
        // The handshake is answered here; then the socket moves to the WebSocket context, so that
        // admitting a storm of connections never queues ahead of a frame to an open socket. (A
        // TLS stream's state cannot move: TLS sockets stay on this context.)
        websocket::stream<Stream> ws(std::move(stream_));
        configure_handshake(ws);
        beast::error_code ec;
        co_await ws.async_accept(handoff.upgrade, asio::redirect_error(use_awaitable, ec));
        if (ec) co_return;
        auto& socket = ws.next_layer().socket();
        auto protocol = socket.local_endpoint(ec).protocol();
        auto handle = ec ? -1 : socket.release(ec);
        if (ec) co_return;
        start_ws_session(
            shared_, Stream(tcp::socket(asio::make_strand(*shared_->ws_context), protocol, handle)),
            std::move(handoff));
        co_return;
      }
    }
    websocket::stream<Stream> ws(std::move(stream_));
    start_ws_session(shared_, std::move(ws), std::move(handoff));
  }

  // Answers one request; false when the connection must close.
  awaitable<bool> respond(const BeastRequest& req, bool keep) {
    bool ok = false;
    auto request = to_request(req, remote_, kTls, shared_->config.trusted_proxies, &ok);
    if (!ok)
      co_return co_await write(HttpResponse::error(400, "bad_request", "Malformed request target"),
                               req, false);
    const std::string& path = request->path;
    const auto method = req.method();
    const bool get = method == http::verb::get || method == http::verb::head;

    if (path == "/healthz") {
      if (!get)
        co_return co_await write(HttpResponse::error(405, "method_not_allowed", "Use GET"), req,
                                 keep);
      co_return co_await write(
          HttpResponse::json(200, R"({"status":"ok"})").with("Cache-Control", "no-store"), req,
          keep);
    }
    if (path == "/metrics") {
      if (!metrics_allowed(req))
        co_return co_await write(HttpResponse::error(404, "not_found", "Not found"), req, keep);
      if (!get)
        co_return co_await write(HttpResponse::error(405, "method_not_allowed", "Use GET"), req,
                                 keep);
      co_return co_await write(HttpResponse::text(200, shared_->metrics.render(),
                                                  "text/plain; version=0.0.4; charset=utf-8")
                                   .with("Cache-Control", "no-store"),
                               req, keep);
    }
    if (path == "/ws") {
      co_return co_await write(
          HttpResponse::error(426, "upgrade_required", "This endpoint speaks WebSocket")
              .with("Upgrade", "websocket"),
          req, keep);
    }
    auto match = shared_->router.find(request->method, path);
    if (match.handler != nullptr) {
      HttpResponse res = co_await call(*match.handler, std::move(request));
      co_return co_await write(res, req, keep);
    }
    if (match.path_known) {
      co_return co_await write(
          HttpResponse::error(405, "method_not_allowed", "Method not allowed here"), req, keep);
    }
    if (path == "/api" || path.starts_with("/api/")) {  // the API never falls back to the app
      co_return co_await write(HttpResponse::error(404, "not_found", "No such API endpoint"), req,
                               keep);
    }
    if (!get) {
      co_return co_await write(
          HttpResponse::error(405, "method_not_allowed", "Method not allowed here"), req, keep);
    }
    co_return co_await serve_file(req, *request, keep);
  }

  // Calls `start(done)` and waits until `done(value)` is called, maybe later and from another
  // thread; the coroutine resumes on this session's strand. A second call of `done` is ignored.
  // The initiation captures only pointers on purpose: Asio passes it by value to a coroutine, and
  // GCC 12 destroyed such a by-value closure twice (seen under ASan as a double release of a
  // captured shared_ptr, then of a captured strand executor).
  template <class T, class Start>
  awaitable<T> await_callback(const Start& start) {
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(
        [start_ptr = &start, ex_ptr = &executor_](auto completion) {
          struct Once {
            decltype(completion) handler;
            std::atomic<bool> used{false};
          };
          auto once = std::make_shared<Once>(std::move(completion));
          (*start_ptr)(std::function<void(T)>([once, ex = *ex_ptr](T value) {
            if (once->used.exchange(true)) return;
            asio::post(ex, [once, value = std::move(value)]() mutable {
              once->handler(std::move(value));
            });
          }));
        },
        use_awaitable);
  }

  // Runs a REST handler and waits for its reply.
  awaitable<HttpResponse> call(const Handler& handler,
                               const std::shared_ptr<const HttpRequest>& request) {
    co_return co_await await_callback<HttpResponse>(
        [&handler, &request](std::function<void(HttpResponse)> reply) {
          handler(request, std::move(reply));
        });
  }

  awaitable<bool> serve_file(const BeastRequest& req, const HttpRequest& request, bool keep) {
    auto file = shared_->static_files.resolve(request.path, request.header("accept-encoding"));
    if (!file)
      co_return co_await write(HttpResponse::error(404, "not_found", "Not found"), req, keep);
    if (etag_matches(request.header("if-none-match"), file->etag)) {
      HttpResponse res{304,
                       {{"ETag", file->etag},
                        {"Cache-Control", file->cache_control},
                        {"Vary", "Accept-Encoding"}},
                       {}};
      co_return co_await write(res, req, keep);
    }
    http::response<http::file_body> res{http::status::ok, req.version()};
    beast::error_code ec;
    res.body().open(file->path.c_str(), beast::file_mode::scan, ec);
    if (ec) {
      spdlog::error("cannot open {}: {}", file->path.string(), ec.message());
      co_return co_await write(HttpResponse::error(500, "internal", "Cannot read file"), req, keep);
    }
    res.set(http::field::content_type, file->content_type);
    res.set(http::field::etag, file->etag);
    res.set(http::field::cache_control, file->cache_control);
    res.set(http::field::vary, "Accept-Encoding");
    if (!file->csp.empty()) res.set("Content-Security-Policy", file->csp);
    if (!file->content_encoding.empty())
      res.set(http::field::content_encoding, file->content_encoding);
    co_return co_await send(std::move(res), req, keep);
  }

  awaitable<bool> write(const HttpResponse& r, const BeastRequest& req, bool keep) {
    if (r.file) co_return co_await write_file(r, req, keep);
    http::response<http::string_body> res{static_cast<http::status>(r.status),
                                          req.version() ? req.version() : 11};
    for (const auto& [k, v] : r.headers) {
      // Set-Cookie may come more than once (a session and a cleared cookie); others replace.
      if (beast::iequals(k, "set-cookie")) {
        res.insert(k, v);
      } else {
        res.set(k, v);
      }
    }
    res.body() = r.body;
    co_return co_await send(std::move(res), req, keep);
  }

  // A slice of a file as the body, read and sent a chunk at a time (never whole in memory).
  awaitable<bool> write_file(const HttpResponse& r, const BeastRequest& req, bool keep) {
    auto started = Clock::now();
    const FileSlice& slice = *r.file;
    beast::file file;
    beast::error_code ec;
    file.open(slice.path.c_str(), beast::file_mode::scan, ec);
    if (!ec && slice.offset) file.seek(slice.offset, ec);
    if (ec) {
      spdlog::error("cannot read {}: {}", slice.path, ec.message());
      co_return co_await write(HttpResponse::error(500, "internal", "Cannot read the file"), req,
                               keep);
    }
    http::response<http::buffer_body> res{static_cast<http::status>(r.status),
                                          req.version() ? req.version() : 11};
    for (const auto& [k, v] : r.headers) {
      // Set-Cookie may come more than once (a session and a cleared cookie); others replace.
      if (beast::iequals(k, "set-cookie")) {
        res.insert(k, v);
      } else {
        res.set(k, v);
      }
    }
    res.set(http::field::server, kServerName);
    for (const auto& [k, v] : security_headers()) {
      if (res.find(k) == res.end()) res.set(k, v);
    }
    // Served over https (here, or behind a TLS proxy per --public-url): browsers are to keep to it.
    if (shared_->config.https())
      res.set(http::field::strict_transport_security, "max-age=31536000");
    res.keep_alive(keep);
    res.content_length(slice.length);
    res.body().data = nullptr;
    res.body().more = true;
    http::response_serializer<http::buffer_body> sr{res};
    auto token = asio::redirect_error(use_awaitable, ec);
    tcp().expires_after(as_duration(limits_.write_timeout));
    std::size_t sent = co_await http::async_write_header(stream_, sr, token);
    std::uint64_t left = req.method() == http::verb::head ? 0 : slice.length;
    constexpr std::size_t kChunk = 256 * 1024;
    std::unique_ptr<char[]> chunk = left ? std::make_unique<char[]>(kChunk) : nullptr;
    while (!ec && left > 0) {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, kChunk));
      std::size_t got = file.read(chunk.get(), want, ec);
      if (ec || got == 0) {
        spdlog::error("reading {} failed: {}", slice.path, ec ? ec.message() : "short file");
        ec = asio::error::broken_pipe;  // the length is promised: all we can do is close
        break;
      }
      left -= got;
      res.body().data = chunk.get();
      res.body().size = got;
      res.body().more = left > 0;
      tcp().expires_after(as_duration(limits_.write_timeout));
      sent += co_await http::async_write(stream_, sr, token);
      if (ec == http::error::need_buffer) ec = {};
    }
    if (!ec && req.method() != http::verb::head && !sr.is_done()) {
      res.body().data = nullptr;
      res.body().more = false;
      sent += co_await http::async_write(stream_, sr, token);
    }
    shared_->metrics.bytes_out += sent;
    shared_->metrics.count_response(r.status);
    std::string_view target = req.target();
    spdlog::debug(
        "{} {} {} {} {}B {}us", remote_, req.method_string(), target.substr(0, target.find('?')),
        r.status, sent,
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count());
    co_return !ec && keep;
  }

  template <class Body>
  awaitable<bool> send(http::response<Body> res, const BeastRequest& req, bool keep) {
    auto started = Clock::now();
    res.set(http::field::server, kServerName);
    for (const auto& [k, v] : security_headers()) {
      if (res.find(k) == res.end()) res.set(k, v);
    }
    // Served over https (here, or behind a TLS proxy per --public-url): browsers are to keep to it.
    if (shared_->config.https())
      res.set(http::field::strict_transport_security, "max-age=31536000");
    res.keep_alive(keep);
    res.prepare_payload();
    if (req.method() == http::verb::head) {
      auto length = res.payload_size();
      http::response<http::empty_body> head;
      head.base() = res.base();
      bool bodiless = res.result_int() == 304 || res.result_int() == 204 || res.result_int() < 200;
      if (length && !bodiless) head.content_length(*length);
      co_return co_await transmit(std::move(head), req, keep, started);
    }
    co_return co_await transmit(std::move(res), req, keep, started);
  }

  template <class Body>
  awaitable<bool> transmit(http::response<Body> res, const BeastRequest& req, bool keep,
                           Clock::time_point started) {
    beast::error_code ec;
    tcp().expires_after(as_duration(limits_.write_timeout));
    http::response_serializer<Body> sr{res};
    if (req.method() == http::verb::head) sr.split(true);
    std::size_t n =
        req.method() == http::verb::head
            ? co_await http::async_write_header(stream_, sr,
                                                asio::redirect_error(use_awaitable, ec))
            : co_await http::async_write(stream_, sr, asio::redirect_error(use_awaitable, ec));
    shared_->metrics.bytes_out += n;
    shared_->metrics.count_response(res.result_int());
    // The path without its query: queries can carry secrets (links with tokens).
    std::string_view target = req.target();
    spdlog::debug(
        "{} {} {} {} {}B {}us", remote_, req.method_string(), target.substr(0, target.find('?')),
        res.result_int(), n,
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count());
    co_return !ec && keep;
  }

  // After an error response, stop sending and read what the peer still sends for a short while, so
  // closing does not reset the connection before the peer has read the response.
  awaitable<void> linger_close() {
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp().expires_after(std::chrono::seconds(2));
    std::size_t drained = 0;
    char sink[16384];
    while (!ec && drained < (8u << 20)) {
      drained += co_await tcp().async_read_some(asio::buffer(sink),
                                                asio::redirect_error(use_awaitable, ec));
    }
    tcp().close();
  }

  awaitable<void> close() {
    beast::error_code ec;
    if constexpr (kTls) {
      tcp().expires_after(std::chrono::seconds(2));
      co_await stream_.async_shutdown(asio::redirect_error(use_awaitable, ec));
    }
    tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp().close();
  }

  std::shared_ptr<Shared> shared_;
  std::shared_ptr<void> ticket_;  // counts this connection against max_connections
  Stream stream_;
  asio::any_io_executor executor_;  // the connection's strand; outlives a move of stream_
  std::string remote_;
  const config::Limits& limits_;
  TokenBucket bucket_;
  beast::flat_buffer buffer_;
  std::uint64_t id_ = 0;
  bool idle_ = false;      // waiting for a request to begin (strand only)
  bool draining_ = false;  // finish the current response, then close (strand only)
};

template <class Stream>
void start(std::shared_ptr<Shared> shared, Stream stream, std::string remote,
           std::shared_ptr<void> ticket) {
  auto ex = stream.get_executor();
  auto session = std::make_shared<HttpSession<Stream>>(std::move(shared), std::move(stream),
                                                       std::move(remote), std::move(ticket));
  asio::co_spawn(
      ex, [session]() -> awaitable<void> { co_await session->run(); },
      [](std::exception_ptr e) { log_exception(e, "http session"); });
}

}  // namespace

}  // namespace parley::net::detail
