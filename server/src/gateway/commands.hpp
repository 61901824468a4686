// Command routing by module: each module (chat now; calls, the painter, push subscriptions next)
// registers the frame types it handles, each with its decoder and handler, from its own files.
// The registry applies the rules every frame shares: a JSON object, a well-formed `cid`, a known
// type, a `cid` where the type needs one, every field valid; the first problem is answered as an
// error frame, in one shape, and the handler never runs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "bus/bus.hpp"
#include "core/result.hpp"
#include "core/worker_pool.hpp"
#include "protocol/fields.hpp"

namespace parley::gateway {

// Who a socket belongs to, as decided at the upgrade.
struct Principal {
  UserId user{};
  std::int64_t session = 0;  // the sign-in the socket was opened with
  std::string username;
  std::string display_name;
};

// The socket a command came on, as handlers see it.
class Socket {
 public:
  virtual ~Socket() = default;
  virtual void send(std::string frame) = 0;
  // Sends `frame` after every event the stream has been handed so far has reached this socket
  // (on the writer thread: an ack follows the events of its command).
  virtual void send_after_events(std::string frame) = 0;
  virtual const Principal& who() const = 0;
  virtual bus::ConnectionId address() const = 0;
  // Runs `work` on `pool` after the socket's earlier reads, one at a time, each once the answers
  // before it have mostly left (a client that asks much and reads nothing pins one answer, not
  // a thousand).
  virtual void read_in_turn(core::WorkerPool& pool, std::function<void()> work) = 0;
};

// One command being handled: where it came from and how to answer it. Cheap to copy into the
// callbacks of asynchronous work.
class Call {
 public:
  Call(std::shared_ptr<Socket> socket, protocol::Cid cid, core::WorkerPool& pool)
      : socket_(std::move(socket)), cid_(std::move(cid)), pool_(&pool) {}
  const Principal& who() const { return socket_->who(); }
  UserId user() const { return socket_->who().user; }
  bus::ConnectionId connection() const { return socket_->address(); }
  const protocol::Cid& cid() const { return cid_; }

  void send(std::string frame) const { socket_->send(std::move(frame)); }
  // The answer to a write, from the writer thread: behind the events the write made.
  void send_after_events(std::string frame) const { socket_->send_after_events(std::move(frame)); }
  // The error frame for a refused command, with its cid.
  void refuse(const core::Error& error) const;
  // Runs `read` on the worker pool (it may block on the store) and sends its frame or its error
  // (an empty frame: nothing, the command was handed on and is answered from elsewhere).
  void read(std::function<core::Result<std::string>()> read) const;

 private:
  std::shared_ptr<Socket> socket_;
  protocol::Cid cid_;
  core::WorkerPool* pool_;
};

class Commands {
 public:
  enum class CidRule { kOptional, kRequired };
  // What a decoded command does, given the call it came in.
  using Action = std::function<void(const Call&)>;
  // Reads a frame's fields into an action; a problem recorded in the Fields wins over it.
  using Decoder = std::function<Action(protocol::Fields&)>;

  // Registers a frame type; a type registered twice is a programming error (throws).
  void add(std::string type, CidRule rule, Decoder decoder);
  // Typed: `read` turns the fields into a command C, `handle(call, C&)` acts on it.
  template <class C, class Handle>
  void add(std::string type, CidRule rule, C (*read)(protocol::Fields&), Handle handle) {
    add(std::move(type), rule, [read, handle](protocol::Fields& f) -> Action {
      return [handle, c = read(f)](const Call& call) mutable { handle(call, c); };
    });
  }

  struct Decoded {
    Action action;
    protocol::Cid cid;
  };
  // The uniform rules, then the type's decoder.
  std::variant<Decoded, protocol::FrameError> decode(std::string_view text) const;
  bool handles(std::string_view type) const;
  std::vector<std::string> types() const;

 private:
  struct Entry {
    CidRule rule;
    Decoder decoder;
  };
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace parley::gateway
