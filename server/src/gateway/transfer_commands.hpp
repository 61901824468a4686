// Direct file transfers on the socket: rtc::Transfers' frame types registered with the command
// registry, and its decisions turned into frames on the bus (to the receiver's every tab, or to
// one connection).
#pragma once

#include "bus/bus.hpp"
#include "chat/service.hpp"
#include "gateway/commands.hpp"
#include "gateway/stream.hpp"
#include "rtc/transfers.hpp"
#include "rtc/turn.hpp"

namespace parley::gateway {

class TransferCommands final : public rtc::TransferListener {
 public:
  TransferCommands(chat::ChatService& chat, bus::Bus& bus, rtc::IceOptions ice,
                   rtc::TransferOptions options, rtc::Transfers::Schedule schedule);

  void install(Commands& commands);
  // A member who leaves or is removed: their transfers in that room end.
  void follow(EventStream& stream);
  void closed(bus::ConnectionId conn) { transfers_.closed(conn); }

  // rtc::TransferListener
  void offered(const rtc::Transfer& t) override;
  void answered(bus::ConnectionId sender, const std::string& id, bool accept) override;
  void closed_for_user(rtc::TransferUser user, const std::string& id, const std::string& reason,
                       bus::ConnectionId except) override;
  void closed_for(bus::ConnectionId conn, const std::string& id,
                  const std::string& reason) override;

 private:
  void to_user(rtc::TransferUser user, std::string frame, bus::ConnectionId except = {});
  void to_connection(bus::ConnectionId conn, std::string frame);

  chat::ChatService& chat_;
  bus::Bus& bus_;
  rtc::IceOptions ice_;
  rtc::Transfers transfers_;
};

}  // namespace parley::gateway
