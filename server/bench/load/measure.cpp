// Clock, /proc readings, percentiles and the summary line of the load generator.
#include "load/measure.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace parley::load {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const std::string& run_tag() {
  static const std::string tag = "-" + std::to_string(now_ns() % 1'000'000'000'000);
  return tag;
}

void sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

std::uint64_t raise_open_files() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return 0;
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
  getrlimit(RLIMIT_NOFILE, &r);
  return r.rlim_cur;
}

namespace {

std::int64_t read_rss_kib(const std::string& dir) {
  std::ifstream in(dir + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) return std::stoll(line.substr(6));
  }
  return -1;
}

// utime and stime are fields 14 and 15 of /proc/<pid>/stat, counted after the ")" that ends
// the command name (which may itself hold spaces).
std::int64_t read_cpu_us(const std::string& dir) {
  std::ifstream in(dir + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(all.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;
  std::int64_t utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) * 1'000'000 / sysconf(_SC_CLK_TCK);
}

}  // namespace

ProcSample sample_process(int pid) {
  ProcSample s;
  s.at_ns = now_ns();
  if (pid <= 0) return s;
  std::string dir = "/proc/" + std::to_string(pid);
  s.rss_kib = read_rss_kib(dir);
  s.cpu_us = read_cpu_us(dir);
  return s;
}

ProcSample sample_self() {
  ProcSample s = sample_process(static_cast<int>(getpid()));
  rusage u{};
  getrusage(RUSAGE_SELF, &u);  // finer than the clock ticks of /proc
  s.cpu_us = (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1'000'000LL + u.ru_utime.tv_usec +
             u.ru_stime.tv_usec;
  return s;
}

Percentiles percentiles(const std::vector<const LatencyLog*>& logs) {
  std::vector<std::uint32_t> all;
  for (const auto* log : logs) all.insert(all.end(), log->us.begin(), log->us.end());
  Percentiles p;
  p.count = all.size();
  if (all.empty()) return p;
  auto at = [&](double q) {
    auto k = static_cast<std::size_t>(q * static_cast<double>(all.size() - 1));
    std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
    return all[k] / 1000.0;
  };
  p.p50_ms = at(0.50);
  p.p99_ms = at(0.99);
  p.p999_ms = at(0.999);
  p.max_ms = *std::max_element(all.begin(), all.end()) / 1000.0;
  return p;
}

Summary::Summary(std::string_view scenario) : line_(fmt::format("scenario={}", scenario)) {}

Summary& Summary::add(std::string_view key, std::int64_t value) {
  line_ += fmt::format(" {}={}", key, value);
  return *this;
}

Summary& Summary::add(std::string_view key, double value, int decimals) {
  line_ += fmt::format(" {}={:.{}f}", key, value, decimals);
  return *this;
}

Summary& Summary::add(std::string_view key, std::string_view value) {
  std::string v(value.empty() ? "-" : value);
  std::replace_if(
      v.begin(), v.end(), [](char c) { return c == ' ' || c == '\n'; }, '_');
  line_ += fmt::format(" {}={}", key, v);
  return *this;
}

Summary& Summary::add(const Percentiles& p) {
  add("p50_ms", p.p50_ms);
  add("p99_ms", p.p99_ms);
  add("p999_ms", p.p999_ms);
  return add("max_ms", p.max_ms);
}

Summary& Summary::add_server(const ProcSample& before, const ProcSample& after, double span_s,
                             double units, std::string_view per_unit) {
  if (before.cpu_us < 0 || after.cpu_us < 0 || span_s <= 0) {
    return add(fmt::format("server_cpu_us_per_{}", per_unit), std::string_view("-"));
  }
  auto cpu = static_cast<double>(after.cpu_us - before.cpu_us);
  add(fmt::format("server_cpu_us_per_{}", per_unit), units > 0 ? cpu / units : 0.0);
  return add("server_cpu_pct", cpu / 1e4 / span_s, 1);
}

void Summary::print() const {
  std::printf("%s\n", line_.c_str());
  std::fflush(stdout);
}

}  // namespace parley::load
