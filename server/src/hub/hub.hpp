// The Hub: which local sockets belong to which user and follow which rooms, and the fan-out of a
// bus message to them. A frame is serialized once and shared; a socket that cannot keep up is
// closed by its own bounded queue, never slowing the others.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bus/bus.hpp"

namespace parley::hub {

using UserId = std::int64_t;
using RoomId = std::int64_t;
using ConnId = std::uint64_t;
using Frame = std::shared_ptr<const std::string>;

// A socket as the hub sees it. send() must not block (it queues).
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual void send(const Frame& frame) = 0;
};

class Hub {
 public:
  // A socket of `user`: from now on that user's membership changes apply to it. Returns true when
  // it is the user's first socket on this node (the user came online).
  bool add(ConnId conn, UserId user, std::shared_ptr<Subscriber> subscriber);
  // Follows `rooms` (the user's rooms when the socket opened).
  void follow(ConnId conn, const std::vector<RoomId>& rooms);
  // Returns true when it was the user's last socket on this node (the user went offline).
  bool remove(ConnId conn);

  void deliver(const bus::Message& m);

  bool follows(ConnId conn, RoomId room) const;
  std::vector<RoomId> rooms_of(ConnId conn) const;
  bool online(UserId user) const;
  std::size_t connections() const;

 private:
  struct Conn {
    ConnId id;
    UserId user;
    std::shared_ptr<Subscriber> subscriber;
    std::vector<RoomId> rooms;  // unsorted, small
  };
  void follow_locked(Conn& c, RoomId room);
  void unfollow_locked(Conn& c, RoomId room);
  void deliver_room(const bus::Message& m) const;
  void deliver_presence(const bus::Message& m) const;

  mutable std::shared_mutex mu_;
  std::unordered_map<ConnId, std::unique_ptr<Conn>> conns_;
  std::unordered_map<UserId, std::vector<Conn*>> users_;
  std::unordered_map<RoomId, std::vector<Conn*>> rooms_;
};

}  // namespace parley::hub
