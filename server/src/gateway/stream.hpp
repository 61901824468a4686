// The typed event stream: the chat writer hands each committed room event over once, in commit
// order, and returns to its next batch; every follower (the bus now, the push notifier and others
// next) takes the events on a lane of its own, off the writer thread, in that same order. The
// frame is serialized once, by whichever follower needs it first.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "bus/bus.hpp"
#include "chat/service.hpp"
#include "core/lane.hpp"

namespace parley::gateway {

using Frame = std::shared_ptr<const std::string>;

// A committed room event, as the typed event with its frame.
class Published {
 public:
  Published(chat::Event event, chat::MembershipChange change)
      : event_(std::move(event)), change_(std::move(change)) {}
  const chat::Event& event() const { return event_; }
  const chat::MembershipChange& change() const { return change_; }
  // The `event` frame, serialized on first use, once.
  const Frame& frame() const;

 private:
  chat::Event event_;
  chat::MembershipChange change_;
  mutable std::once_flag once_;
  mutable Frame frame_;
};

class EventStream final : public chat::EventSink {
 public:
  using Follower = std::function<void(const Published&)>;

  // The bus is the first follower: each event goes out on it as a room message.
  explicit EventStream(bus::Bus& bus);
  ~EventStream() override;

  // Before start: another follower of every event, on its own lane.
  void follow(Follower follower);
  // Where the lanes run (the I/O threads). Without it, followers run on the writer thread.
  void start(const core::Post& post);

  // chat::EventSink, on the writer thread.
  void publish(const chat::Event& event, const chat::MembershipChange& change) override;
  void receipt(RoomId room, UserId user, chat::Seq delivered, chat::Seq read,
               bool to_room) override;
  void groups_changed(const std::vector<UserId>& users) override;

  // A bus message that must go out after every event handed over before it (on the writer
  // thread: a kFollow made from a snapshot read between two commits).
  void then(bus::Message m);

 private:
  using Item = std::variant<std::shared_ptr<const Published>, std::shared_ptr<const bus::Message>>;
  using Lane = core::Lane<Item>;
  void push(const Item& item);

  bus::Bus& bus_;
  std::vector<std::unique_ptr<Lane>> lanes_;  // [0] is the bus
};

}  // namespace parley::gateway
