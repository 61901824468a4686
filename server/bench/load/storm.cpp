// Scenario storm: a reconnect storm. Phase "signup" registers N accounts (and a probe pair) and
// saves their session cookies; the script restarts the server; phase "open" opens all N sockets
// at once and times the last `hello`, while a probe user posts to another at a steady rate and
// its post-to-delivery latency is measured throughout: admission must not starve the chat.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <numeric>
#include <stdexcept>

#include "load/fleet.hpp"
#include "load/frames.hpp"
#include "load/measure.hpp"
#include "load/scenarios.hpp"

namespace parley::load {

namespace {

constexpr double kProbeRate = 100;  // posts per second during the storm

void save(const std::string& path, const Fleet& fleet, std::size_t n) {
  std::ofstream out(path);
  for (std::size_t i = 0; i < n; ++i) {
    const Account& a = fleet.account(i);
    out << a.name << ' ' << a.id << ' ' << a.cookie << '\n';
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<Account> load(const std::string& path) {
  std::ifstream in(path);
  std::vector<Account> accounts;
  Account a;
  while (in >> a.name >> a.id >> a.cookie) accounts.push_back(a);
  if (accounts.size() < 3) throw std::runtime_error("no accounts in " + path);
  return accounts;
}

struct Probe {
  std::atomic<std::int64_t> room{0}, received{0};
  std::atomic<bool> measuring{false};
  LatencyLog log;  // the receiver's loop only
};

}  // namespace

int run_storm(const Options& o) {
  if (o.accounts_file.empty()) throw std::runtime_error("storm needs --accounts-file");
  if (o.storm_phase == "signup") {
    Fleet fleet(o.fleet);
    fleet.sign_up(o.connections + 2);
    save(o.accounts_file, fleet, o.connections + 2);
    Summary("storm_signup")
        .add("accounts", static_cast<std::int64_t>(o.connections + 2))
        .add("sign_up_s", fleet.sign_up_seconds(), 1)
        .print();
    return 0;
  }
  auto accounts = load(o.accounts_file);
  std::size_t n = accounts.size() - 2;

  // The probe pair: sender and receiver, in a private room of their own.
  FleetOptions probe_options = o.fleet;
  probe_options.threads = 1;
  Fleet probe_fleet(probe_options);
  probe_fleet.use_accounts({accounts[n], accounts[n + 1]});
  Probe probe;
  std::size_t up = probe_fleet.connect(
      {0, 1},
      [&probe](std::size_t socket, std::string_view frame) {
        std::string_view type = str_field(frame, "type");
        if (socket == 0 && type == "ack" && str_field(frame, "cid").starts_with("room")) {
          probe.room = int_field(frame, "room");
        } else if (socket == 1 && type == "event" && probe.measuring) {
          std::int64_t sent_at = tagged_number(str_field(frame, "text"), "L");
          if (sent_at < 0) return;
          probe.log.add_ns(now_ns() - sent_at);
          ++probe.received;
        }
      },
      60);
  if (up != 2) throw std::runtime_error("the probe pair did not connect");
  probe_fleet.send(0, fmt::format(R"({{"type":"create_room","cid":"room{}","kind":"private",)"
                                  R"("name":"probe","members":[{}]}})",
                                  run_tag(), accounts[n + 1].id));
  if (!wait_until([&] { return probe.room != 0; }, 30)) throw std::runtime_error("no probe room");
  sleep_ms(500);  // the room's creation events reach the receiver before measuring starts
  probe.measuring = true;
  std::atomic<std::int64_t> sent{0};
  std::atomic<bool> stop{false};
  probe_fleet.loop(0).every(
      std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / kProbeRate)), [&] {
        std::int64_t k = sent++;
        probe_fleet.send(0, fmt::format(R"({{"type":"post","cid":"q{}{}","room":{},)"
                                        R"("text":"L{}-{}"}})",
                                        k, run_tag(), probe.room.load(), now_ns(), k));
        return !stop;
      });

  // The storm: every socket at once.
  FleetOptions storm_options = o.fleet;
  storm_options.open_window =
      o.storm_window > 0 ? static_cast<int>(o.storm_window) : static_cast<int>(n);
  Fleet storm(storm_options);
  storm.use_accounts(std::vector<Account>(accounts.begin(), accounts.begin() + n));
  ProcSample server0 = sample_process(o.server_pid), self0 = sample_self();
  std::int64_t start = now_ns();
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  // With --storm-watch, socket i watches the next storm_watch accounts after its own.
  std::vector<std::string> watch_frames;
  if (o.storm_watch > 0) {
    watch_frames.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      std::string ids;
      for (std::size_t k = 1; k <= std::min(o.storm_watch, n - 1); ++k) {
        ids += (ids.empty() ? "" : ",") + std::to_string(accounts[(i + k) % n].id);
      }
      watch_frames[i] = fmt::format(R"({{"type":"watch","cid":"w{}","users":[{}]}})", i, ids);
    }
  }
  std::atomic<std::int64_t> watching{0};
  std::size_t opened = storm.connect(
      all,
      [&](std::size_t socket, std::string_view frame) {
        if (watch_frames.empty()) return;
        std::string_view type = str_field(frame, "type");
        if (type == "hello") {
          storm.send(socket, watch_frames[socket]);
        } else if (type == "watching") {
          ++watching;
        }
      },
      120);
  if (!watch_frames.empty()) {
    wait_until([&] { return watching >= static_cast<std::int64_t>(opened); }, 60);
  }
  double storm_s = static_cast<double>(now_ns() - start) / 1e9;
  ProcSample server1 = sample_process(o.server_pid), self1 = sample_self();
  stop = true;
  std::int64_t expected = sent.load();
  wait_until([&] { return probe.received >= expected; }, 10);
  probe.measuring = false;
  Percentiles p;
  probe_fleet.on_each_loop([&](std::size_t) { p = percentiles({&probe.log}); });

  Summary line("storm");
  line.add("sockets", static_cast<std::int64_t>(n))
      .add("opened", static_cast<std::int64_t>(opened))
      .add("failed", static_cast<std::int64_t>(storm.failed()))
      .add("watch", static_cast<std::int64_t>(o.storm_watch))
      .add("watching", watching.load())
      .add("all_hello_s", storm_s, 2)
      .add("hellos_per_s", static_cast<double>(opened) / storm_s, 0)
      .add_server(server0, server1, storm_s, static_cast<double>(opened), "hello")
      .add("generator_cpu_pct", static_cast<double>(self1.cpu_us - self0.cpu_us) / 1e4 / storm_s, 1)
      .add("probe_posts", expected)
      .add("probe_received", probe.received.load())
      .add(p)
      .add("last_close", storm.last_close());
  line.print();
  storm.close_all(60);
  return opened > 0 ? 0 : 1;
}

}  // namespace parley::load
