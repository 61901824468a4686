// Direct file transfers on the socket: rtc::Transfers' frame types registered with the command
// registry, and its decisions turned into frames on the bus (to the receiver's every tab, or to
// one connection). In a cluster a transfer lives on its sender's node: the receiver's commands
// that reach another node are handed to it (gateway/handoff.hpp), which every node learns from
// the offer's announcement.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "bus/bus.hpp"
#include "chat/service.hpp"
#include "gateway/commands.hpp"
#include "gateway/handoff.hpp"
#include "gateway/stream.hpp"
#include "rtc/transfers.hpp"
#include "rtc/turn.hpp"

namespace parley::gateway {

class TransferCommands final : public rtc::TransferListener {
 public:
  TransferCommands(chat::ChatService& chat, bus::Bus& bus, bus::NodeId node, core::WorkerPool& pool,
                   rtc::IceOptions ice, rtc::TransferOptions options,
                   rtc::Transfers::Schedule schedule);

  void install(Commands& commands);
  // A member who leaves or is removed: their transfers in that room end.
  void follow(EventStream& stream);
  void closed(bus::ConnectionId conn);
  // A node of the cluster died (RedisBus::on_node_gone).
  void node_gone(bus::NodeId node);
  rtc::Transfers& transfers() { return transfers_; }

  // rtc::TransferListener
  void offered(const rtc::Transfer& t) override;
  void answered(bus::ConnectionId sender, const std::string& id, bool accept) override;
  void closed_for_user(UserId user, const std::string& id, const std::string& reason,
                       bus::ConnectionId except) override;
  void closed_for(bus::ConnectionId conn, const std::string& id,
                  const std::string& reason) override;

 private:
  void install_handlers(Commands& t);
  void to_user(UserId user, std::string frame, bus::ConnectionId except = {});
  void to_connection(bus::ConnectionId conn, std::string frame);
  // Hands the command to the node the transfer lives on; false when it is this one (or unknown).
  bool hand_on(const Call& call, const std::string& id, const std::string& frame);

  chat::ChatService& chat_;
  bus::Bus& bus_;
  rtc::IceOptions ice_;
  Handoff handoff_;
  std::mutex mu_;
  // Transfers living on other nodes (their sender's), by id, in the order announced: the oldest
  // are forgotten past kMaxElsewhere.
  std::unordered_map<std::string, bus::NodeId> elsewhere_;  // under mu_
  std::deque<std::string> elsewhere_order_;                 // under mu_
  rtc::Transfers transfers_;  // last: its timers call back into the members above
};

}  // namespace parley::gateway
