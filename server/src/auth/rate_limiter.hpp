// Rate limits keyed by address or account: a token bucket per key, old keys forgotten, so a flood
// of distinct keys cannot grow memory without bound.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parley::auth {

class KeyedLimiter {
 public:
  // `burst` attempts at once, then one more every `refill_ms`.
  KeyedLimiter(double burst, std::int64_t refill_ms, std::size_t max_keys = 100000);

  // Takes one attempt for `key` at `now_ms`; 0 when allowed, else seconds to wait.
  int take(const std::string& key, std::int64_t now_ms);
  void reset(const std::string& key);

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

}  // namespace parley::auth
