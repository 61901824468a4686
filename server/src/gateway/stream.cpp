// Lanes of the event stream: one per follower, each fed in commit order.
#include "gateway/stream.hpp"

#include "protocol/frames.hpp"

namespace parley::gateway {
namespace {

Frame frame(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

}  // namespace

const Frame& Published::frame() const {
  std::call_once(once_, [this] { frame_ = gateway::frame(protocol::encode_event(event_)); });
  return frame_;
}

EventStream::EventStream(bus::Bus& bus) : bus_(bus) {
  lanes_.push_back(std::make_unique<Lane>([this](std::vector<Item>& batch) {
    for (const auto& item : batch) {
      if (auto* p = std::get_if<std::shared_ptr<const Published>>(&item)) {
        const auto& published = **p;
        bus::Message m;
        m.room = published.event().room;
        m.added = published.change().added;
        m.removed = published.change().removed;
        m.frame = published.frame();
        bus_.publish(m);
      } else {
        bus_.publish(*std::get<std::shared_ptr<const bus::Message>>(item));
      }
    }
  }));
}

EventStream::~EventStream() = default;

void EventStream::follow(Follower follower) {
  lanes_.push_back(
      std::make_unique<Lane>([follower = std::move(follower)](std::vector<Item>& batch) {
        for (const auto& item : batch) {
          if (auto* p = std::get_if<std::shared_ptr<const Published>>(&item)) follower(**p);
        }
      }));
}

void EventStream::start(const core::Post& post) {
  for (auto& lane : lanes_) lane->set_post(post);
}

void EventStream::push(const Item& item) {
  for (auto& lane : lanes_) lane->push(item);
}

void EventStream::publish(const chat::Event& event, const chat::MembershipChange& change) {
  push(std::make_shared<const Published>(event, change));
}

void EventStream::receipt(RoomId room, UserId user, chat::Seq delivered, chat::Seq read,
                          bool to_room) {
  bus::Message m;
  if (to_room) {
    m.room = room;
  } else {  // a large room: only the reader's own devices hear of it (their unread badges)
    m.kind = bus::Message::Kind::kUser;
    m.user = user;
  }
  m.frame = frame(protocol::encode_receipt(room, user, delivered, read));
  then(std::move(m));
}

void EventStream::groups_changed(const std::vector<UserId>& users) {
  auto f = frame(protocol::encode_groups_changed());
  for (auto user : users) {
    bus::Message m;
    m.kind = bus::Message::Kind::kUser;
    m.user = user;
    m.frame = f;
    then(std::move(m));
  }
}

void EventStream::then(bus::Message m) {
  // Only the bus lane carries bus messages; other followers see events alone.
  lanes_[0]->push(std::make_shared<const bus::Message>(std::move(m)));
}

}  // namespace parley::gateway
