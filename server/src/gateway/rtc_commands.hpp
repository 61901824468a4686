// Calls on the socket: the rtc module's frame types registered with the command registry, and
// what its state machine decides turned into frames on the bus (a room's call state to its
// members, a relayed signal or a drop notice to one connection) and into the room's log.
//
// In a cluster a room's call lives on one node, its home: the node that claimed "call:<room>" on
// the bus when the call started (`Bus::claim`). Call commands that reach another node are handed
// to the home node (a kNode message carrying the frame and who sent it) and run there as if the
// socket were local; answers and signals come back addressed to the connection. Every node
// keeps a copy of the calls living elsewhere (their home and state, announced by the home node
// at each change) to know where to send commands and to list running calls. A socket that closes
// or a member who leaves is announced to the home node; a dead node's peers leave its calls, and
// calls whose home died end.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "bus/bus.hpp"
#include "chat/service.hpp"
#include "core/worker_pool.hpp"
#include "gateway/commands.hpp"
#include "gateway/handoff.hpp"
#include "gateway/stream.hpp"
#include "hub/hub.hpp"
#include "rtc/calls.hpp"
#include "rtc/turn.hpp"

namespace parley::gateway {

class RtcCommands final : public rtc::Listener {
 public:
  RtcCommands(chat::ChatService& chat, bus::Bus& bus, hub::Hub& hub, core::WorkerPool& pool,
              rtc::IceOptions ice, rtc::Options options, rtc::Calls::Schedule schedule);

  void install(Commands& commands);
  // Follows the event stream: a member who leaves or is removed leaves the room's call.
  void follow(EventStream& stream);
  // A socket closed.
  void closed(bus::ConnectionId conn);
  // A node of the cluster died (RedisBus::on_node_gone).
  void node_gone(bus::NodeId node);
  rtc::Calls& calls() { return calls_; }

  // rtc::Listener
  void state(RoomId room, const rtc::Call* call) override;
  void dropped(bus::ConnectionId conn, RoomId room, const std::string& peer,
               const std::string& reason) override;
  void record(RoomId room, UserId caller, const std::string& what, bool video,
              core::Millis duration) override;

 private:
  struct Elsewhere {
    bus::NodeId home = 0;
    std::string call;  // protocol::call_text
  };
  void install_handlers(Commands& t);
  // The node the room's call lives on: this one, another, or 0 (no call known).
  bus::NodeId home_of(RoomId room);
  // Hands the command to the call's home; false when it is this node (run it here).
  bool hand_on(const Call& call, RoomId room, const std::string& frame);
  void on_node_message(RoomId room, const boost::json::object& o);

  chat::ChatService& chat_;
  bus::Bus& bus_;
  hub::Hub& hub_;
  rtc::IceOptions ice_;
  Handoff handoff_;
  std::mutex mu_;
  std::unordered_map<RoomId, Elsewhere> elsewhere_;  // under mu_
  rtc::Calls calls_;  // last: its timers call back into the members above
};

}  // namespace parley::gateway
