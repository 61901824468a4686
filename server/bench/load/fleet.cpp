// Accounts and sockets of a load run: sign-up, opening thousands of sockets a window at a time,
// and an orderly close.
#include "load/fleet.hpp"

#include <future>
#include <stdexcept>

#include "load/frames.hpp"
#include "load/measure.hpp"

namespace parley::load {

bool wait_until(const std::function<bool()>& done, double timeout_s) {
  std::int64_t deadline = now_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
  while (!done()) {
    if (now_ns() > deadline) return false;
    sleep_ms(5);
  }
  return true;
}

Fleet::Fleet(FleetOptions options) : options_(std::move(options)) {
  for (int i = 0; i < std::max(1, options_.threads); ++i)  // as scenarios.hpp's loop_count
    loops_.push_back(std::make_unique<Loop>());
}

// Threads first (no handler runs any more), then the sockets, then the io_contexts they use.
Fleet::~Fleet() {
  if (!closing_) close_all(5);
  for (auto& loop : loops_) loop->stop();
  sockets_.clear();
  loops_.clear();
}

void Fleet::sign_up(std::size_t n) {
  std::int64_t start = now_ns();
  for (std::size_t i = accounts_.size(); i < n; ++i)
    accounts_.push_back(Account{options_.prefix + std::to_string(i), {}, 0});
  std::string error = load::sign_up(*loops_[0], options_.at, accounts_, options_.sign_up_parallel);
  if (!error.empty()) throw std::runtime_error("sign-up failed: " + error);
  sign_up_s_ = static_cast<double>(now_ns() - start) / 1e9;
}

WsEvents Fleet::events_for(std::size_t socket) {
  return WsEvents{[this, socket](std::string_view frame) {
                    Socket& s = sockets_[socket];
                    on_frame_(socket,
                              frame);  // first: what it learns from hello is visible once counted
                    if (!s.hello && str_field(frame, "type") == "hello") {
                      s.hello = true;
                      ++opened_;
                    }
                  },
                  [this, socket](std::string_view why) { on_closed(socket, why); }};
}

void Fleet::on_closed(std::size_t socket, std::string_view why) {
  if (!sockets_[socket].hello) {
    ++failed_;
  } else if (!closing_) {
    ++dropped_;
  }
  ++finished_;
  if (closing_) return;  // our own close
  std::lock_guard lock(close_mutex_);
  last_close_ = std::string(why);
}

std::string Fleet::last_close() const {
  std::lock_guard lock(close_mutex_);
  return last_close_;
}

std::size_t Fleet::connect(std::vector<std::size_t> account_of_socket, FrameFn on_frame,
                           double timeout_s) {
  if (!sockets_.empty()) throw std::logic_error("Fleet::connect is once per fleet");
  on_frame_ = std::move(on_frame);
  sockets_.resize(account_of_socket.size());
  for (std::size_t i = 0; i < sockets_.size(); ++i) sockets_[i].account = account_of_socket[i];
  std::int64_t deadline = now_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
  auto settled = [&] { return opened_ + failed_; };
  for (std::size_t i = 0; i < sockets_.size(); ++i) {
    while (i - settled() >= static_cast<std::size_t>(options_.open_window) && now_ns() < deadline)
      sleep_ms(1);
    sockets_[i].client =
        open_ws(*loops_[loop_of(i)], endpoint_of(i), account_of(i).cookie, events_for(i));
  }
  double left = static_cast<double>(deadline - now_ns()) / 1e9;
  wait_until([&] { return settled() >= sockets_.size(); }, std::max(left, 0.0));
  return opened_;
}

const Endpoint& Fleet::endpoint_of(std::size_t socket) const {
  std::size_t n = socket % (1 + options_.also.size());
  return n == 0 ? options_.at : options_.also[n - 1];
}

void Fleet::send(std::size_t socket, std::string frame) {
  sockets_[socket].client->send(std::move(frame));
}

void Fleet::close_all(double timeout_s) {
  closing_ = true;
  for (auto& s : sockets_)
    if (s.client) s.client->close();
  wait_until([&] { return finished_ >= sockets_.size(); }, timeout_s);
}

void Fleet::on_each_loop(const std::function<void(std::size_t)>& fn) {
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    std::promise<void> done;
    loops_[i]->post([&fn, &done, i] {
      fn(i);
      done.set_value();
    });
    done.get_future().wait();
  }
}

}  // namespace parley::load
