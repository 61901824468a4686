// The generator's users: their accounts, one socket each (or several) spread over the event
// loops, and what every scenario needs around them: sending, waiting, counting drops.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "load/net.hpp"

namespace parley::load {

struct FleetOptions {
  Endpoint at;
  std::vector<Endpoint> also;   // more nodes of a cluster: socket i opens on node i % (1 + size)
  int threads = 1;              // event loops, one thread each
  std::string prefix = "load";  // accounts are prefix0, prefix1, ...
  int sign_up_parallel = 8;     // concurrent REST connections while signing up
  int open_window = 200;        // sockets being opened at once
};

class Fleet {
 public:
  // Called on the socket's loop thread for every frame, hello included.
  using FrameFn = std::function<void(std::size_t socket, std::string_view frame)>;

  explicit Fleet(FleetOptions options);
  ~Fleet();

  // Registers (or logs in) accounts prefix0..prefix{n-1}; throws std::runtime_error on failure.
  void sign_up(std::size_t n);
  // Uses accounts signed up earlier (their cookies still valid) instead.
  void use_accounts(std::vector<Account> accounts) { accounts_ = std::move(accounts); }
  // Opens one socket per entry of `account_of_socket` and waits for every hello. Once per fleet.
  // Returns the number of sockets that got their hello.
  std::size_t connect(std::vector<std::size_t> account_of_socket, FrameFn on_frame,
                      double timeout_s);
  void send(std::size_t socket, std::string frame);  // thread-safe
  void close_all(double timeout_s);
  // Runs fn(i) on loop i's own thread, for each loop in turn, and returns when all have run:
  // afterwards this thread may read what the handlers of those loops wrote.
  void on_each_loop(const std::function<void(std::size_t)>& fn);

  std::size_t sockets() const { return sockets_.size(); }
  const Account& account(std::size_t index) const { return accounts_[index]; }
  const Account& account_of(std::size_t socket) const {
    return accounts_[sockets_[socket].account];
  }
  std::size_t loop_count() const { return loops_.size(); }
  std::size_t loop_of(std::size_t socket) const { return socket % loops_.size(); }
  const Endpoint& endpoint_of(std::size_t socket) const;
  Loop& loop(std::size_t i) { return *loops_[i]; }

  double sign_up_seconds() const { return sign_up_s_; }
  std::size_t failed() const { return failed_; }    // never opened
  std::size_t dropped() const { return dropped_; }  // closed by the server or the network
  std::string last_close() const;

 private:
  struct Socket {
    std::shared_ptr<WsClient> client;
    std::size_t account = 0;
    bool hello = false;  // touched on the socket's loop thread only
  };
  WsEvents events_for(std::size_t socket);
  void on_closed(std::size_t socket, std::string_view why);

  FleetOptions options_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<Account> accounts_;
  std::vector<Socket> sockets_;
  FrameFn on_frame_;
  double sign_up_s_ = 0;
  std::atomic<std::size_t> opened_{0}, failed_{0}, dropped_{0}, finished_{0};
  std::atomic<bool> closing_{false};
  mutable std::mutex close_mutex_;
  std::string last_close_;
};

// Polls `done` every few milliseconds; false when `timeout_s` passed first.
bool wait_until(const std::function<bool()>& done, double timeout_s);

}  // namespace parley::load
