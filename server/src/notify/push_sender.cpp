#include "notify/push_sender.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <ctime>

namespace parley::notify {
namespace {

size_t discard(char*, size_t size, size_t n, void*) {
  return size * n;
}

curl_socket_t open_public(void*, curlsocktype, curl_sockaddr* a) {
  if (internal_address(&a->addr)) return CURL_SOCKET_BAD;
  return ::socket(a->family, a->socktype, a->protocol);
}

}  // namespace

// Whether an address is one the server must not post to for a stranger: loopback, private,
// link-local, CGNAT, unspecified, multicast, and their IPv6 counterparts (ULA, mapped v4).
bool internal_address(const sockaddr* sa) {
  auto v4 = [](std::uint32_t a) {
    return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 || (a >> 16) == 0xA9FE ||
           (a >> 20) == 0xAC1 || (a >> 16) == 0xC0A8 || (a >> 22) == (100u << 2 | 1) ||
           (a >> 28) >= 0xE;
  };
  if (sa->sa_family == AF_INET) {
    return v4(ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6) {
    const auto& b = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr.s6_addr;
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, kMapped, 12) == 0) {
      return v4(static_cast<std::uint32_t>(b[12]) << 24 | static_cast<std::uint32_t>(b[13]) << 16 |
                static_cast<std::uint32_t>(b[14]) << 8 | b[15]);
    }
    bool zero = std::all_of(b, b + 15, [](unsigned char c) { return c == 0; });
    return (zero && (b[15] == 0 || b[15] == 1)) || (b[0] & 0xFE) == 0xFC ||
           (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) || b[0] == 0xFF;
  }
  return true;
}

PushSender::PushSender(const VapidKey& key, PushOptions options)
    : key_(key), options_(std::move(options)) {
  static const bool init = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)init;
  for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] { run(); });
}

PushSender::~PushSender() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

bool PushSender::send(PushMessage m) {
  {
    std::lock_guard lock(mu_);
    if (queued_ >= options_.max_queued) {
      ++dropped;
      return false;
    }
    ++queued_;
    auto& q = by_endpoint_[m.to.endpoint];
    bool was_empty = q.empty();
    std::string endpoint = m.to.endpoint;
    q.push_back(Job{std::move(m), 0});
    if (was_empty) due_.emplace(std::chrono::steady_clock::now(), std::move(endpoint));
  }
  cv_.notify_one();
  return true;
}

void PushSender::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (stop_) return;
    auto now = std::chrono::steady_clock::now();
    auto next = due_.begin();
    while (next != due_.end() && busy_.count(next->second)) ++next;
    if (next == due_.end()) {
      cv_.wait(lock);
      continue;
    }
    if (next->first > now) {
      cv_.wait_until(lock, next->first);
      continue;
    }
    std::string endpoint = next->second;
    due_.erase(next);
    busy_.insert(endpoint);
    Job job = by_endpoint_[endpoint].front();
    lock.unlock();
    long status = 0;
    try {
      status = post(job.m);
    } catch (const std::exception& e) {  // a sender thread never takes the process down
      spdlog::error("push to {} failed: {}", endpoint_origin(endpoint), e.what());
      status = 0;
    }
    lock.lock();
    busy_.erase(endpoint);
    auto& q = by_endpoint_[endpoint];
    bool retry = status == 0 || status == 429 || status >= 500;
    if (retry && job.attempt + 1 < options_.max_attempts && !stop_) {
      q.front().attempt = job.attempt + 1;
      auto delay = options_.first_retry * (1 << (2 * job.attempt));
      due_.emplace(std::chrono::steady_clock::now() + delay, endpoint);
      continue;
    }
    q.pop_front();
    --queued_;
    if (status >= 200 && status < 300) {
      ++sent;
    } else if (status == 404 || status == 410) {
      ++gone;
      // Its other queued messages go too: the subscription is dead.
      queued_ -= q.size();
      q.clear();
      if (options_.gone) {
        lock.unlock();
        try {
          options_.gone(job.m.to.id);
        } catch (const std::exception& e) {
          spdlog::error("removing a gone push subscription failed: {}", e.what());
        }
        lock.lock();
      }
    } else {
      ++failed;
      spdlog::info("push to {} failed with {}", endpoint_origin(endpoint), status);
    }
    if (q.empty()) {
      by_endpoint_.erase(endpoint);
    } else {
      due_.emplace(std::chrono::steady_clock::now(), endpoint);
      cv_.notify_one();
    }
  }
}

long PushSender::post(const PushMessage& m) {
  auto body = encrypt_push(m.payload, m.to.p256dh, m.to.auth);
  if (!body) return 410;  // a key no browser could have made: drop the subscription
  auto origin = endpoint_origin(m.to.endpoint);
  if (origin.empty()) return 410;
  long expires = static_cast<long>(std::time(nullptr)) + 12 * 3600;
  std::string auth = "Authorization: " + key_.authorization(origin, options_.subject, expires);
  CURL* curl = curl_easy_init();
  if (!curl) return 0;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, auth.c_str());
  headers = curl_slist_append(headers, "Content-Encoding: aes128gcm");
  headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
  headers = curl_slist_append(headers, ("TTL: " + std::to_string(m.ttl_s)).c_str());
  headers = curl_slist_append(headers, m.urgent ? "Urgency: high" : "Urgency: normal");
  if (!m.topic.empty()) headers = curl_slist_append(headers, ("Topic: " + m.topic).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, m.to.endpoint.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options_.timeout_s);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, options_.timeout_s);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, options_.any_endpoint ? "http,https" : "https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  if (!options_.any_endpoint) {
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_public);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // the address check is on the endpoint itself
  }
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return status;
}

}  // namespace parley::notify
