#include "rtc/calls.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>

namespace parley::rtc {
namespace {

using core::Errc;
using core::make_error;

core::Error not_in_call() {
  return make_error(Errc::kNotFound, "You are not in this room's call", "peer");
}

std::size_t users_in(const Call& c) {
  std::vector<UserId> users;
  for (const auto& p : c.peers) users.push_back(p.user);
  std::sort(users.begin(), users.end());
  return static_cast<std::size_t>(std::unique(users.begin(), users.end()) - users.begin());
}

}  // namespace

Calls::Calls(Options options, Listener& listener, Schedule schedule, core::Clock clock)
    : options_(options),
      listener_(listener),
      schedule_(std::move(schedule)),
      clock_(std::move(clock)) {}

bool Calls::valid_peer_id(std::string_view id) {
  if (id.size() < 8 || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
  });
}

std::string Calls::new_call_id() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{:016x}", rng());
}

void Calls::publish_locked(const Call& call) {
  listener_.state(call.room, &call);
}

Peer Calls::new_peer(const Joining& j, core::Millis now) const {
  Peer p;
  p.id = j.peer;
  p.user = j.user;
  p.username = j.username;
  p.conn = j.conn;
  p.since = now;
  p.media = j.media;
  p.signals = core::TokenBucket(options_.signals_per_second, options_.signal_burst,
                                core::TokenBucket::at_ms(now));
  return p;
}

core::Result<Call> Calls::join(const Joining& j) {
  std::lock_guard lock(mu_);
  const auto now = clock_();
  auto it = calls_.find(j.room);
  if (it == calls_.end()) {
    Call c;
    c.id = new_call_id();
    c.room = j.room;
    c.direct = j.direct;
    c.caller = j.user;
    c.started = now;
    c.video = j.media.video;
    if (j.direct) {
      for (auto m : j.members) {
        if (m != j.user) c.ringing.push_back(m);
      }
    }
    c.peers.push_back(new_peer(j, now));
    it = calls_.emplace(j.room, std::move(c)).first;
    listener_.record(j.room, j.user, "started", j.media.video, 0);
    if (!it->second.ringing.empty()) {
      schedule_(options_.ring_timeout,
                [this, room = j.room, id = it->second.id] { ring_expired(room, id); });
    }
    publish_locked(it->second);
    return it->second;
  }
  Call& c = it->second;
  for (auto& p : c.peers) {
    if (p.id != j.peer) continue;
    if (p.user != j.user) return make_error(Errc::kConflict, "That peer id is taken", "peer");
    // The same tab again, on a new socket (a reconnect): the call goes on.
    p.conn = j.conn;
    p.away = false;
    p.away_generation = 0;
    p.media = j.media;
    publish_locked(c);
    return c;
  }
  const auto others = std::count_if(c.peers.begin(), c.peers.end(),
                                    [&](const Peer& p) { return p.user != j.user; });
  if (static_cast<std::size_t>(others) >= options_.max_peers) {
    return make_error(
        Errc::kConflict,
        fmt::format("This call is full: a call holds up to {} people", options_.max_peers),
        "call_full");
  }
  // One peer per user: this tab takes the call over from the user's other one.
  for (std::size_t i = c.peers.size(); i-- > 0;) {
    if (c.peers[i].user != j.user) continue;
    if (!c.peers[i].away) listener_.dropped(c.peers[i].conn, c.room, c.peers[i].id, "taken");
    c.peers.erase(c.peers.begin() + static_cast<std::ptrdiff_t>(i));
  }
  c.peers.push_back(new_peer(j, now));
  std::erase(c.ringing, j.user);
  if (c.direct && !c.answered && users_in(c) >= 2) c.answered = now;
  publish_locked(c);
  return c;
}

void Calls::remove_peer_locked(Call& c, std::size_t index) {
  c.peers.erase(c.peers.begin() + static_cast<std::ptrdiff_t>(index));
  if (c.direct) {
    if (c.answered && users_in(c) < 2) return end_locked(c.room, "ended");
    if (!c.answered && c.peers.empty()) return end_locked(c.room, "missed");
  } else if (c.peers.empty()) {
    return end_locked(c.room, "ended");
  }
  publish_locked(c);
}

void Calls::end_locked(RoomId room, const std::string& what) {
  auto it = calls_.find(room);
  if (it == calls_.end()) return;
  const Call& c = it->second;
  core::Millis duration = 0;
  if (what == "ended") duration = clock_() - (c.answered ? c.answered : c.started);
  listener_.record(room, c.caller, what, c.video, std::max<core::Millis>(duration, 0));
  calls_.erase(it);
  listener_.state(room, nullptr);
}

core::Result<bool> Calls::leave(RoomId room, const std::string& peer, UserId user) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(room);
  if (it == calls_.end()) return not_in_call();
  auto& peers = it->second.peers;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    if (peers[i].id == peer && peers[i].user == user) {
      remove_peer_locked(it->second, i);
      return true;
    }
  }
  return not_in_call();
}

core::Result<bool> Calls::decline(RoomId room, UserId user) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(room);
  if (it == calls_.end() || std::find(it->second.ringing.begin(), it->second.ringing.end(), user) ==
                                it->second.ringing.end()) {
    return make_error(Errc::kConflict, "No call is ringing you in this room");
  }
  Call& c = it->second;
  std::erase(c.ringing, user);
  if (c.direct && !c.answered && c.ringing.empty()) {
    end_locked(room, "declined");
  } else {
    publish_locked(c);
  }
  return true;
}

core::Result<bool> Calls::set_media(RoomId room, const std::string& peer, ConnectionId conn,
                                    Media media) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(room);
  if (it == calls_.end()) return not_in_call();
  for (auto& p : it->second.peers) {
    if (p.id == peer && p.conn == conn && !p.away) {
      p.media = media;
      publish_locked(it->second);
      return true;
    }
  }
  return not_in_call();
}

core::Result<Route> Calls::route(RoomId room, const std::string& from, ConnectionId conn,
                                 const std::string& to) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(room);
  if (it == calls_.end()) return not_in_call();
  Peer* sender = nullptr;
  const Peer* target = nullptr;
  for (auto& p : it->second.peers) {
    if (p.id == from && p.conn == conn && !p.away) sender = &p;
    if (p.id == to) target = &p;
  }
  if (!sender) return not_in_call();
  if (!target || target == sender) {
    return make_error(Errc::kNotFound, "No such peer in this call", "to");
  }
  if (target->away) return make_error(Errc::kConflict, "That peer is reconnecting", "to");
  if (!sender->signals.take(core::TokenBucket::at_ms(clock_()))) {
    auto e = make_error(Errc::kRateLimited, "Too many call signals; slow down");
    e.retry_after = sender->signals.retry_after_seconds();
    return e;
  }
  return Route{target->conn, sender->user};
}

void Calls::closed(ConnectionId conn) {
  std::lock_guard lock(mu_);
  for (auto& [room, c] : calls_) {
    bool changed = false;
    for (auto& p : c.peers) {
      if (p.conn != conn || p.away) continue;
      p.away = true;
      p.away_generation = ++next_;
      changed = true;
      schedule_(options_.grace, [this, room = room, id = p.id, g = p.away_generation] {
        grace_expired(room, id, g);
      });
    }
    if (changed) publish_locked(c);
  }
}

void Calls::node_gone(bus::NodeId node) {
  std::lock_guard lock(mu_);
  std::vector<RoomId> rooms;
  for (const auto& [room, c] : calls_) rooms.push_back(room);
  for (auto room : rooms) {
    for (;;) {
      auto it = calls_.find(room);
      if (it == calls_.end()) break;
      auto& peers = it->second.peers;
      auto p = std::find_if(peers.begin(), peers.end(),
                            [&](const Peer& peer) { return peer.conn.node == node; });
      if (p == peers.end()) break;
      remove_peer_locked(it->second, static_cast<std::size_t>(p - peers.begin()));
    }
  }
}

void Calls::grace_expired(RoomId room, std::string peer, std::uint64_t generation) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(room);
  if (it == calls_.end()) return;
  auto& peers = it->second.peers;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    if (peers[i].id == peer && peers[i].away && peers[i].away_generation == generation) {
      return remove_peer_locked(it->second, i);
    }
  }
}

void Calls::ring_expired(RoomId room, std::string call_id) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(room);
  if (it == calls_.end() || it->second.id != call_id) return;
  Call& c = it->second;
  if (c.answered || c.ringing.empty()) return;
  c.ringing.clear();
  if (c.direct) return end_locked(room, "missed");
  publish_locked(c);
}

void Calls::member_gone(RoomId room, UserId user) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(room);
  if (it == calls_.end()) return;
  Call& c = it->second;
  std::erase(c.ringing, user);
  for (std::size_t i = c.peers.size(); i-- > 0;) {
    if (c.peers[i].user != user) continue;
    if (!c.peers[i].away) listener_.dropped(c.peers[i].conn, room, c.peers[i].id, "removed");
    remove_peer_locked(c, i);
    if (!calls_.contains(room)) return;  // that ended the call
  }
  publish_locked(c);
}

std::vector<Call> Calls::running(const std::function<bool(RoomId)>& visible) {
  std::lock_guard lock(mu_);
  std::vector<Call> out;
  for (const auto& [room, c] : calls_) {
    if (visible(room)) out.push_back(c);
  }
  return out;
}

std::optional<Call> Calls::find(RoomId room) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(room);
  if (it == calls_.end()) return std::nullopt;
  return it->second;
}

}  // namespace parley::rtc
