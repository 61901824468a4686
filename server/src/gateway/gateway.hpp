// The gateway joins the transport to the chat: it turns a socket's frames into ChatService calls
// and their results into frames, follows the user's rooms in the hub, and publishes committed
// events (serialized once) on the bus. It holds no rule of its own.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "bus/bus.hpp"
#include "chat/service.hpp"
#include "core/worker_pool.hpp"
#include "hub/hub.hpp"
#include "net/websocket.hpp"

namespace parley::gateway {

// Serializes committed events and receipts once and hands them to the bus.
class Publisher final : public chat::EventSink {
 public:
  explicit Publisher(bus::Bus& bus) : bus_(bus) {}
  void publish(const chat::Event& event, const chat::MembershipChange& change) override;
  void receipt(chat::RoomId room, chat::UserId user, chat::Seq delivered, chat::Seq read) override;
  void groups_changed(const std::vector<chat::UserId>& users) override;

 private:
  bus::Bus& bus_;
};

// Who a socket belongs to, as decided at the upgrade.
struct Principal {
  chat::UserId user = 0;
  std::int64_t session = 0;  // the sign-in the socket was opened with
  std::string username;
  std::string display_name;
};

using Admit = std::function<void(std::shared_ptr<const net::HttpRequest>,
                                 std::function<void(net::WsAdmission)>)>;

class Gateway final : public net::WsHandler {
 public:
  // `admit` checks the upgrade and gives a WsAdmission whose principal is a gateway::Principal.
  Gateway(chat::ChatService& chat, hub::Hub& hub, bus::Bus& bus, core::WorkerPool& pool,
          Admit admit);
  ~Gateway() override;

  void authorize(std::shared_ptr<const net::HttpRequest> upgrade,
                 std::function<void(net::WsAdmission)> done) override;
  void on_open(const std::shared_ptr<net::WsConnection>& conn, const net::HttpRequest& upgrade,
               const std::shared_ptr<const void>& principal) override;
  void on_message(const std::shared_ptr<net::WsConnection>& conn, std::string_view text) override;
  void on_close(const std::shared_ptr<net::WsConnection>& conn) override;

  // Closes the sockets opened with that sign-in (`session` 0: with any of the user's).
  void sessions_ended(chat::UserId user, std::int64_t session);
  // The user's avatar changed: a `profile` frame to everyone who shares a room with them.
  void profile_changed(chat::UserId user, std::string display_name, std::string avatar);

  struct Client;

 private:
  std::shared_ptr<Client> find(std::uint64_t conn);
  void ready(const std::shared_ptr<Client>& client, std::vector<store::RoomSummary> rooms);
  void dispatch(const std::shared_ptr<Client>& client, const std::string& frame);

  chat::ChatService& chat_;
  hub::Hub& hub_;
  bus::Bus& bus_;
  core::WorkerPool& pool_;
  Admit admit_;
  std::mutex mu_;
  std::unordered_map<std::uint64_t, std::shared_ptr<Client>> clients_;
  std::unordered_map<chat::UserId, std::uint64_t> offline_generation_;  // under mu_
};

}  // namespace parley::gateway
