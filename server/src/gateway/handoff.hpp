// Commands handed between the nodes of a cluster. A module whose state lives on one node (a
// room's call, a direct transfer) hands the commands that reach another node to that node (its
// home), where they run as if the socket were local: answers and errors go back addressed to the
// connection, and a socket's handed-on reads run there one at a time, in order. Besides commands,
// a module sends its own messages between nodes (a call's state for the others' copies, a socket
// that closed). All of it travels as bus::Message kNode, whose frame is a JSON object naming the
// module ("service") and what it is ("op"). One Handoff per module.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "bus/bus.hpp"
#include "core/worker_pool.hpp"
#include "gateway/commands.hpp"

namespace boost::json {
class object;
}

namespace parley::gateway {

class Handoff {
 public:
  // Subscribes to the bus: make it at start-up, before anything is published.
  Handoff(std::string service, bus::Bus& bus, bus::NodeId node, core::WorkerPool& pool);
  ~Handoff();
  Handoff(const Handoff&) = delete;
  Handoff& operator=(const Handoff&) = delete;

  bus::NodeId node() const { return node_; }
  // Whether the call came on a socket of this node (not handed on from another).
  bool here(const Call& call) const { return call.connection().node == node_; }

  // The module's commands for frames handed on to this node: install its handlers here too.
  Commands& commands() { return commands_; }
  // The frame as received, to hand on (register handlers through `add`).
  static std::string frame_text(const protocol::Fields& f);
  // As Commands::add, with the frame as received given to the handler too.
  template <class C, class Handle>
  static void add(Commands& t, std::string type, Commands::CidRule rule,
                  C (*read)(protocol::Fields&), Handle handle) {
    t.add(std::move(type), rule, [read, handle](protocol::Fields& f) -> Commands::Action {
      return [handle, c = read(f), frame = frame_text(f)](const Call& call) mutable {
        handle(call, c, frame);
      };
    });
  }

  // Hands the command `frame` from `call`'s socket to node `to`.
  void hand_on(const Call& call, bus::NodeId to, const std::string& frame);
  // One of the module's own messages to node `to` (0: every node, this one included): `message`
  // with "op" and what goes with it; `room` travels beside it.
  void send(bus::NodeId to, RoomId room, const boost::json::object& message);
  // The module's own messages from the bus (on a bus thread).
  void on_message(std::function<void(RoomId room, const boost::json::object&)> fn);

  // A socket of this node closed: when it had handed anything on, every node hears it.
  void closed(bus::ConnectionId conn);
  // Another node's socket that handed commands here closed.
  void on_closed_elsewhere(std::function<void(bus::ConnectionId)> fn);
  // A node died: its sockets' queues here go.
  void node_gone(bus::NodeId node);

 private:
  class RemoteSocket;
  void received(const bus::Message& m);

  std::string service_;
  bus::Bus& bus_;
  bus::NodeId node_;
  core::WorkerPool& pool_;
  Commands commands_;
  std::function<void(RoomId, const boost::json::object&)> on_message_;
  std::function<void(bus::ConnectionId)> on_closed_elsewhere_;
  std::mutex mu_;
  std::unordered_set<bus::ConnectionId, bus::ConnectionIdHash> handed_on_;  // under mu_
  std::unordered_map<bus::ConnectionId, std::shared_ptr<RemoteSocket>, bus::ConnectionIdHash>
      remote_;  // other nodes' sockets with commands here; under mu_
};

}  // namespace parley::gateway
