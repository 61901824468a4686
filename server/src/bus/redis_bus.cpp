#include "bus/redis_bus.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace parley::bus {

// ---- the wire form -------------------------------------------------------------------------

namespace wire {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint32_t kMaxList = 1u << 20;    // ids in one list
constexpr std::uint32_t kMaxFrame = 64u << 20;  // bytes of one frame

struct Writer {
  std::string out;
  template <class T>
  void put(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
  }
  // An id goes as its number.
  template <class Tag, class Rep>
  void put(Id<Tag, Rep> id) {
    put(id.value());
  }
  template <class I>
  void ids(const std::vector<I>& v) {
    put(static_cast<std::uint32_t>(v.size()));
    for (auto x : v) put(x);
  }
};

struct Reader {
  std::string_view in;
  bool ok = true;
  template <class T>
  T get() {
    T v{};
    if (in.size() < sizeof(T)) {
      ok = false;
      return v;
    }
    std::memcpy(&v, in.data(), sizeof(T));
    in.remove_prefix(sizeof(T));
    return v;
  }
  template <class I>
  I id() {
    return I{get<typename I::rep>()};
  }
  template <class I>
  std::vector<I> ids() {
    auto n = get<std::uint32_t>();
    std::vector<I> v;
    if (!ok || n > kMaxList || in.size() / sizeof(std::int64_t) < n) {
      ok = false;
      return v;
    }
    v.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) v.push_back(id<I>());
    return v;
  }
};

}  // namespace

std::string encode(const Envelope& e) {
  Writer w;
  w.put(kVersion);
  w.put(static_cast<std::uint8_t>(e.type));
  w.put(e.origin);
  switch (e.type) {
    case Envelope::Type::kMessage: {
      const auto& m = e.message;
      w.put(static_cast<std::uint8_t>(m.kind));
      w.put(m.room);
      w.put(m.user);
      w.put(static_cast<std::uint8_t>(m.skip_user));
      w.ids(m.added);
      w.ids(m.removed);
      w.ids(m.rooms);
      w.put(m.connection.node);
      w.put(m.connection.local);
      w.put(m.session);
      w.put(static_cast<std::uint8_t>(m.frame != nullptr));
      if (m.frame) {
        w.put(static_cast<std::uint32_t>(m.frame->size()));
        w.out += *m.frame;
      }
      break;
    }
    case Envelope::Type::kPresence:
      w.put(e.user);
      w.put(static_cast<std::uint8_t>(e.online));
      w.put(e.version);
      break;
    case Envelope::Type::kResync:
      break;
  }
  return std::move(w.out);
}

std::optional<Envelope> decode(std::string_view bytes) {
  Reader r{bytes};
  if (r.get<std::uint8_t>() != kVersion || !r.ok) return std::nullopt;
  Envelope e;
  auto type = r.get<std::uint8_t>();
  e.origin = r.get<NodeId>();
  if (!r.ok) return std::nullopt;
  switch (type) {
    case static_cast<std::uint8_t>(Envelope::Type::kMessage): {
      e.type = Envelope::Type::kMessage;
      auto& m = e.message;
      auto kind = r.get<std::uint8_t>();
      if (kind > static_cast<std::uint8_t>(Message::Kind::kNode)) return std::nullopt;
      m.kind = static_cast<Message::Kind>(kind);
      m.room = r.id<RoomId>();
      m.user = r.id<UserId>();
      m.skip_user = r.get<std::uint8_t>() != 0;
      m.added = r.ids<UserId>();
      m.removed = r.ids<UserId>();
      m.rooms = r.ids<RoomId>();
      m.connection.node = r.get<NodeId>();
      m.connection.local = r.id<ConnId>();
      m.session = r.get<std::int64_t>();
      if (r.get<std::uint8_t>()) {
        auto n = r.get<std::uint32_t>();
        if (!r.ok || n > kMaxFrame || r.in.size() < n) return std::nullopt;
        m.frame = std::make_shared<const std::string>(r.in.substr(0, n));
        r.in.remove_prefix(n);
      }
      break;
    }
    case static_cast<std::uint8_t>(Envelope::Type::kPresence):
      e.type = Envelope::Type::kPresence;
      e.user = r.id<UserId>();
      e.online = r.get<std::uint8_t>() != 0;
      e.version = r.get<std::uint64_t>();
      break;
    case static_cast<std::uint8_t>(Envelope::Type::kResync):
      e.type = Envelope::Type::kResync;
      break;
    default:
      return std::nullopt;
  }
  if (!r.ok || !r.in.empty()) return std::nullopt;
  return e;
}

}  // namespace wire

std::optional<RedisOptions> parse_redis_url(std::string_view url, std::string* why) {
  auto fail = [&](const char* w) -> std::optional<RedisOptions> {
    if (why) *why = w;
    return std::nullopt;
  };
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) return fail("the bus URL must be redis://host:port");
  url.remove_prefix(scheme.size());
  if (url.ends_with('/')) url.remove_suffix(1);
  RedisOptions o;
  auto colon = url.rfind(':');
  if (colon == std::string_view::npos) {
    o.host = std::string(url);
  } else {
    o.host = std::string(url.substr(0, colon));
    auto port = url.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), o.port);
    if (ec != std::errc() || p != port.data() + port.size() || o.port <= 0 || o.port > 65535) {
      return fail("the bus URL's port must be a number from 1 to 65535");
    }
  }
  if (o.host.empty() || o.host.find_first_of("/@?#") != std::string::npos) {
    return fail("the bus URL must be redis://host:port (no user, path or options)");
  }
  return o;
}

// ---- Redis ---------------------------------------------------------------------------------

namespace {

using Reply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

Reply command(redisContext* c, const char* fmt, auto... args) {
  return Reply(static_cast<redisReply*>(redisCommand(c, fmt, args...)), freeReplyObject);
}

redisContext* connect(const RedisOptions& o, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  redisContext* c = redisConnectWithTimeout(o.host.c_str(), o.port, tv);
  if (!c) return nullptr;
  if (c->err) {
    redisFree(c);
    return nullptr;
  }
  redisEnableKeepAlive(c);
  return c;
}

// ARGV[1] is the key prefix in every script.
// A user's connection opened: their version of online when it is their first anywhere, else 0.
constexpr const char* kConnected = R"(
local p, u, c, n = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local conns = p .. ':conns:' .. u
local added = redis.call('SADD', conns, c)
redis.call('SADD', p .. ':node:' .. n .. ':users', u)
if added == 1 and redis.call('SCARD', conns) == 1 then
  redis.call('SADD', p .. ':online', u)
  return redis.call('INCR', p .. ':presence-version')
end
return 0)";

// A connection closed: the version of offline when it was the user's last anywhere, else 0.
constexpr const char* kDisconnected = R"(
local p, u, c = ARGV[1], ARGV[2], ARGV[3]
local conns = p .. ':conns:' .. u
if redis.call('SREM', conns, c) == 1 and redis.call('SCARD', conns) == 0 then
  redis.call('SREM', p .. ':online', u)
  return redis.call('INCR', p .. ':presence-version')
end
return 0)";

// A dead node's connections removed: {user, version, ...} for each user now offline.
constexpr const char* kSweep = R"(
local p, n = ARGV[1], ARGV[2]
local prefix = n .. '.'
local gone = {}
local users = p .. ':node:' .. n .. ':users'
for _, u in ipairs(redis.call('SMEMBERS', users)) do
  local conns = p .. ':conns:' .. u
  for _, c in ipairs(redis.call('SMEMBERS', conns)) do
    if string.sub(c, 1, #prefix) == prefix then redis.call('SREM', conns, c) end
  end
  if redis.call('SCARD', conns) == 0 and redis.call('SREM', p .. ':online', u) == 1 then
    table.insert(gone, u)
    table.insert(gone, redis.call('INCR', p .. ':presence-version'))
  end
end
redis.call('DEL', users)
local claims = p .. ':node:' .. n .. ':claims'
for _, k in ipairs(redis.call('SMEMBERS', claims)) do
  if redis.call('GET', p .. ':claim:' .. k) == n then redis.call('DEL', p .. ':claim:' .. k) end
end
redis.call('DEL', claims)
redis.call('SREM', p .. ':nodes', n)
return gone)";

// A claim: the node holding the key, taken by ARGV[3] when free or its holder's key expired.
constexpr const char* kClaim = R"(
local p, k, n = ARGV[1], ARGV[2], ARGV[3]
local key = p .. ':claim:' .. k
local v = redis.call('GET', key)
if v and v ~= n and redis.call('EXISTS', p .. ':alive:' .. v) == 1 then return tonumber(v) end
redis.call('SET', key, n)
redis.call('SADD', p .. ':node:' .. n .. ':claims', k)
return tonumber(n))";

// One attempt at a token bucket shared by the nodes: `burst` tokens, one more every `refill` ms;
// 0 when a token was taken, else the seconds until one is there. A node whose clock is behind the
// bucket's does not refill it. The bucket goes once it would be full again.
constexpr const char* kTake = R"(
local key, burst, refill, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local b = redis.call('HMGET', key, 'tokens', 'at')
local tokens, at = tonumber(b[1]), tonumber(b[2])
if not tokens then tokens, at = burst, now end
if now > at then
  tokens = math.min(burst, tokens + (now - at) / refill)
  at = now
end
local wait = 0
if tokens < 1 then
  wait = math.max(1, math.ceil((1 - tokens) * refill / 1000))
else
  tokens = tokens - 1
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', key, math.ceil((burst - tokens) * refill) + 1000)
return wait)";

constexpr const char* kRelease = R"(
local p, k, n = ARGV[1], ARGV[2], ARGV[3]
if redis.call('GET', p .. ':claim:' .. k) == n then redis.call('DEL', p .. ':claim:' .. k) end
redis.call('SREM', p .. ':node:' .. n .. ':claims', k)
return 0)";

// Who is online, and the version that picture is at.
constexpr const char* kSnapshot = R"(
local p = ARGV[1]
local v = tonumber(redis.call('GET', p .. ':presence-version') or '0')
local out = { v }
for _, u in ipairs(redis.call('SMEMBERS', p .. ':online')) do table.insert(out, u) end
return out)";

// A node's heartbeat: alive for the TTL, listed, and the id counter never below its id (Redis may
// have restarted empty; a new node must not take a live one's id).
constexpr const char* kHeartbeat = R"(
local p, n, ttl = ARGV[1], ARGV[2], ARGV[3]
redis.call('SET', p .. ':alive:' .. n, '1', 'PX', ttl)
redis.call('SADD', p .. ':nodes', n)
if tonumber(redis.call('GET', p .. ':next-node') or '0') < tonumber(n) then
  redis.call('SET', p .. ':next-node', n)
end
local dead = {}
for _, m in ipairs(redis.call('SMEMBERS', p .. ':nodes')) do
  if redis.call('EXISTS', p .. ':alive:' .. m) == 0 then table.insert(dead, m) end
end
return dead)";

// A new node's id: the next one free.
constexpr const char* kNewNode = R"(
local p, ttl = ARGV[1], ARGV[2]
while true do
  local n = redis.call('INCR', p .. ':next-node')
  if redis.call('SET', p .. ':alive:' .. n, '1', 'PX', ttl, 'NX') then
    redis.call('SADD', p .. ':nodes', n)
    return n
  end
end)";

constexpr std::size_t kMaxQueuedBytes = 64u << 20;

wire::Envelope presence_envelope(NodeId origin, UserId user, bool online, std::uint64_t version) {
  wire::Envelope e;
  e.type = wire::Envelope::Type::kPresence;
  e.origin = origin;
  e.user = user;
  e.online = online;
  e.version = version;
  return e;
}

std::int64_t to_int(const redisReply* r) {
  if (!r) return 0;
  if (r->type == REDIS_REPLY_INTEGER) return r->integer;
  if (r->type == REDIS_REPLY_STRING) {
    std::int64_t v = 0;
    std::from_chars(r->str, r->str + r->len, v);
    return v;
  }
  return 0;
}

}  // namespace

RedisBus::RedisBus(RedisOptions options) : opt_(std::move(options)) {
  {
    std::lock_guard lock(cmd_mu_);
    cmd_ = connect(opt_, std::chrono::milliseconds(2000));
    if (!cmd_) {
      throw std::runtime_error(
          fmt::format("cannot reach Redis at {}:{} (--bus)", opt_.host, opt_.port));
    }
    auto ttl = std::to_string(opt_.node_ttl.count());
    auto r = command(cmd_, "EVAL %s 0 %s %s", kNewNode, opt_.prefix.c_str(), ttl.c_str());
    if (!r || r->type != REDIS_REPLY_INTEGER || r->integer <= 0 || r->integer > 0xFFFFFFFF) {
      throw std::runtime_error("Redis refused to give this node an id");
    }
    node_ = static_cast<NodeId>(r->integer);
    timeval tv{2, 0};
    redisSetTimeout(cmd_, tv);
  }
  all_channel_ = key("bus");
  node_channel_ = key("bus:" + std::to_string(node_));
  spdlog::info("bus: Redis at {}:{}, this is node {}", opt_.host, opt_.port, node_);
  publisher_ = std::thread([this] { publish_loop(); });
  subscriber_ = std::thread([this] { subscribe_loop(); });
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
  // Nothing published before the subscription exists reaches this node: it is ready once it does.
  std::unique_lock lock(hb_mu_);
  if (!hb_cv_.wait_for(lock, std::chrono::seconds(5), [&] { return subscribed_; })) {
    lock.unlock();
    crash_for_tests();
    throw std::runtime_error("cannot subscribe to the bus on Redis");
  }
}

RedisBus::~RedisBus() {
  stop();
}

// Ends the three threads; true when they had been ended already (a crash, or a stop before).
bool RedisBus::halt_threads() {
  bool was = stop_.exchange(true);
  out_cv_.notify_all();
  hb_cv_.notify_all();
  {
    std::lock_guard lock(sub_mu_);
    if (auto* s = sub_.load()) ::shutdown(s->fd, SHUT_RDWR);
  }
  if (publisher_.joinable()) publisher_.join();
  if (subscriber_.joinable()) subscriber_.join();
  if (heartbeat_.joinable()) heartbeat_.join();
  return was;
}

void RedisBus::stop() {
  bool crashed = halt_threads();
  std::lock_guard lock(cmd_mu_);
  if (cmd_ && !crashed && !local_.empty()) {
    // A clean stop: this node's connections go at once, not when its key expires.
    auto n = std::to_string(node_);
    command(cmd_, "DEL %s", key("alive:" + n).c_str());
    auto gone = command(cmd_, "EVAL %s 0 %s %s", kSweep, opt_.prefix.c_str(), n.c_str());
    if (gone && gone->type == REDIS_REPLY_ARRAY) {
      for (std::size_t i = 0; i + 1 < gone->elements; i += 2) {
        auto bytes = wire::encode(
            presence_envelope(node_, UserId{to_int(gone->element[i])}, false,
                              static_cast<std::uint64_t>(to_int(gone->element[i + 1]))));
        command(cmd_, "PUBLISH %s %b", all_channel_.c_str(), bytes.data(), bytes.size());
      }
    }
  }
  if (cmd_) redisFree(cmd_);
  cmd_ = nullptr;
}

void RedisBus::crash_for_tests() {
  halt_threads();
}

std::string RedisBus::key(std::string_view rest) const {
  return opt_.prefix + ":" + std::string(rest);
}

void RedisBus::subscribe(std::function<void(const Message&)> handler) {
  std::unique_lock lock(handlers_mu_);
  handlers_.push_back(std::move(handler));
}

void RedisBus::on_offline(std::function<void(UserId)> fn) {
  std::lock_guard lock(callbacks_mu_);
  on_offline_ = std::move(fn);
}

void RedisBus::on_resync(std::function<void()> fn) {
  std::lock_guard lock(callbacks_mu_);
  on_resync_ = std::move(fn);
}

void RedisBus::publish(const Message& m) {
  const bool addressed = m.kind == Message::Kind::kConnection || m.kind == Message::Kind::kFollow ||
                         (m.kind == Message::Kind::kNode && m.connection.node != 0);
  if (!addressed || m.connection.node == node_) {
    std::shared_lock lock(handlers_mu_);
    for (auto& h : handlers_) h(m);
    if (addressed) return;  // it is here: delivered
  }
  wire::Envelope e;
  e.origin = node_;
  e.message = m;
  send(addressed ? key("bus:" + std::to_string(m.connection.node)) : all_channel_, wire::encode(e));
}

void RedisBus::send(std::string channel, std::string bytes) {
  {
    std::lock_guard lock(out_mu_);
    if (out_bytes_ + bytes.size() > kMaxQueuedBytes) {
      // Redis is out of reach and the backlog is full: the others will have to resync.
      lost_ = true;
      return;
    }
    out_bytes_ += bytes.size();
    out_.emplace_back(std::move(channel), std::move(bytes));
  }
  out_cv_.notify_one();
}

void RedisBus::publish_loop() {
  redisContext* c = nullptr;
  auto backoff = std::chrono::milliseconds(50);
  std::deque<std::pair<std::string, std::string>> batch;
  while (!stop_) {
    if (!c) {
      c = connect(opt_, std::chrono::milliseconds(1000));
      if (!c) {
        std::unique_lock lock(out_mu_);
        out_cv_.wait_for(lock, backoff, [&] { return stop_.load(); });
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
        continue;
      }
      backoff = std::chrono::milliseconds(50);
    }
    bool tell = false;
    {
      std::unique_lock lock(out_mu_);
      out_cv_.wait(lock, [&] { return stop_ || !out_.empty() || lost_ || !batch.empty(); });
      if (stop_) break;
      for (auto& item : out_) batch.push_back(std::move(item));
      out_.clear();
      out_bytes_ = 0;
      tell = std::exchange(lost_, false);
    }
    if (tell) {
      wire::Envelope r;
      r.type = wire::Envelope::Type::kResync;
      r.origin = node_;
      batch.emplace_front(all_channel_, wire::encode(r));
    }
    for (const auto& [channel, bytes] : batch) {
      redisAppendCommand(c, "PUBLISH %b %b", channel.data(), channel.size(), bytes.data(),
                         bytes.size());
    }
    std::size_t done = 0;
    for (; done < batch.size(); ++done) {
      void* reply = nullptr;
      if (redisGetReply(c, &reply) != REDIS_OK) break;
      freeReplyObject(reply);
    }
    batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(done));
    if (!batch.empty()) {
      // Sent again once Redis answers: what had reached it may arrive twice (clients skip
      // events they have; frames without a seq are idempotent or transient).
      spdlog::warn("bus: publishing to Redis failed; reconnecting");
      redisFree(c);
      c = nullptr;
    }
  }
  if (c) redisFree(c);
}

void RedisBus::subscribe_loop() {
  bool first = true;
  auto backoff = std::chrono::milliseconds(50);
  while (!stop_) {
    redisContext* c = connect(opt_, std::chrono::milliseconds(1000));
    if (c) {
      auto ok = command(c, "SUBSCRIBE %s %s", all_channel_.c_str(), node_channel_.c_str());
      // The first confirmation came as the answer; the second is read here.
      void* second = nullptr;
      if (!ok || redisGetReply(c, &second) != REDIS_OK) {
        redisFree(c);
        c = nullptr;
      } else {
        freeReplyObject(second);
      }
    }
    if (!c) {
      std::unique_lock lock(hb_mu_);
      hb_cv_.wait_for(lock, backoff, [&] { return stop_.load(); });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
      continue;
    }
    backoff = std::chrono::milliseconds(50);
    {
      std::lock_guard lock(sub_mu_);
      if (stop_) {
        redisFree(c);
        break;
      }
      sub_.store(c);
    }
    // Subscribed: what changes from now on arrives here; the picture until now is read once.
    {
      std::lock_guard lock(cmd_mu_);
      if (!first) reregister_connections();
      load_presence();
    }
    if (!first) {
      spdlog::warn("bus: back on Redis; this node's clients catch up from the store");
      resync(false);
    } else {
      std::lock_guard lock(hb_mu_);
      subscribed_ = true;
      hb_cv_.notify_all();
    }
    first = false;
    for (;;) {
      void* raw = nullptr;
      if (redisGetReply(c, &raw) != REDIS_OK) break;
      Reply r(static_cast<redisReply*>(raw), freeReplyObject);
      if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3) continue;
      const auto* payload = r->element[2];
      if (payload->type != REDIS_REPLY_STRING) continue;
      auto e = wire::decode(std::string_view(payload->str, payload->len));
      if (!e) {
        spdlog::warn("bus: a message on Redis that is not one of ours, ignored");
        continue;
      }
      if (e->origin == node_) continue;  // delivered here when published
      deliver(*e);
    }
    {
      std::lock_guard lock(sub_mu_);
      sub_.store(nullptr);
      redisFree(c);
    }
    if (!stop_) spdlog::warn("bus: lost the Redis subscription; reconnecting");
  }
}

void RedisBus::deliver(const wire::Envelope& e) {
  switch (e.type) {
    case wire::Envelope::Type::kMessage: {
      std::shared_lock lock(handlers_mu_);
      for (auto& h : handlers_) h(e.message);
      break;
    }
    case wire::Envelope::Type::kPresence:
      apply_presence(e.user, e.online, e.version);
      break;
    case wire::Envelope::Type::kResync:
      resync(false);
      break;
  }
}

void RedisBus::resync(bool tell_others) {
  if (tell_others) {
    std::lock_guard lock(out_mu_);
    lost_ = true;
    out_cv_.notify_one();
  }
  std::function<void()> fn;
  {
    std::lock_guard lock(callbacks_mu_);
    fn = on_resync_;
  }
  if (fn) fn();
}

// A user's new state, here at once and announced to the other nodes.
void RedisBus::changed(UserId user, bool is_online, std::uint64_t version) {
  apply_presence(user, is_online, version);
  send(all_channel_, wire::encode(presence_envelope(node_, user, is_online, version)));
}

void RedisBus::apply_presence(UserId user, bool is_online, std::uint64_t version) {
  std::lock_guard lock(presence_mu_);
  if (version <= floor_) return;
  auto& seen = version_[user];
  if (version <= seen) return;
  seen = version;
  if (is_online)
    online_.insert(user);
  else
    online_.erase(user);
}

// Under cmd_mu_.
void RedisBus::load_presence() {
  auto r = run({"EVAL", kSnapshot, "0", opt_.prefix});
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0) return;
  std::lock_guard lock(presence_mu_);
  floor_ = static_cast<std::uint64_t>(to_int(r->element[0]));
  version_.clear();
  online_.clear();
  for (std::size_t i = 1; i < r->elements; ++i) online_.insert(UserId{to_int(r->element[i])});
}

void RedisBus::ReplyDeleter::operator()(redisReply* r) const {
  if (r) freeReplyObject(r);
}

// Under cmd_mu_: a command, sent again once on a fresh connection when the old one broke (Redis
// restarted: the first command on the old connection is the one that finds out).
RedisBus::ReplyPtr RedisBus::run(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<std::size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto* c = command_context();
    if (!c) break;
    ReplyPtr r(static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data())));
    if (r && !c->err) return r;
  }
  return nullptr;
}

// Under cmd_mu_.
redisContext* RedisBus::command_context() {
  if (cmd_ && cmd_->err) {
    redisFree(cmd_);
    cmd_ = nullptr;
  }
  if (!cmd_) {
    cmd_ = connect(opt_, std::chrono::milliseconds(500));
    if (cmd_) {
      timeval tv{2, 0};
      redisSetTimeout(cmd_, tv);
    }
  }
  return cmd_;
}

// Under cmd_mu_: this node's open connections, again (Redis may have restarted empty).
void RedisBus::reregister_connections() {
  auto n = std::to_string(node_);
  run({"EVAL", kHeartbeat, "0", opt_.prefix, n, std::to_string(opt_.node_ttl.count())});
  for (const auto& [conn, user] : local_) {
    auto v = to_int(
        run({"EVAL", kConnected, "0", opt_.prefix, std::to_string(user.value()), conn.str(), n})
            .get());
    if (v > 0) changed(user, true, static_cast<std::uint64_t>(v));
  }
  for (const auto& k : claims_) run({"EVAL", kClaim, "0", opt_.prefix, k, n});
}

NodeId RedisBus::claim(const std::string& key, NodeId node) {
  std::lock_guard lock(cmd_mu_);
  auto r = run({"EVAL", kClaim, "0", opt_.prefix, key, std::to_string(node)});
  if (!r) return node;  // out of reach: this node answers for itself until Redis is back
  auto holder = static_cast<NodeId>(to_int(r.get()));
  if (holder == node) claims_.insert(key);
  return holder;
}

void RedisBus::release(const std::string& key, NodeId node) {
  std::lock_guard lock(cmd_mu_);
  claims_.erase(key);
  run({"EVAL", kRelease, "0", opt_.prefix, key, std::to_string(node)});
}

class RedisBus::SharedLimiter final : public core::Limiter {
 public:
  SharedLimiter(RedisBus& bus, std::string prefix, double burst, std::int64_t refill_ms)
      : bus_(bus),
        prefix_(std::move(prefix)),
        burst_(burst),
        refill_ms_(refill_ms),
        local_(burst, refill_ms) {}
  int take(const std::string& key, std::int64_t now_ms) override {
    if (auto wait = bus_.take_shared(prefix_ + key, burst_, refill_ms_, now_ms)) return *wait;
    return local_.take(key, now_ms);
  }
  void reset(const std::string& key) override {
    bus_.forget_shared(prefix_ + key);
    local_.reset(key);
  }

 private:
  RedisBus& bus_;
  std::string prefix_;
  double burst_;
  std::int64_t refill_ms_;
  core::KeyedLimiter local_;
};

std::unique_ptr<core::Limiter> RedisBus::limiter(std::string_view name, double burst,
                                                 std::int64_t refill_ms) {
  return std::make_unique<SharedLimiter>(*this, opt_.prefix + ":limit:" + std::string(name) + ":",
                                         burst, std::max<std::int64_t>(1, refill_ms));
}

std::optional<int> RedisBus::take_shared(const std::string& key, double burst,
                                         std::int64_t refill_ms, std::int64_t now_ms) {
  std::lock_guard lock(cmd_mu_);
  auto r = run({"EVAL", kTake, "0", key, fmt::format("{}", burst), std::to_string(refill_ms),
                std::to_string(now_ms)});
  if (!r || r->type != REDIS_REPLY_INTEGER) return std::nullopt;
  return static_cast<int>(r->integer);
}

void RedisBus::forget_shared(const std::string& key) {
  std::lock_guard lock(cmd_mu_);
  run({"DEL", key});
}

void RedisBus::on_node_gone(std::function<void(NodeId)> fn) {
  std::lock_guard lock(callbacks_mu_);
  on_node_gone_ = std::move(fn);
}

bool RedisBus::connected(UserId user, ConnectionId conn) {
  std::int64_t v = 0;
  {
    std::lock_guard lock(cmd_mu_);
    local_[conn] = user;
    auto r = run({"EVAL", kConnected, "0", opt_.prefix, std::to_string(user.value()), conn.str(),
                  std::to_string(node_)});
    // Out of reach: this node answers for itself; it registers again once back.
    if (!r) return !online(user);
    v = to_int(r.get());
  }
  if (v <= 0) return false;
  changed(user, true, static_cast<std::uint64_t>(v));
  return true;
}

bool RedisBus::disconnected(UserId user, ConnectionId conn) {
  std::int64_t v = 0;
  {
    std::lock_guard lock(cmd_mu_);
    if (local_.erase(conn) == 0) return false;
    v = to_int(
        run({"EVAL", kDisconnected, "0", opt_.prefix, std::to_string(user.value()), conn.str()})
            .get());
  }
  if (v <= 0) return false;
  changed(user, false, static_cast<std::uint64_t>(v));
  return true;
}

bool RedisBus::online(UserId user) {
  std::lock_guard lock(presence_mu_);
  return online_.count(user) != 0;
}

void RedisBus::heartbeat_loop() {
  const auto every = std::max(opt_.node_ttl / 4, std::chrono::milliseconds(10));
  const auto n = std::to_string(node_);
  const auto ttl = std::to_string(opt_.node_ttl.count());
  while (!stop_) {
    std::vector<std::pair<UserId, std::uint64_t>> gone;
    std::vector<NodeId> dead_nodes;
    {
      std::lock_guard lock(cmd_mu_);
      {
        auto dead = run({"EVAL", kHeartbeat, "0", opt_.prefix, n, ttl});
        if (dead && dead->type == REDIS_REPLY_ARRAY) {
          for (std::size_t i = 0; i < dead->elements; ++i) {
            auto d = std::to_string(to_int(dead->element[i]));
            spdlog::warn("bus: node {} stopped answering; its connections are removed", d);
            auto swept = run({"EVAL", kSweep, "0", opt_.prefix, d});
            if (!swept || swept->type != REDIS_REPLY_ARRAY) continue;
            dead_nodes.push_back(static_cast<NodeId>(to_int(dead->element[i])));
            for (std::size_t j = 0; j + 1 < swept->elements; j += 2) {
              gone.emplace_back(to_int(swept->element[j]),
                                static_cast<std::uint64_t>(to_int(swept->element[j + 1])));
            }
          }
        }
      }
    }
    for (auto [user, version] : gone) {
      changed(user, false, version);
      std::function<void(UserId)> fn;
      {
        std::lock_guard lock(callbacks_mu_);
        fn = on_offline_;
      }
      if (fn) fn(user);
    }
    for (auto d : dead_nodes) {
      std::function<void(NodeId)> fn;
      {
        std::lock_guard lock(callbacks_mu_);
        fn = on_node_gone_;
      }
      if (fn) fn(d);
    }
    std::unique_lock lock(hb_mu_);
    hb_cv_.wait_for(lock, every, [&] { return stop_.load(); });
  }
}

}  // namespace parley::bus
