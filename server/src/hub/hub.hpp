// The Hub: which of this node's sockets belong to which user and follow which rooms, and the
// fan-out of bus messages to them. Sockets are sharded over lanes that run on the I/O threads, so
// one busy room uses every core; each lane takes the bus's messages in the bus's order, so a
// socket sees a room's frames in seq order. A frame is serialized once and shared; a socket that
// cannot keep up is closed by its own bounded queue, never slowing the others.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bus/bus.hpp"
#include "core/lane.hpp"

namespace parley::hub {

using Frame = std::shared_ptr<const std::string>;

// A socket as the hub sees it. Nothing here may block (send queues).
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // `now`: the frame answers this socket's own command (an ack), rather than being room traffic
  // that may wait a moment to leave with more.
  virtual void send(const Frame& frame, bool now) = 0;
  // The sign-in the socket was opened with ended (a kSignOut on any node).
  virtual void close(std::uint16_t code, std::string reason) = 0;
  // A kFollow for this socket was applied: every room frame after this call is newer than the
  // snapshot of rooms the kFollow was made from.
  virtual void followed() {}
  // The socket's user left a room while it watched people's presence, or someone it watches left
  // one: the watch may now hold people it may no longer see.
  virtual void left_room() {}
};

inline constexpr std::uint16_t kCloseSignedOut = 4001;  // application range: the sign-in ended
inline constexpr std::uint16_t kCloseRestart = 1012;    // "service restart": reconnect and resync

class Hub {
 public:
  // `node` names this node on the bus; `shards` lanes deliver (one per I/O thread).
  explicit Hub(bus::NodeId node = 1, unsigned shards = 1);
  ~Hub();
  // Where the lanes run (the I/O threads). Before any delivery; without it, a delivery runs on the
  // thread that hands it over, at once.
  void start(const core::Post& post);

  bus::NodeId node() const { return node_; }
  bus::ConnectionId address(ConnId conn) const { return {node_, conn}; }

  // A socket of `user` opened with sign-in `session`: from now on that user's membership changes
  // apply to it.
  void add(ConnId conn, UserId user, std::int64_t session, std::shared_ptr<Subscriber> subscriber);
  // Follows `rooms` at once (tests; sockets follow through a kFollow message, in the bus's order).
  void follow(ConnId conn, const std::vector<RoomId>& rooms);
  void remove(ConnId conn);
  // The socket follows the presence of `users` (replacing whom it followed): their kPresence
  // messages reach it whatever rooms they share.
  void watch(ConnId conn, std::vector<UserId> users);

  // A message from the bus: queued to the lanes of the sockets it may concern.
  void deliver(const bus::Message& m);

  // Closes every socket of this node (they reconnect and catch up from the store): the bus lost
  // messages, so what they hold may have gaps nobody will fill.
  void close_all(std::uint16_t code, const std::string& reason);

  bool follows(ConnId conn, RoomId room) const;
  std::vector<UserId> watching(ConnId conn) const;
  std::size_t connections() const;

 private:
  struct Conn {
    ConnId id{};
    UserId user{};
    std::int64_t session;
    std::shared_ptr<Subscriber> subscriber;
    std::vector<RoomId> rooms;     // unsorted, small
    std::vector<UserId> watching;  // sorted, unique
  };
  struct Shard;
  using Item = std::shared_ptr<const bus::Message>;

  Shard& shard_of(ConnId conn) const;
  void apply(Shard& s, const bus::Message& m);
  static void follow_locked(Shard& s, Conn& c, RoomId room);
  static void unfollow_locked(Shard& s, Conn& c, RoomId room);
  static void unwatch_locked(Shard& s, Conn& c);
  static void recheck_watches(Shard& s, const std::vector<UserId>& leaving);
  static void deliver_room(Shard& s, const bus::Message& m);
  static void deliver_presence(Shard& s, const bus::Message& m);

  bus::NodeId node_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace parley::hub
