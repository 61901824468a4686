// Hub bookkeeping, one shard per lane: a shard's sockets, users and rooms under one
// reader/writer lock. Deliveries share it; membership changes and socket arrivals take it alone.
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

struct Hub::Shard {
  explicit Shard(Hub& hub)
      : lane([this, &hub](std::vector<Item>& batch) {
          for (const auto& m : batch) hub.apply(*this, *m);
        }) {}
  mutable std::shared_mutex mu;
  std::unordered_map<ConnId, std::unique_ptr<Conn>> conns;
  std::unordered_map<UserId, std::vector<Conn*>> users;
  std::unordered_map<RoomId, std::vector<Conn*>> rooms;
  std::unordered_map<UserId, std::vector<Conn*>> watchers;
  core::Lane<Item> lane;
};

Hub::Hub(bus::NodeId node, unsigned shards) : node_(node) {
  for (unsigned i = 0; i < std::max(1u, shards); ++i) {
    shards_.push_back(std::make_unique<Shard>(*this));
  }
}

Hub::~Hub() = default;

void Hub::start(const core::Post& post) {
  for (auto& s : shards_) s->lane.set_post(post);
}

Hub::Shard& Hub::shard_of(ConnId conn) const {
  return *shards_[conn.value() % shards_.size()];
}

void Hub::add(ConnId conn, UserId user, std::int64_t session,
              std::shared_ptr<Subscriber> subscriber) {
  auto& s = shard_of(conn);
  std::unique_lock lock(s.mu);
  auto c = std::make_unique<Conn>(Conn{conn, user, session, std::move(subscriber), {}, {}});
  s.users[user].push_back(c.get());
  s.conns[conn] = std::move(c);
}

void Hub::follow(ConnId conn, const std::vector<RoomId>& rooms) {
  auto& s = shard_of(conn);
  std::unique_lock lock(s.mu);
  auto it = s.conns.find(conn);
  if (it == s.conns.end()) return;
  for (auto room : rooms) follow_locked(s, *it->second, room);
}

void Hub::close_all(std::uint16_t code, const std::string& reason) {
  for (auto& s : shards_) {
    std::shared_lock lock(s->mu);
    for (auto& [id, c] : s->conns) c->subscriber->close(code, reason);
  }
}

void Hub::remove(ConnId conn) {
  auto& s = shard_of(conn);
  std::unique_lock lock(s.mu);
  auto it = s.conns.find(conn);
  if (it == s.conns.end()) return;
  Conn* c = it->second.get();
  for (auto room : std::vector<RoomId>(c->rooms)) unfollow_locked(s, *c, room);
  unwatch_locked(s, *c);
  auto u = s.users.find(c->user);
  if (u != s.users.end()) {
    erase_value(u->second, c);
    if (u->second.empty()) s.users.erase(u);
  }
  s.conns.erase(it);
}

void Hub::watch(ConnId conn, std::vector<UserId> users) {
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  auto& s = shard_of(conn);
  std::unique_lock lock(s.mu);
  auto it = s.conns.find(conn);
  if (it == s.conns.end()) return;
  Conn& c = *it->second;
  unwatch_locked(s, c);
  for (auto user : users) s.watchers[user].push_back(&c);
  c.watching = std::move(users);
  c.watching.shrink_to_fit();
}

void Hub::unwatch_locked(Shard& s, Conn& c) {
  for (auto user : c.watching) {
    auto w = s.watchers.find(user);
    if (w == s.watchers.end()) continue;
    erase_value(w->second, &c);
    if (w->second.empty()) s.watchers.erase(w);
  }
  c.watching = {};
}

void Hub::follow_locked(Shard& s, Conn& c, RoomId room) {
  if (std::find(c.rooms.begin(), c.rooms.end(), room) != c.rooms.end()) return;
  c.rooms.push_back(room);
  s.rooms[room].push_back(&c);
}

void Hub::unfollow_locked(Shard& s, Conn& c, RoomId room) {
  auto before = c.rooms.size();
  erase_value(c.rooms, room);
  if (c.rooms.size() == before) return;
  auto r = s.rooms.find(room);
  if (r == s.rooms.end()) return;
  erase_value(r->second, &c);
  if (r->second.empty()) s.rooms.erase(r);
}

void Hub::deliver(const bus::Message& m) {
  using Kind = bus::Message::Kind;
  if (m.kind == Kind::kNode) return;  // for the node's services, not its sockets
  auto item = std::make_shared<const bus::Message>(m);
  if (m.kind == Kind::kConnection || m.kind == Kind::kFollow) {
    if (m.connection.node == node_) shard_of(m.connection.local).lane.push(std::move(item));
    return;
  }
  for (auto& s : shards_) s->lane.push(item);
}

// On the shard's lane, in the bus's order.
void Hub::apply(Shard& s, const bus::Message& m) {
  using Kind = bus::Message::Kind;
  switch (m.kind) {
    case Kind::kRoom:
      break;
    case Kind::kPresence:
      return deliver_presence(s, m);
    case Kind::kUser: {
      std::shared_lock lock(s.mu);
      auto u = s.users.find(m.user);
      if (u == s.users.end()) return;
      const bool skip = m.connection.node == node_;
      for (Conn* c : u->second) {
        if (!(skip && c->id == m.connection.local)) c->subscriber->send(m.frame, false);
      }
      return;
    }
    case Kind::kConnection: {
      std::shared_lock lock(s.mu);
      auto it = s.conns.find(m.connection.local);
      if (it != s.conns.end()) it->second->subscriber->send(m.frame, true);
      return;
    }
    case Kind::kFollow: {
      std::shared_ptr<Subscriber> subscriber;
      {
        std::unique_lock lock(s.mu);
        auto it = s.conns.find(m.connection.local);
        if (it == s.conns.end()) return;
        for (auto room : m.rooms) follow_locked(s, *it->second, room);
        subscriber = it->second->subscriber;
      }
      subscriber->followed();
      return;
    }
    case Kind::kNode:
      return;
    case Kind::kEveryone: {
      std::shared_lock lock(s.mu);
      for (auto& [id, c] : s.conns) c->subscriber->send(m.frame, false);
      return;
    }
    case Kind::kSignOut: {
      std::shared_lock lock(s.mu);
      auto u = s.users.find(m.user);
      if (u == s.users.end()) return;
      for (Conn* c : u->second) {
        if (m.session == 0 || c->session == m.session) {
          c->subscriber->close(kCloseSignedOut, "signed out");
        }
      }
      return;
    }
  }
  // New members follow the room before its event goes out, leaving members after it: both see
  // the event that changed their membership, and a removed member nothing later.
  auto change = [&](const std::vector<UserId>& users, bool add) {
    std::unique_lock lock(s.mu);
    for (auto user : users) {
      auto u = s.users.find(user);
      if (u == s.users.end()) continue;
      for (Conn* c : u->second) {
        if (add) {
          follow_locked(s, *c, m.room);
        } else {
          unfollow_locked(s, *c, m.room);
        }
      }
    }
  };
  if (!m.added.empty()) change(m.added, true);
  if (!m.removed.empty()) recheck_watches(s, m.removed);
  deliver_room(s, m);
  if (!m.removed.empty()) change(m.removed, false);
}

// A socket that watches people and whose user leaves a room, or that watches someone leaving one,
// is told: the two may have shared only that room. Before the event goes out, so a command the
// socket sends once it has the event comes after the check.
void Hub::recheck_watches(Shard& s, const std::vector<UserId>& leaving) {
  std::vector<std::shared_ptr<Subscriber>> told;
  {
    std::shared_lock lock(s.mu);
    for (auto user : leaving) {
      if (auto w = s.watchers.find(user); w != s.watchers.end()) {
        for (Conn* c : w->second) told.push_back(c->subscriber);
      }
      if (auto u = s.users.find(user); u != s.users.end()) {
        for (Conn* c : u->second) {
          if (!c->watching.empty()) told.push_back(c->subscriber);
        }
      }
    }
  }
  for (const auto& subscriber : told) subscriber->left_room();
}

void Hub::deliver_room(Shard& s, const bus::Message& m) {
  std::shared_lock lock(s.mu);
  auto r = s.rooms.find(m.room);
  if (r == s.rooms.end()) return;
  for (Conn* c : r->second) {
    if (m.skip_user && c->user == m.user) continue;
    c->subscriber->send(m.frame, false);
  }
}

// To the sockets in `rooms` (the user's rooms that carry presence) and those watching the user,
// once each.
void Hub::deliver_presence(Shard& s, const bus::Message& m) {
  std::shared_lock lock(s.mu);
  std::unordered_set<ConnId> sent;
  auto send = [&](Conn* c) {
    if (c->user == m.user || !sent.insert(c->id).second) return;
    c->subscriber->send(m.frame, false);
  };
  for (auto room : m.rooms) {
    auto r = s.rooms.find(room);
    if (r == s.rooms.end()) continue;
    for (Conn* c : r->second) send(c);
  }
  auto w = s.watchers.find(m.user);
  if (w == s.watchers.end()) return;
  for (Conn* c : w->second) send(c);
}

bool Hub::follows(ConnId conn, RoomId room) const {
  auto& s = shard_of(conn);
  std::shared_lock lock(s.mu);
  auto it = s.conns.find(conn);
  if (it == s.conns.end()) return false;
  const auto& rooms = it->second->rooms;
  return std::find(rooms.begin(), rooms.end(), room) != rooms.end();
}

std::vector<UserId> Hub::watching(ConnId conn) const {
  auto& s = shard_of(conn);
  std::shared_lock lock(s.mu);
  auto it = s.conns.find(conn);
  return it == s.conns.end() ? std::vector<UserId>{} : it->second->watching;
}

std::size_t Hub::connections() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::shared_lock lock(s->mu);
    n += s->conns.size();
  }
  return n;
}

}  // namespace parley::hub
