#include "gateway/push_notifier.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <algorithm>

#include "core/base64.hpp"
#include "core/id_format.hpp"
#include "core/text.hpp"

namespace parley::gateway {
namespace {

namespace json = boost::json;
constexpr std::size_t kBodyChars = 200;

// At most `n` code points of `s`.
std::string cut(const std::string& s, std::size_t n) {
  std::size_t i = 0, count = 0;
  while (i < s.size() && count < n) {
    std::size_t len = core::utf8_sequence_length(static_cast<unsigned char>(s[i]));
    i += len ? len : 1;
    ++count;
  }
  return i < s.size() ? s.substr(0, i) + "…" : s;
}

}  // namespace

PushNotifier::PushNotifier(store::Store& store, bus::Bus& bus, notify::PushSender& sender,
                           Counters counters, std::size_t max_queued)
    : store_(store),
      bus_(bus),
      sender_(sender),
      counters_(counters),
      max_queued_(max_queued),
      thread_([this] { run(); }) {}

PushNotifier::~PushNotifier() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void PushNotifier::follow(EventStream& stream) {
  stream.follow([this](const Published& p) {
    const auto& e = p.event();
    bool wanted = e.kind == store::EventKind::kMessage ||
                  (e.kind == store::EventKind::kCall && e.text == "started");
    if (!wanted) return;
    {
      std::lock_guard lock(mu_);
      if (queue_.size() >= max_queued_) return;  // a flood: notifications are best effort
      queue_.push_back(e);
    }
    cv_.notify_one();
  });
}

void PushNotifier::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    store::Event e = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      handle(e);
    } catch (const std::exception& ex) {
      spdlog::error("push notification for room {} seq {} failed: {}", e.room, e.seq, ex.what());
    }
    if (counters_.events) counters_.events->fetch_add(1, std::memory_order_relaxed);
    lock.lock();
  }
}

std::string PushNotifier::payload(const store::Event& e, const std::string& sender_name,
                                  const store::Room& room, bool direct) {
  json::object o{{"room", e.room.value()},
                 {"url", "/room/" + std::to_string(e.room.value())},
                 {"tag", "room-" + std::to_string(e.room.value())}};
  if (e.kind == store::EventKind::kCall) {
    o["type"] = "call";
    o["title"] = sender_name;
    o["body"] = e.on ? "Incoming video call" : "Incoming call";
  } else {
    o["type"] = "message";
    o["id"] = e.message.value();
    o["title"] = direct ? sender_name : sender_name + " in #" + room.name;
    o["body"] = e.text.empty() ? std::string(e.files.empty() ? "" : "Sent a file")
                               : cut(e.text, kBodyChars);
  }
  return json::serialize(o);
}

void PushNotifier::handle(const store::Event& e) {
  auto room = store_.room(e.room);
  if (!room) return;
  bool direct = room->kind == store::RoomKind::kDirect;
  std::vector<UserId> to;
  if (e.kind == store::EventKind::kMessage) to = e.mentions;
  if (direct) {
    auto it = direct_members_.find(e.room);
    if (it == direct_members_.end()) {
      std::vector<UserId> both;
      for (const auto& m : store_.members(e.room, {})) both.push_back(m.user.id);
      it = direct_members_.emplace(e.room, std::move(both)).first;
    }
    to.insert(to.end(), it->second.begin(), it->second.end());
  } else if (e.kind == store::EventKind::kCall) {
    return;  // a call in a room rings only its open tabs
  }
  std::sort(to.begin(), to.end());
  to.erase(std::unique(to.begin(), to.end()), to.end());
  std::erase_if(to, [&](UserId u) {
    if (u == e.user) return true;
    if (!bus_.online(u)) return false;
    if (counters_.skipped_online) counters_.skipped_online->fetch_add(1);
    return true;
  });
  if (to.empty()) return;
  auto sender = store_.find_user(e.user);
  std::string body = payload(e, sender ? sender->display_name : e.username, *room, direct);
  bool call = e.kind == store::EventKind::kCall;
  for (const auto& m : store_.push_members(e.room, to)) {
    if (!m.notify || m.muted) continue;
    deliver(m.user, body, "room-" + std::to_string(e.room.value()), call ? 60 : 86400,
            call || direct);
  }
}

void PushNotifier::deliver(UserId user, const std::string& payload, const std::string& topic,
                           int ttl_s, bool urgent) {
  for (const auto& s : store_.push_subscriptions(user)) {
    auto p256dh = core::from_base64url(s.p256dh);
    auto auth = core::from_base64url(s.auth);
    if (!p256dh || !auth) continue;
    sender_.send(notify::PushMessage{notify::PushTarget{s.id, s.endpoint, *p256dh, *auth}, payload,
                                     topic, ttl_s, urgent});
  }
}

int PushNotifier::send_test(UserId user) {
  auto devices = store_.push_subscriptions(user);
  deliver(user,
          json::serialize(json::object{{"type", "test"},
                                       {"title", "Parley"},
                                       {"body", "Notifications work on this device"},
                                       {"url", "/"},
                                       {"tag", "test"}}),
          "test", 600, false);
  return static_cast<int>(devices.size());
}

}  // namespace parley::gateway
