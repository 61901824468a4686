// The gateway joins the transport to the modules: a socket's frames go through the command
// registry to the handler of their type; the socket is known to the hub, follows its rooms
// through the bus in the event stream's order (its rooms read on the pool from a snapshot taken
// between two commits), and its user's presence is kept on the bus. It holds no rule of its own.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bus/bus.hpp"
#include "chat/service.hpp"
#include "core/worker_pool.hpp"
#include "gateway/commands.hpp"
#include "gateway/stream.hpp"
#include "hub/hub.hpp"
#include "net/websocket.hpp"
#include "protocol/limits.hpp"

namespace parley::gateway {

// The server's version, as `hello` and the admin area tell it.
inline constexpr std::string_view kVersion = "0.2.0";

using Admit = std::function<void(std::shared_ptr<const net::HttpRequest>,
                                 std::function<void(net::WsAdmission)>)>;

class Gateway final : public net::WsHandler {
 public:
  // `admit` checks the upgrade and gives a WsAdmission whose principal is a gateway::Principal.
  // Chat's commands are registered; other modules add theirs through commands().
  Gateway(chat::ChatService& chat, EventStream& stream, hub::Hub& hub, bus::Bus& bus,
          core::WorkerPool& pool, Admit admit);
  ~Gateway() override;

  Commands& commands() { return commands_; }
  // Before the server starts: told of every socket that closes (the calls' peers go away).
  void on_closed(std::function<void(bus::ConnectionId)> fn) { closed_.push_back(std::move(fn)); }

  void authorize(std::shared_ptr<const net::HttpRequest> upgrade,
                 std::function<void(net::WsAdmission)> done) override;
  void on_open(const std::shared_ptr<net::WsConnection>& conn, const net::HttpRequest& upgrade,
               const std::shared_ptr<const void>& principal) override;
  void on_message(const std::shared_ptr<net::WsConnection>& conn, std::string_view text) override;
  void on_close(const std::shared_ptr<net::WsConnection>& conn) override;

  // Closes the sockets opened with that sign-in (`session` 0: with any of the user's), on every
  // node: a sign-out travels on the bus.
  void sessions_ended(UserId user, std::int64_t session);
  // A user left offline by another node that stopped (the bus swept its connections): their rooms
  // are told, as when a last tab closes.
  void went_offline_elsewhere(UserId user);
  // The bus may have lost messages: every socket here reconnects and catches up from the store.
  void resync_all();
  // A frame for every socket of every node (a server-wide notice).
  void broadcast(std::string frame);
  // Open sockets on this node, and the people they belong to.
  std::pair<std::size_t, std::size_t> open_sockets();
  // The frame every socket gets right after its `hello` ("" for none): the current notice.
  void set_after_hello(std::string frame);
  // What `hello` says the server takes; before the server starts.
  void set_limits(const protocol::Limits& limits) { limits_ = limits; }
  // The user's avatar changed: a `profile` frame to everyone who shares a room with them.
  void profile_changed(UserId user, std::string display_name, std::string avatar);

  struct Client;

 private:
  friend struct Client;
  std::shared_ptr<Client> find(ConnId conn);
  // What `hello` leaves to do: announce the user (to their rooms that carry presence), run the
  // commands that waited.
  struct Opened {
    std::vector<RoomId> rooms;
    std::vector<std::string> pending;
  };
  void followed(Client& client);
  void rewatch(const std::shared_ptr<Client>& client);
  Opened open_locked(Client& client);
  void after_hello(const std::shared_ptr<Client>& client, Opened& opened);
  void dispatch(const std::shared_ptr<Client>& client, const std::string& frame);

  chat::ChatService& chat_;
  EventStream& stream_;
  hub::Hub& hub_;
  bus::Bus& bus_;
  core::WorkerPool& pool_;
  Admit admit_;
  Commands commands_;
  std::vector<std::function<void(bus::ConnectionId)>> closed_;
  std::mutex mu_;
  std::unordered_map<ConnId, std::shared_ptr<Client>> clients_;
  std::unordered_map<UserId, std::uint64_t> offline_generation_;  // under mu_
  std::mutex after_hello_mu_;                                     // taken under a client's mu
  std::shared_ptr<const std::string> after_hello_;
  protocol::Limits limits_;
};

}  // namespace parley::gateway
