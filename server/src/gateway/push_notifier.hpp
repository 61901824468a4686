// Web Push to people with no open tab: follows the typed event stream and, for a message that
// mentions someone or is sent in a direct room, and for a call ringing in a direct room, sends a
// notification to each device of the people it concerns who have no socket open anywhere (the
// bus's presence) and have not turned the room's notifications off or muted it. Collapsed per
// room (Topic). The follower only queues; a thread of its own reads the store and hands the
// messages to the sender, so neither a slow push service nor the store slows chat.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "bus/bus.hpp"
#include "gateway/stream.hpp"
#include "notify/push_sender.hpp"
#include "store/store.hpp"

namespace parley::gateway {

class PushNotifier {
 public:
  // Counters (for /metrics): events looked at, people skipped because a tab of theirs is
  // open, notifications handed to the sender.
  struct Counters {
    std::atomic<std::int64_t>* events = nullptr;
    std::atomic<std::int64_t>* skipped_online = nullptr;
    std::atomic<std::int64_t>* queued = nullptr;
  };
  PushNotifier(store::Store& store, bus::Bus& bus, notify::PushSender& sender, Counters counters,
               std::size_t max_queued = 10000);
  ~PushNotifier();  // stops the thread; what is still queued is dropped

  // Before the stream starts.
  void follow(EventStream& stream);
  // A test notification to every device of `user`; returns how many were queued.
  int send_test(UserId user);

 private:
  // The notification's JSON for a message or call event.
  static std::string payload(const store::Event& e, const std::string& sender_name,
                             const store::Room& room, bool direct);
  void run();
  void handle(const store::Event& e);
  void deliver(UserId user, const std::string& payload, const std::string& topic, int ttl_s,
               bool urgent);

  store::Store& store_;
  bus::Bus& bus_;
  notify::PushSender& sender_;
  Counters counters_;
  std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<store::Event> queue_;
  bool stop_ = false;
  std::unordered_map<RoomId, std::vector<UserId>> direct_members_;  // thread only
  std::thread thread_;
};

}  // namespace parley::gateway
