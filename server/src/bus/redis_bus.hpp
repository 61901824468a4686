// The Bus of a cluster (issue 20, ../shared/ARCHITECTURE.md "Scale-out"): nodes exchange bus
// messages over Redis pub/sub and keep the cluster's presence in Redis.
//
// - A message is delivered to this node's subscribers at once, on the publisher's thread (as
//   LocalBus does), and sent to the others in publish order over one connection: on the channel
//   every node follows, or on the one node's own channel when it is addressed to a connection there
//   (a connection on this node never leaves it).
// - Presence: each user's connections are a Redis set ("node.local" members), changed by Lua
//   scripts so a user's first and last connection across the cluster are known atomically. Every
//   change of a user's online state bumps a version and is announced to every node, which keeps a
//   copy: `online()` never asks Redis. A node refreshes its own key with a TTL; a node whose key
//   expired (it died) is swept by any other: its connections are removed, and the users it leaves
//   offline are reported through `on_offline` (the gateway tells their rooms), and the node
//   through `on_node_gone`. Claims (`claim`) are keys naming their node, swept with it.
// - Losing Redis: the node reconnects (backoff), registers its open connections again (Redis may
//   have restarted empty) and calls `on_resync`: messages may have been lost meanwhile, so the
//   node's clients must catch up from the store. A node that lost messages it published also
//   tells every other node to resync.
// Blocking hiredis connections on threads of their own: publishing, the subscription, and
// commands (presence, heartbeat) each have one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bus/bus.hpp"
#include "core/limiter.hpp"

struct redisContext;
struct redisReply;

namespace parley::bus {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string prefix = "parley";              // every key and channel starts with it
  std::chrono::milliseconds node_ttl{10000};  // a node silent this long is taken for dead
};

// "redis://host:port[/]" → options (other forms are refused with a message).
std::optional<RedisOptions> parse_redis_url(std::string_view url, std::string* why = nullptr);

// The wire form of what travels between nodes (exposed for tests and the fuzzer).
namespace wire {
struct Envelope {
  enum class Type : std::uint8_t { kMessage = 'M', kPresence = 'P', kResync = 'R' };
  Type type = Type::kMessage;
  NodeId origin = 0;
  Message message;            // kMessage
  UserId user{};              // kPresence
  bool online = false;        // kPresence
  std::uint64_t version = 0;  // kPresence
};
std::string encode(const Envelope& e);
// Nothing when the bytes are not an envelope (cut, wrong version, absurd counts).
std::optional<Envelope> decode(std::string_view bytes);
}  // namespace wire

class RedisBus final : public Bus {
 public:
  // Connects, takes a node id from Redis and starts its threads; throws std::runtime_error when
  // Redis cannot be reached.
  explicit RedisBus(RedisOptions options);
  ~RedisBus() override;
  RedisBus(const RedisBus&) = delete;
  RedisBus& operator=(const RedisBus&) = delete;

  NodeId node() const { return node_; }

  void publish(const Message& m) override;
  void subscribe(std::function<void(const Message&)> handler) override;
  bool connected(UserId user, ConnectionId conn) override;
  bool disconnected(UserId user, ConnectionId conn) override;
  bool online(UserId user) override;
  NodeId claim(const std::string& key, NodeId node) override;
  void release(const std::string& key, NodeId node) override;

  // A node that died, once swept (on the node that swept it): what lived there is gone.
  void on_node_gone(std::function<void(NodeId)> fn);
  // Users left offline by a dead node (called on a bus thread, on the node that swept it).
  void on_offline(std::function<void(UserId)> fn);
  // Messages may have been lost (Redis was out of reach): this node's clients must catch up.
  void on_resync(std::function<void()> fn);
  // Stops the threads and removes this node's connections from Redis at once (the destructor
  // does too): before what the subscribers deliver to goes away.
  void stop();

  // A rate limit every node shares (auth's sign-in limits: a guesser gains nothing by spreading
  // attempts over the nodes): token buckets in Redis, taken by a script. While Redis is out of
  // reach, this node's own buckets stand in.
  std::unique_ptr<core::Limiter> limiter(std::string_view name, double burst,
                                         std::int64_t refill_ms);

  // Tests: stop as a crashed node would (no clean-up in Redis; its key expires).
  void crash_for_tests();

 private:
  bool halt_threads();
  void publish_loop();
  void subscribe_loop();
  void heartbeat_loop();
  void deliver(const wire::Envelope& e);
  void apply_presence(UserId user, bool online, std::uint64_t version);
  void changed(UserId user, bool online, std::uint64_t version);
  struct ReplyDeleter {
    void operator()(redisReply* r) const;
  };
  using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;
  ReplyPtr run(const std::vector<std::string>& argv);
  class SharedLimiter;
  // What those limiters do in Redis: one attempt at the bucket `key` (nullopt: Redis out of reach;
  // else 0 when allowed, or seconds to wait), and forgetting it.
  std::optional<int> take_shared(const std::string& key, double burst, std::int64_t refill_ms,
                                 std::int64_t now_ms);
  void forget_shared(const std::string& key);
  void load_presence();
  bool register_node(redisContext* c);
  void reregister_connections();
  void send(std::string channel, std::string bytes);
  std::string key(std::string_view rest) const;
  redisContext* command_context();  // under cmd_mu_; reconnects when needed
  void resync(bool tell_others);

  RedisOptions opt_;
  NodeId node_ = 0;
  std::string all_channel_, node_channel_;
  std::shared_mutex handlers_mu_;
  std::vector<std::function<void(const Message&)>> handlers_;  // under handlers_mu_
  std::mutex callbacks_mu_;
  std::function<void(UserId)> on_offline_;    // under callbacks_mu_
  std::function<void()> on_resync_;           // under callbacks_mu_
  std::function<void(NodeId)> on_node_gone_;  // under callbacks_mu_

  std::mutex cmd_mu_;
  redisContext* cmd_ = nullptr;                                       // under cmd_mu_
  std::unordered_map<ConnectionId, UserId, ConnectionIdHash> local_;  // under cmd_mu_
  std::unordered_set<std::string> claims_;  // held by this node; under cmd_mu_

  std::mutex presence_mu_;
  std::uint64_t floor_ = 0;                            // the snapshot's version; under presence_mu_
  std::unordered_map<UserId, std::uint64_t> version_;  // under presence_mu_
  std::unordered_set<UserId> online_;                  // under presence_mu_

  std::mutex out_mu_;
  std::condition_variable out_cv_;
  std::deque<std::pair<std::string, std::string>> out_;  // channel, bytes; under out_mu_
  std::size_t out_bytes_ = 0;                            // under out_mu_
  bool lost_ = false;  // published messages may not have reached the others; under out_mu_

  std::atomic<bool> stop_{false};
  std::mutex sub_mu_;
  std::atomic<redisContext*> sub_{nullptr};  // to unblock the subscriber at shutdown; sub_mu_
  std::thread publisher_, subscriber_, heartbeat_;
  std::mutex hb_mu_;
  std::condition_variable hb_cv_;
  bool subscribed_ = false;  // the first subscription is in place; under hb_mu_
};

}  // namespace parley::bus
