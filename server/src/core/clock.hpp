// Wall-clock time as unix milliseconds, and an injectable clock for tests of expiry rules.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace parley::core {

using Millis = std::int64_t;
using Clock = std::function<Millis()>;

inline Millis now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline Clock system_clock() {
  return [] { return now_ms(); };
}

}  // namespace parley::core
