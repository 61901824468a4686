// Scenario idle: N sockets that only receive hello; the server's resident memory per connection,
// with the generator's own (a bare Beast client socket) as the in-run yardstick.
#include <numeric>

#include "load/measure.hpp"
#include "load/scenarios.hpp"

namespace parley::load {

namespace {

double bytes_per(const ProcSample& before, const ProcSample& after, std::size_t n) {
  if (before.rss_kib < 0 || after.rss_kib < 0 || n == 0) return -1;
  return static_cast<double>(after.rss_kib - before.rss_kib) * 1024.0 / static_cast<double>(n);
}

}  // namespace

int run_idle(const Options& o) {
  Fleet fleet(o.fleet);
  fleet.sign_up(o.connections);
  sleep_ms(1500);  // the sign-up connections close and their buffers go
  ProcSample server0 = sample_process(o.server_pid), self0 = sample_self();
  std::vector<std::size_t> accounts(o.connections);
  std::iota(accounts.begin(), accounts.end(), 0);
  std::size_t opened = fleet.connect(
      accounts, [](std::size_t, std::string_view) {}, 300);
  double open_s = static_cast<double>(now_ns() - server0.at_ns) / 1e9;
  sleep_ms(2000);
  ProcSample server1 = sample_process(o.server_pid), self1 = sample_self();
  double server_per = bytes_per(server0, server1, opened);
  double self_per = bytes_per(self0, self1, opened);

  Summary line("idle");
  line.add("connections", static_cast<std::int64_t>(o.connections))
      .add("opened", static_cast<std::int64_t>(opened))
      .add("failed", static_cast<std::int64_t>(fleet.failed()))
      .add("sign_up_s", fleet.sign_up_seconds(), 1)
      .add("open_s", open_s, 2)
      .add("server_rss_before_kib", server0.rss_kib)
      .add("server_rss_after_kib", server1.rss_kib)
      .add("server_bytes_per_conn", server_per, 0)
      .add("generator_bytes_per_conn", self_per, 0)
      .add("ratio_server_to_generator", self_per > 0 ? server_per / self_per : -1.0, 2);
  fleet.close_all(60);
  sleep_ms(1000);
  line.add("server_rss_after_close_kib", sample_process(o.server_pid).rss_kib)
      .add("dropped", static_cast<std::int64_t>(fleet.dropped()))
      .add("last_close", fleet.last_close());
  line.print();
  return opened > 0 ? 0 : 1;
}

}  // namespace parley::load
