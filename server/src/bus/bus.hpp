// The Bus carries serialized room events and ephemeral frames between nodes. One node uses
// LocalBus (a direct call); a cluster uses Redis pub/sub behind the same interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace parley::bus {

struct Message {
  enum class Kind {
    kRoom,      // to the sockets subscribed to `room`
    kPresence,  // to the sockets that share a room with `user`
    kUser,      // to the sockets of `user`
  };
  Kind kind = Kind::kRoom;
  std::int64_t room = 0;
  std::int64_t user = 0;              // kPresence: whose; kRoom with skip_user: the sender
  bool skip_user = false;             // not to `user`'s own sockets (typing)
  std::vector<std::int64_t> added;    // users who became members: subscribed before delivery
  std::vector<std::int64_t> removed;  // users who stopped being members: unsubscribed after it
  std::vector<std::int64_t> rooms;    // kPresence: the user's rooms
  std::shared_ptr<const std::string> frame;  // serialized once, shared by every socket
};

class Bus {
 public:
  virtual ~Bus() = default;
  // Messages published from one thread are delivered in the order published.
  virtual void publish(const Message& m) = 0;
  virtual void subscribe(std::function<void(const Message&)> handler) = 0;
};

// One node: publishing is delivering, on the publisher's thread.
class LocalBus final : public Bus {
 public:
  void publish(const Message& m) override {
    for (auto& h : handlers_) h(m);
  }
  // Called once at start-up, before any publish.
  void subscribe(std::function<void(const Message&)> handler) override {
    handlers_.push_back(std::move(handler));
  }

 private:
  std::vector<std::function<void(const Message&)>> handlers_;
};

}  // namespace parley::bus
