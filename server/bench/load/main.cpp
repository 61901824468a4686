// parley_load: drives a running Parley server over loopback with thousands of WebSocket clients
// and prints one key=value line per scenario (idle, fanout, rooms, history, storm). See
// scripts/bench-chat.sh, which starts the server, and docs/benchmarks.md.
#include <fmt/format.h>

#include <cstdio>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include "load/measure.hpp"
#include "load/scenarios.hpp"

namespace {

using parley::load::Endpoint;
using parley::load::Options;
using Setter = std::function<void(Options&, const std::string&)>;

template <class T>
Setter number(T Options::*field) {
  return [field](Options& o, const std::string& v) { o.*field = static_cast<T>(std::stod(v)); };
}

const std::map<std::string, Setter>& flags() {
  static const std::map<std::string, Setter> table{
      {"--host", [](Options& o, const std::string& v) { o.fleet.at.host = v; }},
      {"--port",
       [](Options& o, const std::string& v) {
         o.fleet.at.port = static_cast<std::uint16_t>(std::stoi(v));
       }},
      {"--also-ports",  // more nodes of a cluster, comma-separated: sockets go round robin
       [](Options& o, const std::string& v) {
         for (std::size_t at = 0; at < v.size();) {
           auto comma = std::min(v.find(',', at), v.size());
           Endpoint e = o.fleet.at;
           e.port = static_cast<std::uint16_t>(std::stoi(v.substr(at, comma - at)));
           o.fleet.also.push_back(e);
           at = comma + 1;
         }
       }},
      {"--threads", [](Options& o, const std::string& v) { o.fleet.threads = std::stoi(v); }},
      {"--prefix", [](Options& o, const std::string& v) { o.fleet.prefix = v; }},
      {"--sign-up-parallel",
       [](Options& o, const std::string& v) { o.fleet.sign_up_parallel = std::stoi(v); }},
      {"--open-window",
       [](Options& o, const std::string& v) { o.fleet.open_window = std::stoi(v); }},
      {"--server-pid", number(&Options::server_pid)},
      {"--seconds", number(&Options::seconds)},
      {"--text-bytes", number(&Options::text_bytes)},
      {"--connections", number(&Options::connections)},
      {"--members", number(&Options::members)},
      {"--senders", number(&Options::senders)},
      {"--rate", number(&Options::rate)},
      {"--users", number(&Options::users)},
      {"--room-size", number(&Options::room_size)},
      {"--messages", number(&Options::messages)},
      {"--clients", number(&Options::clients)},
      {"--page", number(&Options::page)},
      {"--seed-sockets", number(&Options::seed_sockets)},
      {"--seed-window", number(&Options::seed_window)},
      {"--storm-phase", [](Options& o, const std::string& v) { o.storm_phase = v; }},
      {"--storm-window", number(&Options::storm_window)},
      {"--storm-watch", number(&Options::storm_watch)},
      {"--accounts-file", [](Options& o, const std::string& v) { o.accounts_file = v; }},
  };
  return table;
}

void usage() {
  std::fprintf(
      stderr,
      "usage: parley_load --scenario idle|fanout|rooms|history|storm --port PORT [--server-pid "
      "PID]\n"
      "  [--threads 1] [--connections 10000] [--members 1000 --senders 10 --rate 1000]\n"
      "  [--users 10000 --room-size 10] [--messages 1000000 --clients 10 --page 50]\n"
      "  [--seconds 10] [--text-bytes 100] [--prefix load] [--seed-sockets 4 --seed-window 64]\n"
      "  [--sign-up-parallel 8] [--open-window 200]\n"
      "  [--storm-phase signup|open --accounts-file PATH --storm-watch N]\n");
}

int run(const std::string& scenario, const Options& o) {
  if (scenario == "idle") return parley::load::run_idle(o);
  if (scenario == "fanout") return parley::load::run_fanout(o);
  if (scenario == "rooms") return parley::load::run_rooms(o);
  if (scenario == "history") return parley::load::run_history(o);
  if (scenario == "storm") return parley::load::run_storm(o);
  usage();
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string scenario;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--scenario") {
      scenario = value;
    } else if (auto it = flags().find(flag); it != flags().end()) {
      it->second(options, value);
    } else {
      usage();
      return 2;
    }
  }
  if (argc % 2 == 0 || options.fleet.at.port == 0) {
    usage();
    return 2;
  }
  parley::load::raise_open_files();
  try {
    return run(scenario, options);
  } catch (const std::exception& e) {
    fmt::print("scenario={} error={}\n", scenario, e.what());
    return 2;
  }
}
