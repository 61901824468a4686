// Internal to net/: the WebSocket session as a template on its stream (plain TCP or TLS). Each
// stream type is compiled in its own translation unit (ws_session_plain.cpp, ws_session_tls.cpp).
// Beast does the handshake; after it the session frames messages itself (net/ws_frames.hpp), so
// that everything queued for a socket leaves in one gather-write.
#pragma once

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <array>
#include <cstring>
#include <deque>
#include <optional>
#include <random>
#include <span>

#include "net/http_policy.hpp"
#include "net/session.hpp"
#include "net/ws_frames.hpp"

namespace parley::net::detail {
namespace {

namespace websocket = beast::websocket;
using asio::awaitable;
using asio::use_awaitable;

template <class Stream>
class WsSession : public WsConnection,
                  public Drainable,
                  public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(std::shared_ptr<Shared> shared, websocket::stream<Stream> ws, WsHandoff handoff)
      : shared_(std::move(shared)),
        handoff_(std::move(handoff)),
        ws_(std::in_place, std::move(ws)),
        ex_(ws_->get_executor()),
        wake_(ex_),
        deadline_(ex_),
        keepalive_(ex_),
        id_(shared_->next_id++),
        bucket_(shared_->config.limits.requests_per_second, shared_->config.limits.request_burst) {}
  // Upgraded already (the 101 went out from the HTTP context).
  WsSession(std::shared_ptr<Shared> shared, Stream upgraded, WsHandoff handoff)
      : shared_(std::move(shared)),
        handoff_(std::move(handoff)),
        stream_(std::in_place, std::move(upgraded)),
        ex_(stream_->get_executor()),
        wake_(ex_),
        deadline_(ex_),
        keepalive_(ex_),
        id_(shared_->next_id++),
        bucket_(shared_->config.limits.requests_per_second, shared_->config.limits.request_burst) {}

  // Any thread. Frames wait in `outbox_`; the strand is woken only when the writer may be asleep,
  // so a fan-out burst costs one post per socket, not one per frame.
  bool send(std::shared_ptr<const std::string> frame, Pace pace) override {
    if (closed_) return false;
    bool wake = false;
    {
      std::lock_guard lock(outbox_mu_);
      const auto& limits = shared_->config.limits;
      // Bounded in frames and in bytes (the frames in the write under way count too); one frame
      // larger than the whole budget still goes to a socket that has nothing else queued.
      if (outbox_.size() >= limits.ws_queue_frames ||
          (queued_bytes_ > 0 && queued_bytes_ + frame->size() > limits.ws_queue_bytes)) {
        if (overflowed_) return false;
        overflowed_ = true;
        wake = true;
      } else {
        queued_bytes_ += frame->size();
        outbox_.push_back(std::move(frame));
        // One wake per burst; a kNow frame during a gathering wait needs one of its own.
        bool urgent = pace == Pace::kNow && !urgent_;
        if (urgent) urgent_ = true;
        wake = !wake_posted_ || urgent;
      }
      if (wake) wake_posted_ = true;
    }
    if (wake) {
      asio::post(ex_, [self = this->shared_from_this()] {
        bool urgent = false;
        {
          std::lock_guard lock(self->outbox_mu_);
          urgent = self->urgent_;
        }
        if (!self->coalescing_ || urgent) self->wake_.cancel_one();
        bool overflowed = false;
        {
          std::lock_guard lock(self->outbox_mu_);
          overflowed = self->overflowed_;
        }
        if (overflowed) self->drop_slow();  // now, even while a write to it is stuck
      });
    }
    return true;
  }

  void close(std::uint16_t code, std::string reason) override {
    asio::post(ex_, [self = this->shared_from_this(), code, reason = std::move(reason)] {
      self->start_close(code, reason);
    });
  }

  ConnId id() const override { return ConnId{id_}; }

  void when_writable(std::function<void()> fn) override {
    // A closed socket drains nothing more: `fn` (which may hold the caller's state, and the
    // caller this socket) is let go rather than kept for ever.
    if (closed_) return;
    {
      std::lock_guard lock(outbox_mu_);
      if (queued_bytes_ > low_water()) {
        writable_ = std::move(fn);  // the writer calls it once the queue has drained enough
        return;
      }
    }
    fn();
  }

  void drain() override { close(kCloseGoingAway, "server going away"); }

  awaitable<void> run() {
    const std::string remote = handoff_.request->remote_address;
    const auto& limits = shared_->config.limits;
    beast::error_code ec;
    auto token = asio::redirect_error(use_awaitable, ec);
    if (ws_) {                    // not upgraded yet
      configure_handshake(*ws_);  // arm_keepalive() pings instead of Beast
      co_await ws_->async_accept(handoff_.upgrade, token);
      if (ec) co_return;
      // From here the session frames messages itself: it keeps the bare stream and lets Beast's
      // websocket state (a 1.5 KB read buffer among it) go, which idle sockets would carry.
      stream_.emplace(std::move(ws_->next_layer()));
      ws_.reset();
    }
    beast::get_lowest_layer(*stream_).expires_never();  // arm_keepalive() watches the peer

    auto self = this->shared_from_this();
    registry_id_ = shared_->enroll(this->weak_from_this());
    shared_->metrics.ws_connections++;
    // Undone however the session ends: normally, by an exception, or by its frame being destroyed.
    struct Leave {
      WsSession* s;
      ~Leave() {
        s->closed_ = true;
        s->closing_ = true;
        s->reader_done_ = true;  // the writer sends what control frames wait, then ends
        s->wake_.cancel();
        s->deadline_.cancel();
        std::function<void()> waiter;
        {
          std::lock_guard lock(s->outbox_mu_);
          waiter.swap(s->writable_);  // let go of the caller's state: nothing more will drain
        }
        s->keepalive_.cancel();
        s->shared_->ws.on_close(s->shared_from_this());
        s->shared_->metrics.ws_connections--;
        s->shared_->withdraw(s->registry_id_);
      }
    } leave{this};
    shared_->metrics.count_response(101);
    spdlog::debug("{} WebSocket {} open", remote, id_);
    shared_->ws.on_open(self, *handoff_.request, handoff_.principal);
    // An open socket needs neither the upgrade request nor its parsed copy: a few kilobytes per
    // idle connection.
    handoff_.upgrade = {};
    handoff_.request.reset();
    handoff_.principal.reset();
    if (shared_->stopping) start_close(kCloseGoingAway, "server going away");
    asio::co_spawn(
        ex_, [self]() -> awaitable<void> { co_await self->write_loop(); },
        [](std::exception_ptr e) { log_exception(e, "websocket writer"); });
    // The first ping after a full interval.
    keepalive_.expires_after(
        std::chrono::duration_cast<asio::steady_timer::duration>(limits.ws_ping_interval));
    keepalive_.async_wait([self](beast::error_code ec) {
      if (ec || self->closing_) return;
      self->ping();
      self->arm_keepalive(true);
    });

    ws::Reader reader(limits.ws_max_message_bytes);
    beast::flat_buffer buffer;
    bool broken = false;  // the peer broke the protocol: read nothing more of it
    while (!peer_closed_) {
      while (!broken) {
        auto data = buffer.data();
        auto event = reader.next(
            std::span<std::uint8_t>(static_cast<std::uint8_t*>(data.data()), data.size()));
        if (event.kind == ws::Event::Kind::kNone && event.consumed == 0) break;
        broken = !on_frame(self, event);
        buffer.consume(event.consumed);
      }
      if (broken) buffer.consume(buffer.size());
      // An idle socket holds no read buffer: on plain TCP it waits for readability first.
      if (buffer.size() == 0) {
        buffer.shrink_to_fit();
        if constexpr (std::is_same_v<Stream, PlainStream>) {
          co_await stream().socket().async_wait(tcp::socket::wait_read, token);
          if (ec) break;
        }
      }
      std::size_t n = co_await stream().async_read_some(buffer.prepare(kReadChunk), token);
      if (ec) break;
      buffer.commit(n);
      shared_->metrics.bytes_in += n;
    }
    spdlog::debug("{} WebSocket {} closed: {}", remote, id_, ec.message());
  }

 private:
  static constexpr std::size_t kReadChunk = 16 * 1024;
  static constexpr std::size_t kCopyMaxBytes = 2048;  // frames copied into one write buffer

  Stream& stream() { return *stream_; }
  void cut() { beast::get_lowest_layer(*stream_).close(); }

  // One parsed frame, on the strand. Returns false when the stream can no longer be read.
  bool on_frame(const std::shared_ptr<WsSession>& self, const ws::Event& e) {
    using Kind = ws::Event::Kind;
    switch (e.kind) {
      case Kind::kNone:
        return true;
      case Kind::kText:
        shared_->metrics.ws_messages_in++;
        if (closing_) return true;
        if (!bucket_.take()) {
          start_close(kClosePolicyViolation, "too many messages");
        } else {
          shared_->ws.on_message(self, e.payload);
        }
        return true;
      case Kind::kBinary:
        shared_->metrics.ws_messages_in++;
        start_close(kCloseUnsupportedData, "text frames only");
        return true;
      case Kind::kPing:
        // Control frames count against the rate like messages, and at most one pong waits to
        // go: a flood of pings to a socket that does not read queues nothing.
        if (closing_) return true;
        if (!bucket_.take()) {
          start_close(kClosePolicyViolation, "too many messages");
          return true;
        }
        for (auto& c : control_) {
          if (c.opcode == ws::kPong) {
            c.payload = std::string(e.payload);
            return true;
          }
        }
        queue_control(ws::kPong, std::string(e.payload));
        return true;
      case Kind::kPong:
        if (closing_) return true;
        if (!bucket_.take()) {
          start_close(kClosePolicyViolation, "too many messages");
          return true;
        }
        // Only the answer to our ping proves the peer reads: it carries the ping's random
        // payload (an unsolicited pong would keep a socket that never reads alive).
        if (awaiting_pong_ && e.payload == std::string_view(ping_tag_.data(), ping_tag_.size())) {
          awaiting_pong_ = false;
        }
        return true;
      case Kind::kClose:
        peer_closed_ = true;
        if (close_sent_) {
          cut();  // the handshake is complete
        } else {
          // Echo the peer's code; the writer closes the TCP connection after sending it.
          start_close(e.code == ws::kCloseNoStatus ? std::uint16_t{0} : e.code, "");
        }
        return false;
      case Kind::kError:
        spdlog::debug("WebSocket {}: {}", id_, e.error);
        start_close(e.code, e.error);
        return false;
    }
    return true;
  }

  // A control frame goes out before the queued messages. Strand only.
  void queue_control(std::uint8_t opcode, std::string payload) {
    control_.push_back(Control{opcode, std::move(payload)});
    wake_.cancel_one();
  }

  // A ping with a fresh random payload, which the pong must echo. Strand only.
  void ping() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const std::uint64_t tag = rng();
    std::memcpy(ping_tag_.data(), &tag, sizeof tag);
    awaiting_pong_ = true;
    queue_control(ws::kPing, std::string(ping_tag_.data(), ping_tag_.size()));
  }

  // Sends a close frame (code 0: one without a code) after which nothing else is written; the
  // TCP connection ends when the peer answers, or at the deadline.
  void start_close(std::uint16_t code, const std::string& reason) {
    if (closing_) return;
    closing_ = true;
    closed_ = true;
    keepalive_.cancel();
    queue_control(ws::kClose, code ? ws::close_payload(code, reason) : std::string());
    // A peer that does not read (the usual reason to drop it) never lets the close frame out:
    // once it has taken nothing for kCloseDeadline the TCP connection is cut and the session's
    // memory freed. One that reads (a backlog, then the close frame) is given the time it needs.
    watch(kCloseDeadline);
  }

  // Cuts the connection once `span` passes without the peer taking a byte (a write in progress,
  // or a close handshake). Strand only; progress() moves the deadline on, unwatch() ends it.
  void watch(std::chrono::steady_clock::duration span) {
    if (closing_) span = std::min<std::chrono::steady_clock::duration>(span, kCloseDeadline);
    watch_span_ = span;
    progress_ = std::chrono::steady_clock::now();
    watching_ = true;
    if (deadline_armed_) return;  // the pending wait looks at progress_ when it fires
    deadline_armed_ = true;
    deadline_.expires_at(progress_ + watch_span_);
    deadline_.async_wait(
        [self = this->shared_from_this()](beast::error_code ec) { self->on_deadline(ec); });
  }
  void progress() { progress_ = std::chrono::steady_clock::now(); }
  void unwatch() {
    if (!closing_) watching_ = false;  // a closing socket is watched until it is gone
  }
  void on_deadline(beast::error_code ec) {
    deadline_armed_ = false;
    if (ec || !watching_) return;
    const auto due = progress_ + watch_span_;
    if (std::chrono::steady_clock::now() < due) {
      deadline_armed_ = true;
      deadline_.expires_at(due);
      deadline_.async_wait(
          [self = this->shared_from_this()](beast::error_code ec) { self->on_deadline(ec); });
      return;
    }
    spdlog::debug("WebSocket {} cut: the peer took nothing for {} ms", id_,
                  std::chrono::duration_cast<std::chrono::milliseconds>(watch_span_).count());
    if (!closing_) shared_->metrics.ws_dropped_slow++;
    closing_ = true;
    closed_ = true;
    cut();
  }

  std::size_t low_water() const {
    return std::min<std::size_t>(kLowWaterBytes, shared_->config.limits.ws_queue_bytes / 2);
  }

  // On the strand: the outbox overflowed, so the peer is too slow; it resyncs when it returns.
  void drop_slow() {
    if (closing_) return;
    shared_->metrics.ws_dropped_slow++;
    spdlog::info("WebSocket {} dropped: more than {} frames queued", id_,
                 shared_->config.limits.ws_queue_frames);
    start_close(kCloseTryAgainLater, "too slow: reconnect and resync");
  }

  // Pings every ws_ping_interval; a peer that has not answered within ws_pong_timeout is gone
  // (a dead network does not say so), so its socket is closed and its resources freed.
  // A ping every ws_ping_interval (or every ws_pong_timeout, if longer); each must be answered
  // within ws_pong_timeout. A timer with callbacks rather than a coroutine: an idle socket then
  // holds one coroutine frame less.
  void arm_keepalive(bool pinged) {
    using D = asio::steady_timer::duration;
    const auto& limits = shared_->config.limits;
    auto interval = std::chrono::duration_cast<D>(limits.ws_ping_interval);
    auto grace = std::chrono::duration_cast<D>(limits.ws_pong_timeout);
    if (!pinged) {
      keepalive_.expires_after(interval > grace ? interval - grace : D::zero());
    } else {
      keepalive_.expires_after(grace);
    }
    keepalive_.async_wait([self = this->shared_from_this(), pinged](beast::error_code ec) {
      if (ec || self->closing_) return;
      if (!pinged) {
        self->ping();
        self->arm_keepalive(true);
        return;
      }
      if (!self->awaiting_pong_) return self->arm_keepalive(false);
      // A dead network does not say so: no close handshake with a peer that is not there.
      spdlog::debug("WebSocket {} closed: no pong within {} s", self->id_,
                    self->shared_->config.limits.ws_pong_timeout.count());
      self->shared_->metrics.ws_dropped_silent++;
      self->closing_ = true;
      self->closed_ = true;
      self->cut();
    });
  }

  // Frames are queued and none of them is to go at once.
  bool outbox_waits() {
    std::lock_guard lock(outbox_mu_);
    return !outbox_.empty() && !urgent_;
  }

  // Sends, in one gather-write, the control frames and then every message queued since the last
  // write: one system call for a burst, however many frames it holds. Headers and small frames are
  // copied into one contiguous buffer (a copy of a chat message costs far less than an iovec: Asio
  // gives the kernel at most 64 per call), larger ones are sent from where they are.
  awaitable<void> write_loop() {
    beast::error_code ec;
    auto token = asio::redirect_error(use_awaitable, ec);
    std::vector<std::shared_ptr<const std::string>> batch;
    std::vector<Control> controls;
    std::string packed;  // headers and small payloads, back to back
    struct Piece {
      const char* data;  // nullptr: `size` bytes of `packed` from `offset`
      std::size_t offset, size;
    };
    std::vector<Piece> pieces;
    std::vector<asio::const_buffer> buffers;
    auto copy = [&](const void* data, std::size_t size) {
      if (!pieces.empty() && pieces.back().data == nullptr) {
        pieces.back().size += size;
      } else {
        pieces.push_back(Piece{nullptr, packed.size(), size});
      }
      packed.append(static_cast<const char*>(data), size);
    };
    auto add_frame = [&](std::uint8_t opcode, const char* data, std::size_t size) {
      std::array<std::uint8_t, ws::kMaxHeaderBytes> header;
      copy(header.data(), ws::write_header(opcode, size, header.data()));
      if (size <= kCopyMaxBytes) {
        copy(data, size);
      } else {
        pieces.push_back(Piece{data, 0, size});
      }
    };
    const auto coalesce = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double, std::milli>(shared_->config.limits.ws_coalesce_ms));
    auto last_write = std::chrono::steady_clock::time_point::min();
    for (;;) {
      // A socket written to less than `coalesce` ago gathers what comes for the rest of it (a
      // control frame or a close ends the wait early).
      if (coalesce.count() > 0 && control_.empty() && !closing_ &&
          std::chrono::steady_clock::now() < last_write + coalesce && outbox_waits()) {
        coalescing_ = true;
        wake_.expires_at(last_write + coalesce);
        co_await wake_.async_wait(token);
        coalescing_ = false;
      }
      {
        std::lock_guard lock(outbox_mu_);
        batch.swap(outbox_);
        wake_posted_ = false;
        urgent_ = false;
      }
      if (closing_) {  // a closing socket gets its close frame, nothing more
        std::lock_guard lock(outbox_mu_);
        for (const auto& frame : batch) queued_bytes_ -= std::min(queued_bytes_, frame->size());
        batch.clear();
      }
      controls.assign(std::make_move_iterator(control_.begin()),
                      std::make_move_iterator(control_.end()));
      control_.clear();
      if (batch.empty() && controls.empty()) {
        if (close_sent_) co_return;
        // The reader is gone (the peer reset the connection, or sent FIN without a close frame):
        // nothing more will happen on this socket. Closed here: a writer waiting on for ever
        // kept the descriptor and the session of every peer that vanished like that.
        if (reader_done_) {
          cut();
          co_return;
        }
        // Idle: an idle socket keeps no write buffers (a busy one reuses them write after write).
        std::string().swap(packed);
        std::vector<Piece>().swap(pieces);
        std::vector<asio::const_buffer>().swap(buffers);
        std::vector<std::shared_ptr<const std::string>>().swap(batch);
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(token);
        continue;
      }
      packed.clear();
      pieces.clear();
      bool sends_close = false;
      for (const auto& c : controls) {
        if (sends_close) break;  // nothing follows a close frame
        sends_close = c.opcode == ws::kClose;
        add_frame(c.opcode, c.payload.data(), c.payload.size());
      }
      if (!sends_close) {
        for (const auto& frame : batch) add_frame(ws::kText, frame->data(), frame->size());
      }
      buffers.clear();
      for (const auto& p : pieces) {
        buffers.emplace_back(p.data ? p.data : packed.data() + p.offset, p.size);
      }
      std::size_t batch_bytes = 0;
      for (const auto& frame : batch) batch_bytes += frame->size();
      std::size_t total = 0;
      for (const auto& b : buffers) total += b.size();
      std::size_t n = 0;
      if constexpr (std::is_same_v<Stream, PlainStream>) {
        // Straight to the socket (the stream's timeout and rate machinery are not used for
        // writes), first without waiting: the usual write is taken whole at once, and then
        // needs no deadline (a pending timer per socket would cost ~700 B of every idle one).
        auto& sock = stream().socket();
        ec = {};  // it holds what the last wait ended with (a wake cancels it)
        if (!sock.non_blocking()) sock.non_blocking(true, ec);
        if (!ec) n = sock.write_some(buffers, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
          ec = {};
          n = 0;
        }
        if (ec) co_return;
      }
      if (n < total) {
        // The rest waits for the peer, under a deadline moved on whenever it takes some: a peer
        // that stops reading is cut after write_timeout, however much it has queued.
        watch(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            shared_->config.limits.write_timeout));
        std::size_t reported = 0;
        auto on_progress = [this, &reported](const beast::error_code& e, std::size_t done) {
          if (done > reported) {
            reported = done;
            progress();
          }
          return asio::transfer_all()(e, done);
        };
        beast::buffers_suffix<std::vector<asio::const_buffer>> rest(buffers);
        rest.consume(n);
        if constexpr (std::is_same_v<Stream, PlainStream>) {
          n += co_await asio::async_write(stream().socket(), rest, on_progress, token);
        } else {
          n += co_await asio::async_write(stream(), rest, on_progress, token);
        }
        unwatch();
      }
      if (ec) co_return;
      last_write = std::chrono::steady_clock::now();
      shared_->metrics.bytes_out += n;
      if (!sends_close) shared_->metrics.ws_messages_out += batch.size();
      batch.clear();
      std::function<void()> writable;
      {
        std::lock_guard lock(outbox_mu_);
        queued_bytes_ -= std::min(queued_bytes_, batch_bytes);
        if (writable_ && queued_bytes_ <= low_water()) writable.swap(writable_);
      }
      if (writable) writable();
      if (sends_close) {
        close_sent_ = true;
        // The server closes the TCP connection first once both sides have sent their close.
        if (peer_closed_) cut();
        co_return;
      }
    }
  }

  struct Control {
    std::uint8_t opcode;
    std::string payload;
  };

  static constexpr auto kCloseDeadline = std::chrono::seconds(3);
  static constexpr std::size_t kLowWaterBytes = 1 << 20;  // when_writable() callers go on below

  std::shared_ptr<Shared> shared_;
  WsHandoff handoff_;  // the upgrade request, who the socket belongs to, its connection ticket
  std::optional<websocket::stream<Stream>> ws_;  // until the handshake is done
  std::optional<Stream> stream_;                 // after it
  typename Stream::executor_type ex_;            // the session's strand
  asio::steady_timer wake_;                      // the writer sleeps on it while the queue is empty
  asio::steady_timer deadline_;                  // cuts a peer that takes nothing: see watch()
  asio::steady_timer keepalive_;                 // the next ping, then the deadline for its pong
  std::chrono::steady_clock::time_point progress_;    // strand only: the peer last took bytes
  std::chrono::steady_clock::duration watch_span_{};  // strand only
  bool watching_ = false;                             // strand only
  bool deadline_armed_ = false;                       // strand only
  bool awaiting_pong_ = false;                        // strand only
  std::array<char, 8> ping_tag_{};                    // strand only: the last ping's payload
  std::deque<Control> control_;  // strand only: pong, ping, close frames to send next
  bool coalescing_ = false;      // strand only: the writer waits on purpose; wakes leave it be
  bool close_sent_ = false;      // strand only
  bool peer_closed_ = false;     // strand only: the peer's close frame arrived
  bool reader_done_ = false;     // strand only: the read loop ended
  std::mutex outbox_mu_;
  std::vector<std::shared_ptr<const std::string>> outbox_;  // under outbox_mu_
  bool wake_posted_ = false;                                // under outbox_mu_
  bool urgent_ = false;             // under outbox_mu_: a kNow frame is queued
  bool overflowed_ = false;         // under outbox_mu_
  std::size_t queued_bytes_ = 0;    // under outbox_mu_: queued and being written
  std::function<void()> writable_;  // under outbox_mu_: see when_writable()
  std::uint64_t id_;
  std::uint64_t registry_id_ = 0;
  TokenBucket bucket_;
  bool closing_ = false;             // strand only
  std::atomic<bool> closed_{false};  // read by send() from any thread
};

template <class Stream, class Transport>
void start(std::shared_ptr<Shared> shared, Transport transport, WsHandoff handoff) {
  auto ex = transport.get_executor();
  auto session = std::make_shared<WsSession<Stream>>(std::move(shared), std::move(transport),
                                                     std::move(handoff));
  asio::co_spawn(
      ex, [session]() -> awaitable<void> { co_await session->run(); },
      [](std::exception_ptr e) { log_exception(e, "websocket session"); });
}

}  // namespace

}  // namespace parley::net::detail
