// Sockets in and out: frames through the command registry, rooms followed in the stream's order,
// presence on the bus.
#include "gateway/gateway.hpp"

#include <unordered_set>

#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>

#include "gateway/chat_commands.hpp"
#include "protocol/frames.hpp"

namespace parley::gateway {
namespace {

// Commands sent before `hello` wait for it (an offline client flushes its outbox on reconnect):
// bounded in bytes, like a socket's other queues; the rate limit bounds their number.
constexpr std::size_t kMaxPendingBytes = 1 << 20;
constexpr std::size_t kMaxQueuedReads = 1024;  // reads of one socket waiting for their turn
constexpr std::size_t kMaxHeldFrames = 1024;   // frames for the socket before its `hello`
constexpr auto kNow = net::WsConnection::Pace::kNow;
constexpr auto kBatched = net::WsConnection::Pace::kBatched;

Frame frame(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

}  // namespace

struct Gateway::Client final : hub::Subscriber,
                               Socket,
                               std::enable_shared_from_this<Gateway::Client> {
  Client(Gateway& g, std::shared_ptr<net::WsConnection> c, Principal p, bus::ConnectionId a)
      : gateway(g), conn(std::move(c)), principal(std::move(p)), addr(a) {}

  // hub::Subscriber: frames that come before `hello` wait for it.
  void send(const Frame& f, bool now) override {
    if (!open.load(std::memory_order_acquire)) {
      std::lock_guard lock(mu);
      if (!ready) {
        if (waiting->held.size() >= kMaxHeldFrames) {
          conn->close(net::kCloseTryAgainLater, "too much at once; reconnect");
        } else {
          waiting->held.push_back(f);
        }
        return;
      }
    }
    conn->send(f, now ? kNow : kBatched);
  }
  void close(std::uint16_t code, std::string reason) override {
    conn->close(code, std::move(reason));
  }
  void followed() override { gateway.followed(*this); }
  void left_room() override { gateway.rewatch(shared_from_this()); }

  // Socket: answers to commands, which only run once `hello` has gone.
  void send(std::string s) override { conn->send(frame(std::move(s)), kNow); }
  void send_after_events(std::string s) override {
    bus::Message m;
    m.kind = bus::Message::Kind::kConnection;
    m.connection = addr;
    m.frame = frame(std::move(s));
    gateway.stream_.then(std::move(m));
  }
  const Principal& who() const override { return principal; }
  bus::ConnectionId address() const override { return addr; }
  void read_in_turn(core::WorkerPool& pool, std::function<void()> work) override {
    {
      std::lock_guard lock(mu);
      if (reading) {
        if (!reads) reads = std::make_unique<std::deque<std::function<void()>>>();
        if (reads->size() >= kMaxQueuedReads) {
          conn->close(net::kClosePolicyViolation, "too many requests at once");
          return;
        }
        reads->push_back(std::move(work));
        return;
      }
      reading = true;
    }
    run_read(pool, std::move(work));
  }
  void run_read(core::WorkerPool& pool, std::function<void()> work) {
    pool.post([this, &pool, self = shared_from_this(), work = std::move(work)] {
      work();
      // The next read waits for the answers so far to leave: a reader that stalls holds one.
      conn->when_writable([this, &pool, self] {
        std::function<void()> next;
        {
          std::lock_guard lock(mu);
          if (!reads || reads->empty()) {
            reading = false;
            reads.reset();  // an idle socket keeps no queue
            return;
          }
          next = std::move(reads->front());
          reads->pop_front();
        }
        run_read(pool, std::move(next));
      });
    });
  }

  Gateway& gateway;
  std::shared_ptr<net::WsConnection> conn;
  Principal principal;
  bus::ConnectionId addr;
  bool first = false;  // the user came online with this socket (set before attach)
  std::mutex mu;
  bool ready = false;    // under mu: `hello` has gone
  bool reading = false;  // under mu: a read is on the pool or waits for the writer
  // Under mu: reads waiting for their turn; made when one has to wait (a deque allocates ~600 B
  // as soon as it exists, which every idle socket would carry).
  std::unique_ptr<std::deque<std::function<void()>>> reads;
  std::atomic<bool> open{false};  // set with `ready`, once the held frames have gone
  // Until `hello`, under mu; then let go, so an open socket carries none of it.
  struct Waiting {
    std::vector<std::string> pending;  // commands that came before `hello`
    std::size_t pending_bytes = 0;
    std::vector<Frame> held;                   // frames that came before `hello`
    std::vector<store::RoomSummary> snapshot;  // the rooms at attach
    bool have_snapshot = false;
    bool following = false;  // the hub applied the kFollow
  };
  std::unique_ptr<Waiting> waiting = std::make_unique<Waiting>();
};

Gateway::Gateway(chat::ChatService& chat, EventStream& stream, hub::Hub& hub, bus::Bus& bus,
                 core::WorkerPool& pool, Admit admit)
    : chat_(chat), stream_(stream), hub_(hub), bus_(bus), pool_(pool), admit_(std::move(admit)) {
  commands_.add("ping", Commands::CidRule::kOptional, [](protocol::Fields&) -> Commands::Action {
    return [](const Call& call) { call.send(protocol::encode_pong(call.cid())); };
  });
  install_chat_commands(commands_, chat_, bus_, hub_);
}

Gateway::~Gateway() = default;

void Gateway::authorize(std::shared_ptr<const net::HttpRequest> upgrade,
                        std::function<void(net::WsAdmission)> done) {
  admit_(std::move(upgrade), std::move(done));
}

std::shared_ptr<Gateway::Client> Gateway::find(ConnId conn) {
  std::lock_guard lock(mu_);
  auto it = clients_.find(conn);
  return it == clients_.end() ? nullptr : it->second;
}

void Gateway::on_open(const std::shared_ptr<net::WsConnection>& conn, const net::HttpRequest&,
                      const std::shared_ptr<const void>& principal) {
  auto who = std::static_pointer_cast<const Principal>(principal);
  auto client = std::make_shared<Client>(*this, conn, *who, hub_.address(conn->id()));
  {
    std::lock_guard lock(mu_);
    clients_[conn->id()] = client;
  }
  // Known to the hub before the snapshot of its rooms is taken: a membership change committed
  // after the snapshot reaches this socket through the hub.
  hub_.add(conn->id(), who->user, who->session, client);
  client->first = bus_.connected(who->user, client->addr);
  // The rooms are read on the pool from a snapshot between two commits; at that point a kFollow
  // enters the stream: events committed before the snapshot are in it (and not delivered to the
  // socket), every later one is delivered.
  pool_.post([this, client] {
    core::Result<std::vector<store::RoomSummary>> rooms =
        core::make_error(core::Errc::kInternal, "Could not load your rooms");
    try {
      rooms = chat_.attach(client->principal.user, [&](const std::vector<RoomId>& ids) {
        bus::Message m;
        m.kind = bus::Message::Kind::kFollow;
        m.connection = client->addr;
        m.rooms = ids;
        stream_.then(std::move(m));
      });
    } catch (const std::exception& e) {
      spdlog::error("reading the rooms of {} failed: {}", client->principal.username, e.what());
    }
    if (!find(client->conn->id())) return;  // closed meanwhile: on_close has undone it all
    if (!rooms) {
      spdlog::error("socket of {} not attached: {}", client->principal.username,
                    rooms.error().message);
      client->conn->close(1011, "try again later");
      return;
    }
    Opened opened;
    {
      std::lock_guard lock(client->mu);
      if (!client->waiting) return;
      client->waiting->snapshot = std::move(*rooms);
      client->waiting->have_snapshot = true;
      if (!client->waiting->following) return;  // the hub's lane sends hello when it gets there
      opened = open_locked(*client);
    }
    after_hello(client, opened);
  });
}

// On the hub's lane for the socket, once it follows its rooms.
void Gateway::followed(Client& c) {
  Opened opened;
  {
    std::lock_guard lock(c.mu);
    if (!c.waiting) return;
    c.waiting->following = true;
    if (!c.waiting->have_snapshot) return;  // the pool sends hello when the rooms are read
    opened = open_locked(c);
  }
  if (auto client = find(c.conn->id())) after_hello(client, opened);
}

// Under client.mu, once the socket follows its rooms and they are read: `hello`, then what
// waited for it. The snapshot and the waiting room are let go: an open socket keeps neither.
Gateway::Opened Gateway::open_locked(Client& client) {
  const auto& p = client.principal;
  store::UserBrief me{p.user, p.username, p.display_name, 0, {}};
  auto& w = *client.waiting;
  client.conn->send(frame(protocol::encode_hello(kVersion, me, w.snapshot, limits_)), kNow);
  std::shared_ptr<const std::string> notice;
  {
    std::lock_guard lock(after_hello_mu_);
    notice = after_hello_;
  }
  if (notice) client.conn->send(notice, kNow);
  for (const auto& f : w.held) client.conn->send(f, kNow);
  client.ready = true;
  client.open.store(true, std::memory_order_release);
  Opened opened;
  for (const auto& room : w.snapshot) {
    if (chat_.carries_presence(room)) opened.rooms.push_back(room.room.id);
  }
  opened.pending.swap(w.pending);
  client.waiting.reset();
  return opened;
}

void Gateway::after_hello(const std::shared_ptr<Client>& client, Opened& opened) {
  if (client->first) {
    const auto user = client->principal.user;
    bus::Message m;
    m.kind = bus::Message::Kind::kPresence;
    m.user = user;
    m.rooms = std::move(opened.rooms);
    m.frame = frame(protocol::encode_presence(user, true, 0));
    bus_.publish(m);
  }
  for (const auto& text : opened.pending) dispatch(client, text);
}

void Gateway::on_message(const std::shared_ptr<net::WsConnection>& conn, std::string_view text) {
  auto client = find(conn->id());
  if (!client) return;
  {
    std::lock_guard lock(client->mu);
    if (!client->ready) {
      auto& w = *client->waiting;
      if (w.pending_bytes + text.size() > kMaxPendingBytes) {
        conn->close(net::kClosePolicyViolation, "too much before hello");
      } else {
        w.pending_bytes += text.size();
        w.pending.emplace_back(text);
      }
      return;
    }
  }
  dispatch(client, std::string(text));
}

void Gateway::on_close(const std::shared_ptr<net::WsConnection>& conn) {
  std::shared_ptr<Client> client;
  {
    std::lock_guard lock(mu_);
    auto it = clients_.find(conn->id());
    if (it == clients_.end()) return;
    client = std::move(it->second);
    clients_.erase(it);
  }
  {
    // Reads waiting for their turn hold the client (their calls answer on it): let them go.
    std::unique_ptr<std::deque<std::function<void()>>> dropped;
    std::lock_guard lock(client->mu);
    dropped.swap(client->reads);
  }
  hub_.remove(conn->id());
  for (const auto& fn : closed_) fn(client->addr);
  const auto user = client->principal.user;
  if (!bus_.disconnected(user, client->addr)) return;
  // The time is taken now, and only the latest going-offline of a user is announced: the pool
  // may run an earlier one late, after the user came back and left again.
  // Time and generation are taken together, so a later generation never carries an earlier time
  // (two sockets of a user may close at once on two I/O threads).
  core::Millis at = 0;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    generation = ++offline_generation_[user];
    at = chat_.now();
  }
  pool_.post([this, user, at, generation] {
    try {
      const auto stored = chat_.went_offline(user, at);
      {
        std::lock_guard lock(mu_);
        auto it = offline_generation_.find(user);
        if (it == offline_generation_.end() || it->second != generation) return;
        offline_generation_.erase(it);
      }
      if (bus_.online(user)) return;  // a new tab opened meanwhile, on any node
      bus::Message m;
      m.kind = bus::Message::Kind::kPresence;
      m.user = user;
      m.rooms = chat_.presence_rooms(user);
      m.frame = frame(protocol::encode_presence(user, false, stored));
      bus_.publish(m);
    } catch (const std::exception& e) {
      spdlog::error("recording last seen failed: {}", e.what());
    }
  });
}

void Gateway::went_offline_elsewhere(UserId user) {
  pool_.post([this, user] {
    try {
      if (bus_.online(user)) return;
      const auto stored = chat_.went_offline(user, chat_.now());
      bus::Message m;
      m.kind = bus::Message::Kind::kPresence;
      m.user = user;
      m.rooms = chat_.presence_rooms(user);
      m.frame = frame(protocol::encode_presence(user, false, stored));
      bus_.publish(m);
    } catch (const std::exception& e) {
      spdlog::error("announcing a stopped node's user offline failed: {}", e.what());
    }
  });
}

// The user, or someone they watch, left a room: the socket keeps watching only those it may still
// see, in turn with its commands (a `watch` replaces the set meanwhile).
void Gateway::rewatch(const std::shared_ptr<Client>& client) {
  client->read_in_turn(pool_, [this, client] {
    try {
      const auto conn = client->conn->id();
      auto visible = chat_.watchable(client->principal.user, hub_.watching(conn));
      if (!visible) return;
      std::vector<UserId> ids;
      for (const auto& u : *visible) ids.push_back(u.id);
      hub_.watch(conn, std::move(ids));
    } catch (const std::exception& e) {
      spdlog::error("checking whom {} watches failed: {}", client->principal.username, e.what());
    }
  });
}

void Gateway::resync_all() {
  hub_.close_all(hub::kCloseRestart, "reconnect to catch up");
}

void Gateway::sessions_ended(UserId user, std::int64_t session) {
  bus::Message m;
  m.kind = bus::Message::Kind::kSignOut;
  m.user = user;
  m.session = session;
  bus_.publish(m);
}

std::pair<std::size_t, std::size_t> Gateway::open_sockets() {
  std::lock_guard lock(mu_);
  std::unordered_set<UserId> users;
  for (const auto& [id, client] : clients_) users.insert(client->principal.user);
  return {clients_.size(), users.size()};
}

void Gateway::set_after_hello(std::string f) {
  std::lock_guard lock(after_hello_mu_);
  after_hello_ = f.empty() ? nullptr : frame(std::move(f));
}

void Gateway::broadcast(std::string frame) {
  bus::Message m;
  m.kind = bus::Message::Kind::kEveryone;
  m.frame = std::make_shared<const std::string>(std::move(frame));
  bus_.publish(m);
}

void Gateway::profile_changed(UserId user, std::string display_name, std::string avatar) {
  pool_.post([this, user, display_name = std::move(display_name), avatar = std::move(avatar)] {
    try {
      auto rooms = chat_.rooms(user);
      if (!rooms) return;
      bus::Message m;
      m.kind = bus::Message::Kind::kPresence;
      m.user = user;
      for (const auto& r : *rooms) m.rooms.push_back(r.room.id);
      m.frame = frame(protocol::encode_profile(user, display_name, avatar));
      bus_.publish(m);
    } catch (const std::exception& e) {
      spdlog::error("announcing a profile change failed: {}", e.what());
    }
  });
}

void Gateway::dispatch(const std::shared_ptr<Client>& client, const std::string& text) {
  auto decoded = commands_.decode(text);
  if (auto* error = std::get_if<protocol::FrameError>(&decoded)) {
    client->send(protocol::encode_error(*error));
    return;
  }
  auto& d = std::get<Commands::Decoded>(decoded);
  d.action(Call(client, std::move(d.cid), pool_));
}

}  // namespace parley::gateway
