// Calls on the socket: the rtc module's frame types registered with the command registry, and
// what its state machine decides turned into frames on the bus (a room's call state to its
// members, a relayed signal or a drop notice to one connection) and into the room's log.
#pragma once

#include <memory>

#include "bus/bus.hpp"
#include "chat/service.hpp"
#include "core/worker_pool.hpp"
#include "gateway/commands.hpp"
#include "gateway/stream.hpp"
#include "hub/hub.hpp"
#include "rtc/calls.hpp"
#include "rtc/turn.hpp"

namespace parley::gateway {

class RtcCommands final : public rtc::Listener {
 public:
  RtcCommands(chat::ChatService& chat, bus::Bus& bus, hub::Hub& hub, rtc::IceOptions ice,
              rtc::Options options, rtc::Calls::Schedule schedule);

  void install(Commands& commands);
  // Follows the event stream: a member who leaves or is removed leaves the room's call.
  void follow(EventStream& stream);
  // A socket closed.
  void closed(bus::ConnectionId conn) { calls_.closed(conn); }
  rtc::Calls& calls() { return calls_; }

  // rtc::Listener
  void state(rtc::RoomId room, const rtc::Call* call) override;
  void dropped(bus::ConnectionId conn, rtc::RoomId room, const std::string& peer,
               const std::string& reason) override;
  void record(rtc::RoomId room, rtc::UserId caller, const std::string& what, bool video,
              core::Millis duration) override;

 private:
  chat::ChatService& chat_;
  bus::Bus& bus_;
  hub::Hub& hub_;
  rtc::IceOptions ice_;
  rtc::Calls calls_;
};

}  // namespace parley::gateway
