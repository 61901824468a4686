// Delivers Web Push messages (RFC 8030) in the background: a bounded queue, a few sender threads
// with libcurl, retries with backoff on 429/5xx/network errors, and a subscription the push service
// says is gone (404, 410) reported for removal. Chat never waits for it: `send` only queues.
// Messages to one endpoint go out one at a time, in the order given.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

#include "notify/webpush.hpp"

namespace parley::notify {

// Whether the server must not post to this address for a stranger: loopback, private,
// link-local, CGNAT, unspecified, multicast, and their IPv6 counterparts (ULA, v4-mapped).
bool internal_address(const sockaddr* address);

struct PushTarget {
  std::int64_t id = 0;  // the subscription's id in the store
  std::string endpoint;
  std::string p256dh;  // raw 65 bytes
  std::string auth;    // raw 16 bytes
};

struct PushMessage {
  PushTarget to;
  std::string payload;  // JSON, encrypted for `to`
  std::string topic;    // collapses earlier undelivered ones (≤ 32 base64url characters)
  int ttl_s = 86400;
  bool urgent = false;
};

struct PushOptions {
  std::string subject = "mailto:admin@localhost";  // VAPID `sub`: how the push service reaches us
  std::size_t max_queued = 10000;
  int threads = 2;
  int max_attempts = 4;
  std::chrono::milliseconds first_retry{1000};  // then ×4 each time
  long timeout_s = 10;
  // Post to http and to loopback/private addresses too (tests only): otherwise https only, and
  // never to an address a name resolves to inside this machine's networks.
  bool any_endpoint = false;
  // A subscription the push service says no longer exists (404, 410).
  std::function<void(std::int64_t id)> gone;
};

class PushSender {
 public:
  PushSender(const VapidKey& key, PushOptions options);
  ~PushSender();  // drops what is queued, finishes what is being sent
  PushSender(const PushSender&) = delete;
  PushSender& operator=(const PushSender&) = delete;

  // Queues; false (and counted in `dropped`) when the queue is full.
  bool send(PushMessage m);

  std::atomic<std::int64_t> sent{0}, failed{0}, dropped{0}, gone{0};

 private:
  struct Job {
    PushMessage m;
    int attempt = 0;
  };
  void run();
  // One HTTP attempt: the status, or 0 when the request did not complete.
  long post(const PushMessage& m);

  const VapidKey& key_;
  PushOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Per endpoint, its jobs in order; `ready` holds endpoints whose head may go now.
  std::map<std::string, std::deque<Job>> by_endpoint_;
  std::multimap<std::chrono::steady_clock::time_point, std::string> due_;
  std::set<std::string> busy_;  // endpoints with a request in flight
  std::size_t queued_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace parley::notify
