// Direct file transfers (docs/protocol.md "Direct file transfers"): who offered which file to whom,
// which tab of the receiver took it, and the two sockets signalling may pass between. The bytes
// go browser to browser; nothing of the file reaches the server. Thread-safe; the listener is
// called under the lock, in the order of changes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "bus/bus.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/token_bucket.hpp"

namespace parley::rtc {

struct Side {
  bus::ConnectionId conn;
  bool bound = false;  // the receiver's side is bound once a tab accepted
  bool away = false;   // its socket closed; the transfer expires unless it comes back
  std::uint64_t away_generation = 0;
  core::TokenBucket signals{1, 1};  // the signals this side may send
};

struct Transfer {
  std::string id;
  RoomId room{};
  UserId from{};
  std::string from_name;
  UserId to{};
  std::string name;
  std::int64_t size = 0;
  std::string mime;
  std::string sha256;  // "" when the sender did not give it
  core::Millis created = 0;
  bool accepted = false;
  Side sender;
  Side receiver;
};

struct TransferOptions {
  std::size_t max_per_sender = 32;
  std::chrono::milliseconds answer_timeout{10 * 60 * 1000};
  std::chrono::milliseconds grace{60 * 1000};
  double signal_burst = 200;
  double signals_per_second = 50;
};

class TransferListener {
 public:
  virtual ~TransferListener() = default;
  virtual void offered(const Transfer& t) = 0;  // to every tab of t.to
  virtual void answered(bus::ConnectionId sender, const std::string& id, bool accept) = 0;
  // To every tab of `user` but `except` (when set: the tab that answered).
  virtual void closed_for_user(UserId user, const std::string& id, const std::string& reason,
                               bus::ConnectionId except = {}) = 0;
  virtual void closed_for(bus::ConnectionId conn, const std::string& id,
                          const std::string& reason) = 0;
};

class Transfers {
 public:
  using Schedule = std::function<void(std::chrono::milliseconds, std::function<void()>)>;
  Transfers(TransferOptions options, TransferListener& listener, Schedule schedule,
            core::Clock clock = core::system_clock());

  // `t` as offered by the sender's socket (membership of both checked by the caller).
  core::Result<Transfer> offer(Transfer t, bus::ConnectionId sender);
  // The receiving user's tab on `conn` accepts or declines.
  core::Result<Transfer> answer(const std::string& id, UserId user, bus::ConnectionId conn,
                                bool accept);
  // Where a signal from `conn` goes: the other side's socket. Counts against the side's bucket.
  core::Result<bus::ConnectionId> route(const std::string& id, UserId user, bus::ConnectionId conn);
  // Ends the transfer; the other side hears `reason` (cancelled, or how a finished one ended).
  core::Result<bool> cancel(const std::string& id, UserId user, bus::ConnectionId conn,
                            const std::string& reason = "cancelled");
  // After a reconnect: `conn` takes its user's side back.
  core::Result<bool> resume(const std::string& id, UserId user, bus::ConnectionId conn);
  void closed(bus::ConnectionId conn);
  // A node of the cluster died: its sockets' sides are away (they may come back from another).
  void node_gone(bus::NodeId node);
  void member_gone(RoomId room, UserId user);
  bool has(const std::string& id);
  std::size_t size();

 private:
  void close_locked(const std::string& id, const std::string& reason);
  void away_locked(const std::function<bool(bus::ConnectionId)>& gone);
  void expire(const std::string& id, bool sender, std::uint64_t generation);
  Side new_side(bus::ConnectionId conn, bool bound, core::Millis now) const;

  TransferOptions options_;
  TransferListener& listener_;
  Schedule schedule_;
  core::Clock clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Transfer> transfers_;  // under mu_
  std::uint64_t next_ = 0;                               // under mu_
};

}  // namespace parley::rtc
