// What the load generator measures and how it prints it: the steady clock, latency logs and
// their percentiles, the server's RSS and CPU time from /proc, and the one key=value summary line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::load {

std::int64_t now_ns();  // steady clock (CLOCK_MONOTONIC), the same in every process here
void sleep_ms(int ms);

// "-<digits>", different in every run: appended to each cid, since the server keeps a user's cids
// (a resent cid is acknowledged again without doing anything) and accounts outlive a run.
const std::string& run_tag();

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
std::uint64_t raise_open_files();

struct ProcSample {
  std::int64_t rss_kib = -1;  // VmRSS
  std::int64_t cpu_us = -1;   // utime + stime
  std::int64_t at_ns = 0;
};
ProcSample sample_process(int pid);  // -1 fields when pid is 0 or unreadable
ProcSample sample_self();

// Latencies in microseconds, appended by one thread; merged for the report.
struct LatencyLog {
  std::vector<std::uint32_t> us;
  void add_ns(std::int64_t ns) { us.push_back(static_cast<std::uint32_t>(ns > 0 ? ns / 1000 : 0)); }
};

struct Percentiles {
  std::size_t count = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};
Percentiles percentiles(const std::vector<const LatencyLog*>& logs);

// The summary: "key=value key=value ...", printed on one line.
class Summary {
 public:
  explicit Summary(std::string_view scenario);
  Summary& add(std::string_view key, std::int64_t value);
  Summary& add(std::string_view key, double value, int decimals = 3);
  Summary& add(std::string_view key, std::string_view value);  // spaces become '_'
  Summary& add(const Percentiles& p);
  // The server's CPU time per unit of work, and its CPU % over the `span_s` the work took.
  Summary& add_server(const ProcSample& before, const ProcSample& after, double span_s,
                      double units, std::string_view per_unit);
  void print() const;

 private:
  std::string line_;
};

}  // namespace parley::load
