// Scenarios fanout and rooms: posts at a fixed total rate into one big channel or many small
// rooms; every member socket times each delivery from the send timestamp carried in the text.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <numeric>

#include "load/frames.hpp"
#include "load/measure.hpp"
#include "load/scenarios.hpp"

namespace parley::load {

namespace {

struct RoomPlan {
  std::int64_t id = 0;               // from the create_room ack
  std::vector<std::size_t> members;  // sockets; every one of them receives each post
};

// Everything the frame handlers touch: counters are atomics, latency logs one per loop.
struct Traffic {
  explicit Traffic(std::size_t loops) : logs(loops), last_receive(loops), frozen(loops) {}
  std::vector<RoomPlan> rooms;
  std::atomic<std::int64_t> setup_acks{0}, setup_errors{0};
  std::atomic<std::int64_t> sent{0}, acked{0}, post_errors{0}, received{0};
  std::atomic<std::int64_t> acked_deliveries{0};  // members of acked posts' rooms: a lower bound
  // Per post: stored by the server, known from its ack or from any delivery (a sender the
  // server dropped never sees its acks, yet its posts may have been stored and delivered).
  std::vector<std::atomic<std::uint8_t>> committed;
  std::atomic<std::int64_t> last_frame_ns{0};
  std::vector<LatencyLog> logs;
  std::vector<std::int64_t> last_receive;  // per loop
  std::vector<char> frozen;                // per loop: set on that loop before the report reads
  std::mutex error_mutex;
  std::string last_error;

  void note_error(std::string_view frame) {
    std::lock_guard lock(error_mutex);
    last_error = std::string(frame.substr(0, 300));
  }
};

// A post's text starts "L<send time ns>-<post number> ".
void on_event(Traffic& t, std::size_t loop, std::string_view frame) {
  std::string_view text = str_field(frame, "text");
  std::int64_t sent_at = tagged_number(text, "L");
  if (sent_at < 0 || t.frozen[loop]) return;
  auto dash = text.find('-');
  std::int64_t k = dash == std::string_view::npos ? -1 : tagged_number(text.substr(dash), "-");
  if (k >= 0 && static_cast<std::size_t>(k) < t.committed.size())
    t.committed[k].store(1, std::memory_order_relaxed);
  std::int64_t now = now_ns();
  t.logs[loop].add_ns(now - sent_at);
  t.last_receive[loop] = now;
  ++t.received;
}

void on_answer(Traffic& t, std::string_view frame, bool ok) {
  std::string_view cid = str_field(frame, "cid");
  if (std::int64_t k = tagged_number(cid, "p"); k >= 0) {
    if (!ok) {
      ++t.post_errors;
      t.note_error(frame);
      return;
    }
    t.acked_deliveries += static_cast<std::int64_t>(t.rooms[k % t.rooms.size()].members.size());
    if (static_cast<std::size_t>(k) < t.committed.size())
      t.committed[k].store(1, std::memory_order_relaxed);
    ++t.acked;
  } else if (std::int64_t r = tagged_number(cid, "c"); r >= 0 && ok) {
    t.rooms[r].id = int_field(frame, "room");
    ++t.setup_acks;
  } else if (ok || (cid.starts_with("j") && str_field(frame, "code") == "conflict")) {
    ++t.setup_acks;  // a join (already a member is as good)
  } else {
    ++t.setup_errors;
    t.note_error(frame);
  }
}

Fleet::FrameFn handler(Traffic& t, Fleet& fleet) {
  return [&t, &fleet](std::size_t socket, std::string_view frame) {
    t.last_frame_ns.store(now_ns(), std::memory_order_relaxed);
    std::string_view type = str_field(frame, "type");
    if (type == "event") {
      on_event(t, fleet.loop_of(socket), frame);
    } else if (type == "ack") {
      on_answer(t, frame, true);
    } else if (type == "error") {
      on_answer(t, frame, false);
    }
  };
}

// Waits until the setup commands are answered and the events they caused stop arriving.
bool settle(Traffic& t, std::int64_t acks, double timeout_s) {
  bool ok = wait_until([&] { return t.setup_acks + t.setup_errors >= acks; }, timeout_s);
  wait_until([&] { return now_ns() - t.last_frame_ns > 700'000'000; }, 60);
  return ok && t.setup_errors == 0;
}

// Joins a batch at a time: a batch is one group commit on the server, whose events all land in
// every member's queue at once, and past --ws-queue-frames (1024) the server drops the socket.
bool join_all(Traffic& t, Fleet& fleet, std::size_t members) {
  constexpr std::size_t kBatch = 200;
  for (std::size_t from = 1; from < members; from += kBatch) {
    std::size_t to = std::min(members, from + kBatch);
    for (std::size_t i = from; i < to; ++i) {
      fleet.send(i, fmt::format(R"({{"type":"join","cid":"j{}{}","room":{}}})", i, run_tag(),
                                t.rooms[0].id));
    }
    if (!wait_until([&] { return t.setup_acks + t.setup_errors >= static_cast<std::int64_t>(to); },
                    120))
      return false;
  }
  return settle(t, static_cast<std::int64_t>(members), 60);
}

std::string post_frame(std::int64_t k, std::int64_t room, std::size_t text_bytes) {
  std::string text = fmt::format("L{}-{} ", now_ns(), k);
  if (text.size() < text_bytes) text.append(text_bytes - text.size(), 'x');
  return fmt::format(R"({{"type":"post","cid":"p{}{}","room":{},"text":"{}"}})", k, run_tag(), room,
                     text);
}

// Post k goes to room k % rooms, from its member (k / rooms) % posters, so every room gets the
// same rate and every poster in it takes turns.
void send_posts(Traffic& t, Fleet& fleet, const Options& o, std::size_t posters) {
  auto total = static_cast<std::int64_t>(o.rate * o.seconds);
  t.committed = std::vector<std::atomic<std::uint8_t>>(static_cast<std::size_t>(total));
  std::int64_t start = now_ns();
  auto next = std::make_shared<std::int64_t>(0);
  fleet.loop(0).every(std::chrono::milliseconds(1), [&t, &fleet, &o, total, start, next, posters] {
    auto due = std::min(
        total, static_cast<std::int64_t>(static_cast<double>(now_ns() - start) * o.rate / 1e9) + 1);
    for (; *next < due; ++*next) {
      const RoomPlan& room = t.rooms[*next % t.rooms.size()];
      std::size_t poster = room.members[(*next / t.rooms.size()) % posters];
      fleet.send(poster, post_frame(*next, room.id, o.text_bytes));
      ++t.sent;
    }
    return *next < total;
  });
  wait_until([&] { return t.sent >= total; }, o.seconds * 3 + 10);
}

// Waits for every ack and delivery, or until the deliveries stop coming for 3 s.
void drain(Traffic& t, const Fleet& fleet) {
  auto answered = [&] { return t.acked + t.post_errors >= t.sent; };
  wait_until([&] { return answered() || fleet.dropped() > 0; }, 30);
  std::int64_t seen = -1;
  std::int64_t still_since = now_ns();
  wait_until(
      [&] {
        if (t.received != seen) {
          seen = t.received;
          still_since = now_ns();
        }
        return (answered() && t.received >= t.acked_deliveries) ||
               now_ns() - still_since > 3'000'000'000;
      },
      120);
}

// Deliveries owed: every member of the room of every post the server stored.
std::int64_t expected_deliveries(const Traffic& t, std::int64_t& posts) {
  std::int64_t expected = 0;
  posts = 0;
  for (std::size_t k = 0; k < t.committed.size(); ++k) {
    if (!t.committed[k].load(std::memory_order_relaxed)) continue;
    ++posts;
    expected += static_cast<std::int64_t>(t.rooms[k % t.rooms.size()].members.size());
  }
  return expected;
}

void report(std::string_view name, Traffic& t, Fleet& fleet, const Options& o,
            const ProcSample& server0, const ProcSample& self0, std::int64_t start) {
  fleet.on_each_loop([&t](std::size_t i) { t.frozen[i] = 1; });  // stop recording
  ProcSample server1 = sample_process(o.server_pid), self1 = sample_self();
  std::int64_t last = *std::max_element(t.last_receive.begin(), t.last_receive.end());
  double span_s = static_cast<double>(std::max<std::int64_t>(last - start, 1)) / 1e9;
  std::vector<const LatencyLog*> logs;
  for (const auto& log : t.logs) logs.push_back(&log);
  auto received = static_cast<double>(t.received.load());
  std::int64_t stored = 0, expected = expected_deliveries(t, stored);
  Summary line(name);
  line.add("sockets", static_cast<std::int64_t>(fleet.sockets()))
      .add("rooms", static_cast<std::int64_t>(t.rooms.size()))
      .add("rate", o.rate, 0)
      .add("seconds", o.seconds, 1)
      .add("sent", t.sent.load())
      .add("acked", t.acked.load())
      .add("post_errors", t.post_errors.load())
      .add("stored", stored)
      .add("expected", expected)
      .add("received", t.received.load())
      .add("lost", expected - t.received)
      .add("deliveries_per_s", received / span_s, 0)
      .add(
          "offered_deliveries_per_s",
          o.rate * static_cast<double>(expected) / std::max<double>(1, static_cast<double>(stored)),
          0)
      .add(percentiles(logs))
      .add_server(server0, server1, span_s, received, "delivery")
      .add("generator_cpu_pct", static_cast<double>(self1.cpu_us - self0.cpu_us) / 1e4 / span_s, 1)
      .add("dropped", static_cast<std::int64_t>(fleet.dropped()))
      .add("last_close", fleet.last_close())
      .add("last_error", t.last_error);
  line.print();
}

// Setup done: the measured phase and its report.
int measure(std::string_view name, Traffic& t, Fleet& fleet, const Options& o,
            std::size_t posters) {
  ProcSample server0 = sample_process(o.server_pid), self0 = sample_self();
  std::int64_t start = now_ns();
  send_posts(t, fleet, o, posters);
  drain(t, fleet);
  report(name, t, fleet, o, server0, self0, start);
  fleet.close_all(60);
  return 0;  // losses are figures too
}

std::vector<std::size_t> first(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

int setup_failed(std::string_view name, Traffic& t, Fleet& fleet, std::string_view stage) {
  Summary(name)
      .add("error", stage)
      .add("sockets", static_cast<std::int64_t>(fleet.sockets()))
      .add("failed", static_cast<std::int64_t>(fleet.failed()))
      .add("last_close", fleet.last_close())
      .add("last_error", t.last_error)
      .print();
  return 1;
}

}  // namespace

// The state outlives the fleet, whose loops may still call the handlers while it closes.
int run_fanout(const Options& o) {
  Traffic t(loop_count(o));
  Fleet fleet(o.fleet);
  t.rooms.resize(1);
  t.rooms[0].members = first(o.members);
  fleet.sign_up(o.members);
  if (fleet.connect(first(o.members), handler(t, fleet), 300) != o.members)
    return setup_failed("fanout", t, fleet, "connect");
  fleet.send(
      0, fmt::format(R"({{"type":"create_room","cid":"c0{}","kind":"channel","name":"fanout {}"}})",
                     run_tag(), now_ns() % 1'000'000'000));
  if (!settle(t, 1, 30)) return setup_failed("fanout", t, fleet, "create_room");
  if (!join_all(t, fleet, o.members)) return setup_failed("fanout", t, fleet, "join");
  return measure("fanout", t, fleet, o, std::min(o.senders, o.members));
}

int run_rooms(const Options& o) {
  Traffic t(loop_count(o));
  Fleet fleet(o.fleet);
  std::size_t z = std::max<std::size_t>(o.room_size, 1), count = o.users / z;
  fleet.sign_up(count * z);
  if (fleet.connect(first(count * z), handler(t, fleet), 300) != count * z)
    return setup_failed("rooms", t, fleet, "connect");
  t.rooms.resize(count);
  std::string tag = std::to_string(now_ns() % 1'000'000'000);
  for (std::size_t r = 0; r < count; ++r) {
    std::string ids;
    for (std::size_t j = 0; j < z; ++j) {
      t.rooms[r].members.push_back(r * z + j);
      if (j > 0) ids += (j > 1 ? "," : "") + std::to_string(fleet.account_of(r * z + j).id);
    }
    fleet.send(r * z, fmt::format(R"({{"type":"create_room","cid":"c{}{}","kind":"private",)"
                                  R"("name":"room {} {}","members":[{}]}})",
                                  r, run_tag(), r, tag, ids));
  }
  if (!settle(t, static_cast<std::int64_t>(count), 300))
    return setup_failed("rooms", t, fleet, "create_room");
  return measure("rooms", t, fleet, o, z);
}

}  // namespace parley::load
