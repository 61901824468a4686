// Process-wide counters and gauges, rendered in the Prometheus text format at GET /metrics.
// The transport's own figures are fixed fields; later modules register theirs by name.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace parley::net {

class Metrics {
 public:
  struct Named {
    std::string name;
    std::string help;
    bool gauge;
    std::atomic<std::int64_t> value{0};
  };

  // Registers (or returns the existing) counter or gauge; the reference stays valid for the
  // lifetime of Metrics, so a module keeps it and increments it without a lock.
  std::atomic<std::int64_t>& counter(const std::string& name, const std::string& help);
  std::atomic<std::int64_t>& gauge(const std::string& name, const std::string& help);

  std::atomic<std::int64_t> http_connections{0};
  std::atomic<std::int64_t> ws_connections{0};
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> ws_messages_in{0};
  std::atomic<std::uint64_t> ws_messages_out{0};
  std::atomic<std::uint64_t> ws_dropped_slow{0};
  std::atomic<std::uint64_t> ws_dropped_silent{0};
  std::atomic<std::uint64_t> connections_refused{0};  // at the cap, or the address's cap
  std::atomic<std::uint64_t> connections_evicted{0};  // idle ones that made room for a new one

  void count_response(int status) {
    if (status >= 100 && status < 600)
      by_status_[static_cast<size_t>(status)].fetch_add(1, std::memory_order_relaxed);
  }

  std::string render() const;

 private:
  std::atomic<std::int64_t>& named(const std::string& name, const std::string& help, bool gauge);
  std::array<std::atomic<std::uint64_t>, 600> by_status_{};
  mutable std::mutex mu_;
  std::deque<Named> named_;  // deque: references stay valid as it grows
};

}  // namespace parley::net
