// Scenario history: a channel with a million messages (seeded by pipelined posts unless a channel
// of that name already holds them), then readers walking it backwards 50 messages a page with
// `before`, one page in flight each; pages/s and the latency of a page. Then the same readers
// search it (`search`, one in flight each, queries of every kind in turn): searches/s and their
// latency, beside the history page's in the same run (summary line "search").
//
// Seeded texts are words of a made-up 2,000-word vocabulary drawn log-uniformly (a few words are
// in most messages, most words in few, as in real chat), and one message in 100 holds a Japanese
// phrase.
#include <fmt/format.h>

#include <boost/json.hpp>

#include <atomic>
#include <cmath>
#include <future>
#include <mutex>
#include <numeric>

#include "load/frames.hpp"
#include "load/measure.hpp"
#include "load/scenarios.hpp"

namespace parley::load {

namespace {

namespace json = boost::json;

constexpr std::string_view kRoomName = "history bench";
constexpr std::int64_t kVocabulary = 2000;

// Word `i` of the vocabulary: two or three consonant-vowel syllables.
std::string word(std::int64_t i) {
  static constexpr std::string_view kC = "bdfgklmnprstvz", kV = "aeiou";
  auto syllable = [](std::int64_t n) {
    return std::string{kC[static_cast<std::size_t>(n / 5 % 14)],
                       kV[static_cast<std::size_t>(n % 5)]};
  };
  std::string w = syllable(i % 70) + syllable(i / 70 % 70);
  if (i >= 70) w += syllable(i * 7 % 70);
  return w;
}

// A message's text: "h<k>" then words, deterministic in k.
std::string seed_text(std::int64_t k, std::size_t bytes) {
  std::string text = fmt::format("h{}", k);
  std::uint64_t x = static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ULL + 1;
  while (text.size() < bytes) {
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDULL;
    x ^= x >> 29;
    double u = static_cast<double>(x >> 11) / 9007199254740992.0;  // [0, 1)
    auto rank = static_cast<std::int64_t>(std::pow(static_cast<double>(kVocabulary), u)) - 1;
    text += ' ';
    text += word(std::min(rank, kVocabulary - 1));
  }
  if (k % 100 == 0) text += " 明日は東京タワーへ行きます";
  return text;
}

// The searches, asked in turn by each reader (a search of the whole room: readers are members).
struct Query {
  std::string_view kind;
  std::string text;
};
std::vector<Query> queries() {
  return {{"common_word", word(0)},  {"mid_word", word(30)},
          {"rare_word", word(1500)}, {"two_words", word(5) + " " + word(200)},
          {"cjk_3", "京タワ"},       {"prefix_2", word(3).substr(0, 2)},
          {"cjk_2_scan", "東京"},    {"absent", "qqqxj"}};
}

struct History {
  History(std::size_t loops, std::size_t sockets)
      : logs(loops),
        frozen(loops),
        sent_at(sockets),
        before(sockets),
        asked(sockets),
        search_logs(loops * queries().size()) {}
  std::atomic<std::int64_t> room{0}, room_last_seq{0};
  std::atomic<std::int64_t> setup_acks{0}, setup_errors{0};
  std::int64_t seed_total = 0;
  std::atomic<std::int64_t> seed_next{0}, seed_done{0}, seed_errors{0};
  std::int64_t end_ns = 0;
  std::atomic<std::int64_t> pages{0}, items{0}, errors{0}, outstanding{0};
  std::vector<LatencyLog> logs;
  std::vector<char> frozen;                   // per loop
  std::vector<std::int64_t> sent_at, before;  // per socket, on its loop
  std::mutex error_mutex;
  std::string last_error;
  std::size_t text_bytes = 100;
  int page = 50;
  // The search phase.
  std::vector<Query> query_list = queries();
  std::vector<std::size_t> asked;       // per socket: the query in flight
  std::vector<LatencyLog> search_logs;  // per loop and query kind
  std::atomic<std::int64_t> searches{0}, hits{0}, partial{0};
  std::atomic<bool> searching{false};

  void note_error(std::string_view frame) {
    std::lock_guard lock(error_mutex);
    last_error = std::string(frame.substr(0, 300));
  }
};

std::string seed_frame(const History& h, std::int64_t k) {
  return fmt::format(R"({{"type":"post","cid":"s{}{}","room":{},"text":"{}"}})", k, run_tag(),
                     h.room.load(), seed_text(k, h.text_bytes));
}

void send_search(History& h, Fleet& fleet, std::size_t socket) {
  h.sent_at[socket] = now_ns();
  std::size_t q = h.asked[socket];
  fleet.send(socket, fmt::format(R"({{"type":"search","cid":"q{}","query":"{}","limit":20}})",
                                 socket, h.query_list[q].text));
}

void on_search(History& h, Fleet& fleet, std::size_t socket, std::string_view frame) {
  std::int64_t now = now_ns();
  std::size_t loop = fleet.loop_of(socket);
  if (h.frozen[loop]) return;
  std::size_t q = h.asked[socket];
  h.search_logs[loop * h.query_list.size() + q].add_ns(now - h.sent_at[socket]);
  json::value v = json::parse(json::string_view(frame.data(), frame.size()));
  ++h.searches;
  h.hits += static_cast<std::int64_t>(v.at("items").as_array().size());
  if (v.at("partial").as_bool()) ++h.partial;
  h.asked[socket] = (q + 1) % h.query_list.size();
  if (now < h.end_ns) {
    send_search(h, fleet, socket);
  } else {
    --h.outstanding;
  }
}

void send_page(History& h, Fleet& fleet, std::size_t socket) {
  h.sent_at[socket] = now_ns();
  std::string before =
      h.before[socket] > 0 ? fmt::format(R"(,"before":{})", h.before[socket]) : std::string();
  fleet.send(socket, fmt::format(R"({{"type":"history","cid":"h{}","room":{},"limit":{}{}}})",
                                 socket, h.room.load(), h.page, before));
}

// The channel named kRoomName among the rooms of a hello frame, if the account is in it.
void find_room(History& h, std::string_view frame) {
  json::value v = json::parse(json::string_view(frame.data(), frame.size()));
  for (const auto& room : v.at("rooms").as_array()) {
    if (room.at("name").as_string() != kRoomName) continue;
    h.room_last_seq = json::value_to<std::int64_t>(room.at("last_seq"));
    h.room = json::value_to<std::int64_t>(room.at("id"));
  }
}

void on_page(History& h, Fleet& fleet, std::size_t socket, std::string_view frame) {
  std::int64_t now = now_ns();
  if (h.frozen[fleet.loop_of(socket)]) return;
  h.logs[fleet.loop_of(socket)].add_ns(now - h.sent_at[socket]);
  json::value v = json::parse(json::string_view(frame.data(), frame.size()));
  const auto& items = v.at("items").as_array();
  std::int64_t oldest = 0;
  for (const auto& item : items) {
    auto seq = json::value_to<std::int64_t>(item.at("seq"));
    oldest = oldest == 0 ? seq : std::min(oldest, seq);
  }
  ++h.pages;
  h.items += static_cast<std::int64_t>(items.size());
  h.before[socket] = v.at("more").as_bool() ? oldest : 0;  // at the start: again from the end
  if (now < h.end_ns) {
    send_page(h, fleet, socket);
  } else {
    --h.outstanding;
  }
}

void on_answer(History& h, Fleet& fleet, std::size_t socket, std::string_view frame, bool ok) {
  std::string_view cid = str_field(frame, "cid");
  if (!ok && !(cid.starts_with("j") && str_field(frame, "code") == "conflict")) h.note_error(frame);
  if (tagged_number(cid, "s") >= 0) {
    ++(ok ? h.seed_done : h.seed_errors);
    std::int64_t k = h.seed_next++;
    if (k < h.seed_total) fleet.send(socket, seed_frame(h, k));
  } else if (cid.starts_with("h") || cid.starts_with("q")) {
    ++h.errors;
    --h.outstanding;
  } else if (tagged_number(cid, "c") == 0 && ok) {
    h.room = int_field(frame, "room");  // new: seed all the messages (room_last_seq stays 0)
    ++h.setup_acks;
  } else {
    ++(ok || str_field(frame, "code") == "conflict" ? h.setup_acks : h.setup_errors);
  }
}

Fleet::FrameFn handler(History& h, Fleet& fleet) {
  return [&h, &fleet](std::size_t socket, std::string_view frame) {
    try {
      std::string_view type = str_field(frame, "type");
      if (type == "history") {
        on_page(h, fleet, socket, frame);
      } else if (type == "search") {
        on_search(h, fleet, socket, frame);
      } else if (type == "ack" || type == "error") {
        on_answer(h, fleet, socket, frame, type == "ack");
      } else if (type == "hello" && socket == 0) {
        find_room(h, frame);
      }
    } catch (const std::exception& e) {
      ++h.errors;
      h.note_error(std::string(e.what()) + ": " + std::string(frame.substr(0, 200)));
    }
  };
}

// Posts until the channel holds `o.messages` messages, seed_window in flight per seeding socket.
// Returns the seconds it took.
double seed(History& h, Fleet& fleet, const Options& o) {
  h.seed_total = std::max<std::int64_t>(0, static_cast<std::int64_t>(o.messages) - h.room_last_seq);
  std::int64_t start = now_ns();
  for (std::size_t s = 0; s < o.seed_sockets; ++s) {
    for (int w = 0; w < o.seed_window; ++w) {
      std::int64_t k = h.seed_next++;
      if (k < h.seed_total) fleet.send(s, seed_frame(h, k));
    }
  }
  std::int64_t last_note = start;
  wait_until(
      [&] {
        if (now_ns() - last_note > 10'000'000'000) {
          last_note = now_ns();
          fmt::print(
              stderr, "history: seeded {}/{} ({:.0f}/s)\n", h.seed_done.load(), h.seed_total,
              static_cast<double>(h.seed_done) * 1e9 / static_cast<double>(last_note - start));
        }
        return h.seed_done + h.seed_errors >= h.seed_total || fleet.dropped() > 0;
      },
      7200);
  return static_cast<double>(now_ns() - start) / 1e9;
}

bool prepare_room(History& h, Fleet& fleet, const Options& o) {
  if (h.room == 0) {
    fleet.send(0,
               fmt::format(R"({{"type":"create_room","cid":"c0{}","kind":"channel","name":"{}"}})",
                           run_tag(), kRoomName));
    if (!wait_until([&] { return h.setup_acks + h.setup_errors >= 1; }, 30) || h.room == 0)
      return false;
  }
  for (std::size_t i = 0; i < o.clients; ++i) {
    fleet.send(o.seed_sockets + i, fmt::format(R"({{"type":"join","cid":"j{}{}","room":{}}})", i,
                                               run_tag(), h.room.load()));
  }
  auto acks = static_cast<std::int64_t>(o.clients) + (h.setup_acks > 0 ? 1 : 0);
  return wait_until([&] { return h.setup_acks + h.setup_errors >= acks; }, 60) &&
         h.setup_errors == 0;
}

}  // namespace

int run_history(const Options& o) {
  std::size_t sockets = o.seed_sockets + o.clients;
  History h(loop_count(o), sockets);  // outlives the fleet, whose loops may still call handlers
  Fleet fleet(o.fleet);
  h.text_bytes = o.text_bytes;
  h.page = o.page;
  fleet.sign_up(1 + o.clients);
  std::vector<std::size_t> accounts(sockets, 0);  // seeders all sign in as account 0
  std::iota(accounts.begin() + static_cast<std::ptrdiff_t>(o.seed_sockets), accounts.end(), 1);
  bool ready = fleet.connect(accounts, handler(h, fleet), 120) == sockets;
  std::int64_t existing = h.room_last_seq;
  ready = ready && prepare_room(h, fleet, o);
  double seed_s = ready ? seed(h, fleet, o) : 0;
  ready = ready && h.seed_errors == 0 && fleet.dropped() == 0;

  ProcSample server0 = sample_process(o.server_pid), self0 = sample_self();
  h.end_ns = server0.at_ns + static_cast<std::int64_t>(o.seconds * 1e9);
  if (ready) {
    h.outstanding = static_cast<std::int64_t>(o.clients);
    for (std::size_t i = 0; i < o.clients; ++i) send_page(h, fleet, o.seed_sockets + i);
    wait_until([&] { return h.outstanding <= 0; }, o.seconds + 60);
  }
  fleet.on_each_loop([&h](std::size_t i) { h.frozen[i] = 1; });  // stop recording
  ProcSample server1 = sample_process(o.server_pid), self1 = sample_self();
  double span_s = static_cast<double>(server1.at_ns - server0.at_ns) / 1e9;
  std::vector<const LatencyLog*> logs;
  for (const auto& log : h.logs) logs.push_back(&log);
  auto pages = static_cast<double>(h.pages.load());

  Summary line("history");
  line.add("messages_target", static_cast<std::int64_t>(o.messages))
      .add("room_seq_before_seed", existing)
      .add("seeded", h.seed_done.load())
      .add("seed_errors", h.seed_errors.load())
      .add("seed_s", seed_s, 1)
      .add("seed_posts_per_s", seed_s > 0 ? static_cast<double>(h.seed_done) / seed_s : 0.0, 0)
      .add("clients", static_cast<std::int64_t>(o.clients))
      .add("page_limit", static_cast<std::int64_t>(o.page))
      .add("pages", h.pages.load())
      .add("pages_per_s", pages / span_s, 1)
      .add("items_per_page", pages > 0 ? static_cast<double>(h.items) / pages : 0.0, 1)
      .add(percentiles(logs))
      .add_server(server0, server1, span_s, pages, "page")
      .add("generator_cpu_pct", static_cast<double>(self1.cpu_us - self0.cpu_us) / 1e4 / span_s, 1)
      .add("errors", h.errors.load())
      .add("dropped", static_cast<std::int64_t>(fleet.dropped()))
      .add("last_close", fleet.last_close())
      .add("last_error", h.last_error);
  line.print();
  Percentiles page_p = percentiles(logs);

  // The search phase: the same readers, one search in flight each, for as long.
  fleet.on_each_loop([&h](std::size_t i) { h.frozen[i] = 0; });
  ProcSample server2 = sample_process(o.server_pid);
  h.end_ns = server2.at_ns + static_cast<std::int64_t>(o.seconds * 1e9);
  if (ready) {
    h.outstanding = static_cast<std::int64_t>(o.clients);
    for (std::size_t i = 0; i < o.clients; ++i) {
      h.asked[o.seed_sockets + i] = i % h.query_list.size();
      send_search(h, fleet, o.seed_sockets + i);
    }
    wait_until([&] { return h.outstanding <= 0; }, o.seconds + 60);
  }
  fleet.on_each_loop([&h](std::size_t i) { h.frozen[i] = 1; });
  ProcSample server3 = sample_process(o.server_pid);
  double search_s = static_cast<double>(server3.at_ns - server2.at_ns) / 1e9;
  std::vector<const LatencyLog*> all;
  Summary search("search");
  auto searches = static_cast<double>(h.searches.load());
  search.add("messages", h.room_last_seq.load() + h.seed_done.load())
      .add("clients", static_cast<std::int64_t>(o.clients))
      .add("searches", h.searches.load())
      .add("searches_per_s", searches / search_s, 1)
      .add("hits_per_search", searches > 0 ? static_cast<double>(h.hits) / searches : 0.0, 1)
      .add("partial", h.partial.load());
  for (std::size_t q = 0; q < h.query_list.size(); ++q) {
    std::vector<const LatencyLog*> kind;
    for (std::size_t l = 0; l < h.frozen.size(); ++l) {
      kind.push_back(&h.search_logs[l * h.query_list.size() + q]);
      all.push_back(kind.back());
    }
    auto p = percentiles(kind);
    search.add(fmt::format("{}_p50_ms", h.query_list[q].kind), p.p50_ms)
        .add(fmt::format("{}_p99_ms", h.query_list[q].kind), p.p99_ms);
  }
  Percentiles search_p = percentiles(all);
  search.add(search_p)
      .add("history_page_p99_ms", page_p.p99_ms)
      .add("p99_vs_history_page_p99", page_p.p99_ms > 0 ? search_p.p99_ms / page_p.p99_ms : 0.0, 2)
      .add_server(server2, server3, search_s, searches, "search")
      .add("errors", h.errors.load())
      .add("last_error", h.last_error);
  search.print();
  fleet.close_all(30);
  return ready && h.pages > 0 && h.searches > 0 ? 0 : 1;
}

}  // namespace parley::load
