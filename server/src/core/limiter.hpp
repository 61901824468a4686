// Rate limits keyed by a string (an address, an account): a token bucket per key. `Limiter` is
// what the services take; `KeyedLimiter` keeps one node's buckets in memory, old keys forgotten so
// a flood of distinct keys cannot grow memory without bound. A cluster's nodes share theirs
// (bus::RedisBus::limiter), so a guesser gains nothing by spreading attempts over the nodes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::core {

class Limiter {
 public:
  virtual ~Limiter() = default;
  // Takes one attempt for `key` at `now_ms`; 0 when allowed, else seconds to wait.
  virtual int take(const std::string& key, std::int64_t now_ms) = 0;
  // Forgets `key`'s attempts.
  virtual void reset(const std::string& key) = 0;
};

// Makes the limiter called `name` (unique per purpose): `burst` attempts at once, then one more
// every `refill_ms`.
using MakeLimiter = std::function<std::unique_ptr<Limiter>(std::string_view name, double burst,
                                                           std::int64_t refill_ms)>;

class KeyedLimiter final : public Limiter {
 public:
  // `burst` attempts at once, then one more every `refill_ms`.
  KeyedLimiter(double burst, std::int64_t refill_ms, std::size_t max_keys = 100000);

  int take(const std::string& key, std::int64_t now_ms) override;
  void reset(const std::string& key) override;

 private:
  struct Bucket {
    double tokens;
    std::int64_t at;
  };
  Bucket& refill(const std::string& key, std::int64_t now_ms);
  int wait_seconds(const Bucket& b) const;

  double burst_;
  std::int64_t refill_ms_;
  std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// Limiters of one node, in memory.
std::unique_ptr<Limiter> local_limiter(std::string_view name, double burst, std::int64_t refill_ms);

}  // namespace parley::core
