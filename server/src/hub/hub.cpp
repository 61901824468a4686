// Hub bookkeeping under one reader/writer lock: deliveries share it, membership changes and
// socket arrivals take it alone.
#include "hub/hub.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_set>

namespace parley::hub {
namespace {

template <class T>
void erase_value(std::vector<T>& v, const T& value) {
  auto it = std::find(v.begin(), v.end(), value);
  if (it == v.end()) return;
  *it = v.back();
  v.pop_back();
}

}  // namespace

bool Hub::add(ConnId conn, UserId user, std::shared_ptr<Subscriber> subscriber) {
  std::unique_lock lock(mu_);
  auto c = std::make_unique<Conn>(Conn{conn, user, std::move(subscriber), {}});
  auto& mine = users_[user];
  mine.push_back(c.get());
  conns_[conn] = std::move(c);
  return mine.size() == 1;
}

void Hub::follow(ConnId conn, const std::vector<RoomId>& rooms) {
  std::unique_lock lock(mu_);
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  for (auto room : rooms) follow_locked(*it->second, room);
}

bool Hub::remove(ConnId conn) {
  std::unique_lock lock(mu_);
  auto it = conns_.find(conn);
  if (it == conns_.end()) return false;
  Conn* c = it->second.get();
  for (auto room : std::vector<RoomId>(c->rooms)) unfollow_locked(*c, room);
  auto u = users_.find(c->user);
  bool last = false;
  if (u != users_.end()) {
    erase_value(u->second, c);
    if (u->second.empty()) {
      users_.erase(u);
      last = true;
    }
  }
  conns_.erase(it);
  return last;
}

void Hub::follow_locked(Conn& c, RoomId room) {
  if (std::find(c.rooms.begin(), c.rooms.end(), room) != c.rooms.end()) return;
  c.rooms.push_back(room);
  rooms_[room].push_back(&c);
}

void Hub::unfollow_locked(Conn& c, RoomId room) {
  auto before = c.rooms.size();
  erase_value(c.rooms, room);
  if (c.rooms.size() == before) return;
  auto r = rooms_.find(room);
  if (r == rooms_.end()) return;
  erase_value(r->second, &c);
  if (r->second.empty()) rooms_.erase(r);
}

void Hub::deliver(const bus::Message& m) {
  if (m.kind == bus::Message::Kind::kPresence) return deliver_presence(m);
  if (m.kind == bus::Message::Kind::kUser) {
    std::shared_lock lock(mu_);
    auto u = users_.find(m.user);
    if (u == users_.end()) return;
    for (Conn* c : u->second) c->subscriber->send(m.frame);
    return;
  }
  // New members follow the room before its event goes out, leaving members after it: both see
  // the event that changed their membership, and a removed member nothing later.
  auto change = [&](const std::vector<std::int64_t>& users, bool add) {
    std::unique_lock lock(mu_);
    for (auto user : users) {
      auto u = users_.find(user);
      if (u == users_.end()) continue;
      for (Conn* c : u->second) {
        if (add) {
          follow_locked(*c, m.room);
        } else {
          unfollow_locked(*c, m.room);
        }
      }
    }
  };
  if (!m.added.empty()) change(m.added, true);
  deliver_room(m);
  if (!m.removed.empty()) change(m.removed, false);
}

void Hub::deliver_room(const bus::Message& m) const {
  std::shared_lock lock(mu_);
  auto r = rooms_.find(m.room);
  if (r == rooms_.end()) return;
  for (Conn* c : r->second) {
    if (m.skip_user && c->user == m.user) continue;
    c->subscriber->send(m.frame);
  }
}

void Hub::deliver_presence(const bus::Message& m) const {
  std::shared_lock lock(mu_);
  std::unordered_set<ConnId> sent;
  for (auto room : m.rooms) {
    auto r = rooms_.find(room);
    if (r == rooms_.end()) continue;
    for (Conn* c : r->second) {
      if (c->user == m.user || !sent.insert(c->id).second) continue;
      c->subscriber->send(m.frame);
    }
  }
}

bool Hub::follows(ConnId conn, RoomId room) const {
  std::shared_lock lock(mu_);
  auto it = conns_.find(conn);
  if (it == conns_.end()) return false;
  const auto& rooms = it->second->rooms;
  return std::find(rooms.begin(), rooms.end(), room) != rooms.end();
}

std::vector<RoomId> Hub::rooms_of(ConnId conn) const {
  std::shared_lock lock(mu_);
  auto it = conns_.find(conn);
  return it == conns_.end() ? std::vector<RoomId>{} : it->second->rooms;
}

bool Hub::online(UserId user) const {
  std::shared_lock lock(mu_);
  return users_.count(user) != 0;
}

std::size_t Hub::connections() const {
  std::shared_lock lock(mu_);
  return conns_.size();
}

}  // namespace parley::hub
