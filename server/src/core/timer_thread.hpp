// Runs callbacks after a delay on one thread of its own (ring timeouts, grace periods): few timers,
// coarse times, no I/O. stop() (or the destructor) drops what has not run yet and joins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace parley::core {

class TimerThread {
 public:
  using Schedule = std::function<void(std::chrono::milliseconds, std::function<void()>)>;

  TimerThread() : thread_([this] { loop(); }) {}
  ~TimerThread() { stop(); }
  // Drops what has not run, waits for a callback running now; after it nothing runs.
  void stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }
  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  void after(std::chrono::milliseconds delay, std::function<void()> fn) {
    {
      std::lock_guard lock(mu_);
      due_.emplace(std::chrono::steady_clock::now() + delay, std::move(fn));
    }
    cv_.notify_one();
  }
  Schedule schedule() {
    return
        [this](std::chrono::milliseconds d, std::function<void()> fn) { after(d, std::move(fn)); };
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (due_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto first = due_.begin();
      if (first->first > std::chrono::steady_clock::now()) {
        cv_.wait_until(lock, first->first);
        continue;
      }
      auto fn = std::move(first->second);
      due_.erase(first);
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> due_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest exists
};

}  // namespace parley::core
