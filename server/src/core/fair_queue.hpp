// Heavy work (decoding images) shared fairly between users: at most one task per key (a user) runs
// at a time, keys take turns, and the waiting room is bounded, so one user's pile of large images
// never holds up another's small one, and a flood is refused instead of queued.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "core/worker_pool.hpp"

namespace parley::core {

class FairQueue {
 public:
  // Runs at most `slots` tasks at once on `pool` (give it a pool of its own with that many
  // threads); at most `max_waiting` wait in all, and `max_per_key` per key.
  FairQueue(WorkerPool& pool, unsigned slots, std::size_t max_waiting, std::size_t max_per_key);

  // Queues `task` behind the key's earlier ones, or drops it when the key's share of the queue
  // (kKeyFull: answer 429) or the whole queue (kFull: answer 503) is full; either way with a
  // Retry-After.
  enum class Posted { kQueued, kKeyFull, kFull };
  Posted post(std::int64_t key, std::function<void()> task);

 private:
  void dispatch_locked(std::vector<std::pair<std::int64_t, std::function<void()>>>& start);
  void run(std::int64_t key, std::function<void()> task);

  WorkerPool& pool_;
  const unsigned slots_;
  const std::size_t max_waiting_, max_per_key_;
  std::mutex mu_;
  std::unordered_map<std::int64_t, std::deque<std::function<void()>>> waiting_;  // under mu_
  std::deque<std::int64_t> turns_;            // under mu_: keys with work waiting and none running
  std::unordered_set<std::int64_t> running_;  // under mu_
  std::size_t waiting_count_ = 0;             // under mu_
};

}  // namespace parley::core
