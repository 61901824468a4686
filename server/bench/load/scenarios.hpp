// The load scenarios; each prints one key=value summary line and returns the exit status: 0 when
// it measured (losses, drops and errors are figures in the line), 1 when it could not.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>

#include "load/fleet.hpp"

namespace parley::load {

struct Options {
  FleetOptions fleet;
  int server_pid = 0;            // for RSS and CPU time from /proc; 0: not reported
  double seconds = 10;           // measured phase of fanout, rooms, history
  std::size_t text_bytes = 100;  // posted message size
  // idle
  std::size_t connections = 10000;
  // fanout
  std::size_t members = 1000;
  std::size_t senders = 10;
  double rate = 1000;  // posts per second, in total (fanout and rooms)
  // rooms
  std::size_t users = 10000;
  std::size_t room_size = 10;
  // history
  std::size_t messages = 1000000;
  std::size_t clients = 10;
  int page = 50;
  std::size_t seed_sockets = 4;
  // storm: phase "signup" saves the accounts (connections + a probe pair) to the file, phase
  // "open" (after a server restart) opens them all at once
  std::string storm_phase = "open";
  std::string accounts_file;
  std::size_t storm_window = 0;  // sockets being opened at once in the storm; 0: all
  // Each storm socket, on its `hello`, watches this many others' presence (as a page showing a
  // large room's members does); the storm then ends with the last `watching`.
  std::size_t storm_watch = 0;
  int seed_window = 64;  // posts in flight per seeding socket
};

inline std::size_t loop_count(const Options& o) {
  return static_cast<std::size_t>(std::max(1, o.fleet.threads));
}

int run_idle(const Options& o);
int run_fanout(const Options& o);
int run_rooms(const Options& o);
int run_history(const Options& o);
int run_storm(const Options& o);

}  // namespace parley::load
