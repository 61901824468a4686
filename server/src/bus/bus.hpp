// The Bus carries serialized frames between nodes, addressed to a room, a user, or one
// connection anywhere in the cluster, and holds the cluster's presence (who has a connection
// open, on any node) and its sign-outs. One node uses LocalBus (a direct call); a cluster will use
// Redis behind the same interface. Several nodes in one process may share one LocalBus (tests).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"

namespace parley::bus {

using NodeId = std::uint32_t;

// One WebSocket anywhere in the cluster: the node it is on and its number on that node.
struct ConnectionId {
  NodeId node = 0;
  ConnId local{};
  friend bool operator==(const ConnectionId&, const ConnectionId&) = default;
  // "node.local", as clients see it.
  std::string str() const { return std::to_string(node) + "." + std::to_string(local.value()); }
};

struct ConnectionIdHash {
  std::size_t operator()(const ConnectionId& c) const {
    return std::hash<std::uint64_t>()(c.local.value() * 0x9E3779B97F4A7C15ull ^ c.node);
  }
};

struct Message {
  enum class Kind {
    kRoom,        // to the connections following `room`
    kPresence,    // to the connections that share one of `rooms` with `user` or watch `user`
                  // (not user's own)
    kUser,        // to every connection of `user` (but `connection`, when one is set)
    kConnection,  // to the one connection `connection`
    kFollow,      // `connection` follows `rooms` from here on (its snapshot was taken before)
    kSignOut,     // closes `user`'s connections opened with sign-in `session` (0: every one)
    kEveryone,    // to every connection (a server-wide notice)
    kNode,        // to the node `connection.node` (0: every node), for its own services (calls):
                  // `room` and `frame` are theirs; no socket sees it
  };
  Kind kind = Kind::kRoom;
  RoomId room{};
  UserId user{};                // kPresence: whose; kRoom with skip_user: the sender
  bool skip_user = false;       // not to `user`'s own connections (typing)
  std::vector<UserId> added;    // users who became members: following before delivery
  std::vector<UserId> removed;  // users who stopped being members: unfollowing after it
  std::vector<RoomId> rooms;    // kPresence: the user's rooms; kFollow: the rooms to follow
  ConnectionId connection;      // kConnection, kFollow; kUser: the one left out
  std::int64_t session = 0;     // kSignOut
  std::shared_ptr<const std::string> frame;  // serialized once, shared by every socket

  // `frame` to the one connection `to`, wherever it is.
  static Message to_connection(ConnectionId to, std::string frame) {
    Message m;
    m.kind = Kind::kConnection;
    m.connection = to;
    m.frame = std::make_shared<const std::string>(std::move(frame));
    return m;
  }
};

class Bus {
 public:
  virtual ~Bus() = default;
  // Messages published from one thread reach every subscriber in the order published.
  virtual void publish(const Message& m) = 0;
  // Called at start-up, before any publish.
  virtual void subscribe(std::function<void(const Message&)> handler) = 0;

  // Presence, cluster-wide. `connected` returns true when it is the user's first connection on
  // any node (they came online), `disconnected` when it was their last (they went offline).
  virtual bool connected(UserId user, ConnectionId conn) = 0;
  virtual bool disconnected(UserId user, ConnectionId conn) = 0;
  virtual bool online(UserId user) = 0;

  // Cluster-wide claims (the node a room's call lives on): `claim` answers the node holding `key`
  // now, which is `node` when the key was free or its holder is gone. A claim lasts until its
  // holder releases it or dies.
  virtual NodeId claim(const std::string& key, NodeId node) = 0;
  virtual void release(const std::string& key, NodeId node) = 0;
};

// In-process: publishing is delivering, on the publisher's thread; presence is a map.
class LocalBus final : public Bus {
 public:
  void publish(const Message& m) override {
    for (auto& h : handlers_) h(m);
  }
  void subscribe(std::function<void(const Message&)> handler) override {
    handlers_.push_back(std::move(handler));
  }
  bool connected(UserId user, ConnectionId conn) override;
  bool disconnected(UserId user, ConnectionId conn) override;
  bool online(UserId user) override;
  NodeId claim(const std::string& key, NodeId node) override;
  void release(const std::string& key, NodeId node) override;

 private:
  std::vector<std::function<void(const Message&)>> handlers_;
  std::mutex mu_;
  std::unordered_map<UserId, std::vector<ConnectionId>> online_;  // under mu_
  std::unordered_map<std::string, NodeId> claims_;                // under mu_
};

}  // namespace parley::bus
