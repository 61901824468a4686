// A token bucket: `burst` at once, refilled at `rate` per second. Per-connection request limits
// (net/) and per-peer signal limits (rtc/) share it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace parley::core {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double rate, double burst, Clock::time_point now = Clock::now())
      : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}
  bool take(Clock::time_point now = Clock::now()) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  // Seconds until one token is available (for Retry-After), at least 1.
  int retry_after_seconds() const {
    double missing = 1.0 - tokens_;
    return std::max(1, static_cast<int>(std::ceil(missing / rate_)));
  }
  // A time in unix milliseconds (an injectable core::Clock's) as this bucket's clock.
  static Clock::time_point at_ms(std::int64_t ms) {
    return Clock::time_point(std::chrono::milliseconds(ms));
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace parley::core
