// Client WebSockets with their own framing (RFC 6455): the upgrade request is written by hand,
// then each read takes up to 64 KiB and every complete frame in it is handed over in place, and
// what is queued for sending leaves in one gather-write. Beast's websocket stream reads at most
// 1,536 bytes per system call and resumes the reader once per message: with it the generator
// saturated its core at 520,000-590,000 deliveries/s, below what the server could send.
#include <boost/asio.hpp>

#include <array>
#include <cstring>
#include <optional>
#include <random>

#include "load/loop_impl.hpp"
#include "load/net.hpp"

namespace parley::load {

namespace {

namespace asio = boost::asio;
using asio::awaitable;
using boost::system::error_code;
using tcp = asio::ip::tcp;

// Reads start at 2 KiB per socket (most sockets are quiet) and double, up to 64 KiB, while a
// read fills all the room it was given.
constexpr std::size_t kFirstRead = 2 * 1024, kMaxRead = 64 * 1024;
enum Opcode : std::uint8_t { kContinuation = 0, kText = 1, kClose = 8, kPing = 9 };

std::uint8_t byte(char c) {
  return static_cast<std::uint8_t>(c);
}

// A client frame: FIN set, masked as RFC 6455 requires of clients.
std::string encode_frame(std::uint8_t opcode, std::string_view payload, std::uint32_t mask) {
  std::string out;
  out.reserve(payload.size() + 14);
  out.push_back(static_cast<char>(0x80 | opcode));
  std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    for (int shift = 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  std::array<char, 4> key{};
  std::memcpy(key.data(), &mask, 4);
  out.append(key.data(), 4);
  std::size_t at = out.size();
  out.append(payload);
  for (std::size_t i = 0; i < n; ++i) out[at + i] = static_cast<char>(out[at + i] ^ key[i & 3]);
  return out;
}

struct Frame {
  bool fin = false;
  std::uint8_t opcode = 0;
  std::string_view payload;
  std::size_t size = 0;  // header and payload
};

// The first frame of `data` when it is complete. Server frames are never masked.
std::optional<Frame> decode_frame(std::string_view data) {
  if (data.size() < 2) return std::nullopt;
  std::size_t len = byte(data[1]) & 0x7F, head = 2;
  if (len >= 126) {
    head = len == 126 ? 4 : 10;
    if (data.size() < head) return std::nullopt;
    len = 0;
    for (std::size_t i = 2; i < head; ++i) len = (len << 8) | byte(data[i]);
  }
  if (data.size() - head < len) return std::nullopt;
  return Frame{(byte(data[0]) & 0x80) != 0, static_cast<std::uint8_t>(byte(data[0]) & 0x0F),
               data.substr(head, len), head + len};
}

std::string upgrade_request(const Endpoint& at, const std::string& cookie) {
  static constexpr char kBase64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  // Seeded once per thread: std::random_device costs tens of microseconds a call in this VM, which
  // made opening sockets the generator's bottleneck (98% of its core in a reconnect storm).
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::string key;  // 16 random bytes in base64: 21 free characters, then "A=="
  for (int i = 0; i < 21; ++i) key.push_back(kBase64[random() % 64]);
  key += "A==";
  return "GET /ws HTTP/1.1\r\nHost: " + at.host_port() +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
         "Sec-WebSocket-Key: " +
         key + "\r\nOrigin: " + at.origin() + "\r\nCookie: " + cookie + "\r\n\r\n";
}

class WsClientImpl final : public WsClient, public std::enable_shared_from_this<WsClientImpl> {
 public:
  WsClientImpl(asio::io_context& ctx, WsEvents events)
      : socket_(ctx),
        events_(std::move(events)),
        mask_(static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(this))) {}

  void start(const Endpoint& at, const std::string& cookie) {
    asio::co_spawn(socket_.get_executor(), run(at, cookie), asio::detached);
  }

  void send(std::string text) override {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this(), text = std::move(text)] {
      if (self->finished_ || self->close_sent_) return;
      self->enqueue(encode_frame(kText, text, self->next_mask()));
    });
  }

  void close() override {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (self->open_) self->send_close(1000);
    });
  }

 private:
  awaitable<void> run(Endpoint at, std::string cookie) {
    auto self = shared_from_this();
    std::string why = co_await open(at, cookie);
    if (!why.empty()) {
      finish(why);
      co_return;
    }
    open_ = true;
    if (closing_) send_close(1000);
    flush();
    co_await read_loop();
  }

  awaitable<std::string> open(const Endpoint& at, const std::string& cookie) {
    error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    tcp::endpoint peer(asio::ip::make_address(at.host, ec), at.port);
    if (ec) co_return "bad host " + at.host;
    co_await socket_.async_connect(peer, token);
    if (ec) co_return "connect: " + ec.message();
    socket_.set_option(tcp::no_delay(true), ec);
    std::string request = upgrade_request(at, cookie);
    co_await asio::async_write(socket_, asio::buffer(request), token);
    std::size_t head = 0;
    if (!ec)
      head = co_await asio::async_read_until(socket_, asio::dynamic_buffer(rx_), "\r\n\r\n", token);
    if (ec) co_return "upgrade: " + ec.message();
    std::string status = rx_.substr(0, rx_.find('\r'));
    if (!status.starts_with("HTTP/1.1 101")) co_return "handshake: " + status;
    rx_.erase(0, head);  // frames may already follow the response
    co_return "";
  }

  awaitable<void> read_loop() {
    error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    std::size_t used = rx_.size(), chunk = kFirstRead;
    while (!finished_) {
      std::size_t consumed = parse(std::string_view(rx_.data(), used));
      if (finished_) co_return;
      std::memmove(rx_.data(), rx_.data() + consumed, used - consumed);
      used -= consumed;
      if (rx_.size() - used < chunk) rx_.resize(used + chunk);
      std::size_t room = rx_.size() - used;
      std::size_t n =
          co_await socket_.async_read_some(asio::buffer(rx_.data() + used, room), token);
      if (ec) break;
      used += n;
      if (n == room && chunk < kMaxRead) chunk *= 2;
    }
    finish(closing_ ? "closed" : ec.message());
  }

  // Hands over every complete frame of `data`; returns the bytes they took.
  std::size_t parse(std::string_view data) {
    std::size_t at = 0;
    while (!finished_) {
      std::optional<Frame> frame = decode_frame(data.substr(at));
      if (!frame) break;
      at += frame->size;
      if (frame->opcode == kClose) {
        on_close_frame(frame->payload);
      } else if (frame->opcode == kPing) {
        enqueue(encode_frame(0xA, frame->payload, next_mask()));
      } else if (frame->opcode <= 2) {
        on_data(*frame);
      }
    }
    return at;
  }

  void on_data(const Frame& f) {
    if (f.fin && f.opcode != kContinuation && fragments_.empty()) {
      events_.on_frame(f.payload);  // in place, the common case
      return;
    }
    fragments_.append(f.payload);
    if (!f.fin) return;
    events_.on_frame(fragments_);
    fragments_.clear();
  }

  void on_close_frame(std::string_view payload) {
    int code = payload.size() >= 2 ? byte(payload[0]) << 8 | byte(payload[1]) : 1005;
    std::string reason(payload.size() > 2 ? payload.substr(2) : std::string_view());
    if (!close_sent_) send_close(code);  // the echo RFC 6455 asks for
    finish(closing_ ? "closed" : "close " + std::to_string(code) + " " + reason);
  }

  void send_close(int code) {
    if (close_sent_) return;
    close_sent_ = true;
    std::array<char, 2> payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    enqueue(encode_frame(kClose, std::string_view(payload.data(), 2), next_mask()));
  }

  void enqueue(std::string frame) {
    queue_.push_back(std::move(frame));
    flush();
  }

  // Everything queued leaves in one gather-write; what is queued meanwhile waits for the next.
  void flush() {
    if (writing_ || !open_ || queue_.empty()) return;
    writing_ = true;
    inflight_.swap(queue_);
    buffers_.clear();
    for (const auto& frame : inflight_) buffers_.push_back(asio::buffer(frame));
    asio::async_write(socket_, buffers_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->writing_ = false;
      self->inflight_.clear();
      if (ec) self->queue_.clear();
      self->flush();
      if (self->finished_ && !self->writing_) self->socket_.close(ec);
    });
  }

  void finish(const std::string& why) {
    if (finished_) return;
    finished_ = true;
    error_code ec;
    if (!writing_) socket_.close(ec);  // else once the close echo is written
    if (events_.on_close) events_.on_close(why);
  }

  std::uint32_t next_mask() {
    mask_ ^= mask_ << 13;
    mask_ ^= mask_ >> 17;
    mask_ ^= mask_ << 5;
    return mask_ | 1;
  }

  tcp::socket socket_;
  WsEvents events_;
  std::string rx_;         // received bytes: rx_[0, used) in read_loop
  std::string fragments_;  // a fragmented message so far
  std::vector<std::string> queue_, inflight_;
  std::vector<asio::const_buffer> buffers_;
  std::uint32_t mask_;
  bool open_ = false, writing_ = false, closing_ = false, close_sent_ = false, finished_ = false;
};

}  // namespace

std::shared_ptr<WsClient> open_ws(Loop& loop, const Endpoint& at, const std::string& cookie,
                                  WsEvents events) {
  auto client = std::make_shared<WsClientImpl>(loop.impl().ctx, std::move(events));
  client->start(at, cookie);
  return client;
}

}  // namespace parley::load
