// FairQueue: per-key queues served in turns, a task per key at a time, `slots` at once.
#include "core/fair_queue.hpp"

#include <spdlog/spdlog.h>

#include <vector>

namespace parley::core {

FairQueue::FairQueue(WorkerPool& pool, unsigned slots, std::size_t max_waiting,
                     std::size_t max_per_key)
    : pool_(pool),
      slots_(std::max(1u, slots)),
      max_waiting_(max_waiting),
      max_per_key_(max_per_key) {}

FairQueue::Posted FairQueue::post(std::int64_t key, std::function<void()> task) {
  std::vector<std::pair<std::int64_t, std::function<void()>>> start;
  {
    std::lock_guard lock(mu_);
    auto& q = waiting_[key];
    if (q.size() >= max_per_key_ || waiting_count_ >= max_waiting_) {
      const bool key_full = q.size() >= max_per_key_;
      if (q.empty()) waiting_.erase(key);
      return key_full ? Posted::kKeyFull : Posted::kFull;
    }
    q.push_back(std::move(task));
    ++waiting_count_;
    if (q.size() == 1 && !running_.count(key)) turns_.push_back(key);
    dispatch_locked(start);
  }
  for (auto& [k, t] : start) run(k, std::move(t));
  return Posted::kQueued;
}

void FairQueue::dispatch_locked(
    std::vector<std::pair<std::int64_t, std::function<void()>>>& start) {
  while (running_.size() < slots_ && !turns_.empty()) {
    const std::int64_t key = turns_.front();
    turns_.pop_front();
    auto it = waiting_.find(key);
    auto task = std::move(it->second.front());
    it->second.pop_front();
    if (it->second.empty()) waiting_.erase(it);
    --waiting_count_;
    running_.insert(key);
    start.emplace_back(key, std::move(task));
  }
}

void FairQueue::run(std::int64_t key, std::function<void()> task) {
  pool_.post([this, key, task = std::move(task)] {
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("queued task failed: {}", e.what());
    }
    std::vector<std::pair<std::int64_t, std::function<void()>>> start;
    {
      std::lock_guard lock(mu_);
      running_.erase(key);
      // Its next task, if any, waits for the turn of every other key already waiting.
      if (waiting_.count(key)) turns_.push_back(key);
      dispatch_locked(start);
    }
    for (auto& [k, t] : start) run(k, std::move(t));
  });
}

}  // namespace parley::core
