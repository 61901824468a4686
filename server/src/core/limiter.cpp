// KeyedLimiter.
#include "core/limiter.hpp"

#include <algorithm>
#include <cmath>

namespace parley::core {

KeyedLimiter::KeyedLimiter(double burst, std::int64_t refill_ms, std::size_t max_keys)
    : burst_(burst), refill_ms_(std::max<std::int64_t>(1, refill_ms)), max_keys_(max_keys) {}

KeyedLimiter::Bucket& KeyedLimiter::refill(const std::string& key, std::int64_t now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      // Forget full buckets: they carry no information.
      std::erase_if(buckets_, [&](const auto& kv) {
        return kv.second.tokens +
                   static_cast<double>(now - kv.second.at) / static_cast<double>(refill_ms_) >=
               burst_;
      });
      if (buckets_.size() >= max_keys_) buckets_.clear();
    }
    it = buckets_.emplace(key, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(burst_,
                      b.tokens + static_cast<double>(now - b.at) / static_cast<double>(refill_ms_));
  b.at = now;
  return b;
}

int KeyedLimiter::wait_seconds(const Bucket& b) const {
  double missing_ms = (1.0 - b.tokens) * static_cast<double>(refill_ms_);
  return std::max(1, static_cast<int>(std::ceil(missing_ms / 1000.0)));
}

int KeyedLimiter::take(const std::string& key, std::int64_t now) {
  std::lock_guard lock(mu_);
  Bucket& b = refill(key, now);
  if (b.tokens < 1.0) return wait_seconds(b);
  b.tokens -= 1.0;
  return 0;
}

void KeyedLimiter::reset(const std::string& key) {
  std::lock_guard lock(mu_);
  buckets_.erase(key);
}

std::unique_ptr<Limiter> local_limiter(std::string_view, double burst, std::int64_t refill_ms) {
  return std::make_unique<KeyedLimiter>(burst, refill_ms);
}

}  // namespace parley::core
