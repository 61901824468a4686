#include "rtc/transfers.hpp"

#include <algorithm>

namespace parley::rtc {
namespace {

using core::Errc;
using core::make_error;

core::Error no_such() {
  return make_error(Errc::kNotFound, "No such transfer", "id");
}

}  // namespace

Transfers::Transfers(TransferOptions options, TransferListener& listener, Schedule schedule,
                     core::Clock clock)
    : options_(options),
      listener_(listener),
      schedule_(std::move(schedule)),
      clock_(std::move(clock)) {}

core::Result<Transfer> Transfers::offer(Transfer t, bus::ConnectionId sender) {
  std::lock_guard lock(mu_);
  if (t.to == t.from) return make_error(Errc::kInvalid, "Send a file to someone else", "user");
  if (transfers_.contains(t.id)) return make_error(Errc::kConflict, "That id is taken", "id");
  const auto mine = std::count_if(transfers_.begin(), transfers_.end(),
                                  [&](const auto& kv) { return kv.second.from == t.from; });
  if (static_cast<std::size_t>(mine) >= options_.max_per_sender) {
    auto e = make_error(Errc::kRateLimited, "Too many open transfers; finish or cancel some");
    e.retry_after = 5;
    return e;
  }
  const auto now = clock_();
  t.created = now;
  t.accepted = false;
  t.sender = new_side(sender, true, now);
  t.receiver = new_side({}, false, now);
  auto [it, _] = transfers_.emplace(t.id, std::move(t));
  listener_.offered(it->second);
  schedule_(options_.answer_timeout, [this, id = it->second.id, created = now] {
    std::lock_guard lock(mu_);
    auto found = transfers_.find(id);
    if (found != transfers_.end() && !found->second.accepted && found->second.created == created) {
      close_locked(id, "expired");
    }
  });
  return it->second;
}

core::Result<Transfer> Transfers::answer(const std::string& id, UserId user, bus::ConnectionId conn,
                                         bool accept) {
  std::lock_guard lock(mu_);
  auto it = transfers_.find(id);
  if (it == transfers_.end() || it->second.to != user) return no_such();
  Transfer& t = it->second;
  if (t.accepted) return make_error(Errc::kConflict, "This transfer was answered already", "id");
  if (t.sender.away) return make_error(Errc::kConflict, "The sender is reconnecting", "id");
  if (!accept) {
    listener_.answered(t.sender.conn, id, false);
    listener_.closed_for_user(t.to, id, "answered", conn);
    Transfer out = t;
    transfers_.erase(it);
    return out;
  }
  t.accepted = true;
  t.receiver.conn = conn;
  t.receiver.bound = true;
  listener_.answered(t.sender.conn, id, true);
  listener_.closed_for_user(t.to, id, "answered", conn);
  return t;
}

Side Transfers::new_side(bus::ConnectionId conn, bool bound, core::Millis now) const {
  Side side;
  side.conn = conn;
  side.bound = bound;
  side.signals = core::TokenBucket(options_.signals_per_second, options_.signal_burst,
                                   core::TokenBucket::at_ms(now));
  return side;
}

core::Result<bus::ConnectionId> Transfers::route(const std::string& id, UserId user,
                                                 bus::ConnectionId conn) {
  std::lock_guard lock(mu_);
  auto it = transfers_.find(id);
  if (it == transfers_.end() || !it->second.accepted) return no_such();
  Transfer& t = it->second;
  Side* mine = nullptr;
  Side* other = nullptr;
  if (user == t.from && t.sender.conn == conn && !t.sender.away) {
    mine = &t.sender;
    other = &t.receiver;
  } else if (user == t.to && t.receiver.conn == conn && !t.receiver.away) {
    mine = &t.receiver;
    other = &t.sender;
  }
  if (!mine) return no_such();
  if (other->away) return make_error(Errc::kConflict, "The other side is reconnecting", "id");
  if (!mine->signals.take(core::TokenBucket::at_ms(clock_()))) {
    auto e = make_error(Errc::kRateLimited, "Too many transfer signals; slow down");
    e.retry_after = mine->signals.retry_after_seconds();
    return e;
  }
  return other->conn;
}

core::Result<bool> Transfers::cancel(const std::string& id, UserId user, bus::ConnectionId conn,
                                     const std::string& reason) {
  std::lock_guard lock(mu_);
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return no_such();
  Transfer& t = it->second;
  const bool sender = user == t.from && t.sender.conn == conn;
  const bool receiver = user == t.to && (!t.accepted || t.receiver.conn == conn);
  if (!sender && !receiver) return no_such();
  if (sender) {
    if (t.accepted) {
      if (!t.receiver.away) listener_.closed_for(t.receiver.conn, id, reason);
    } else {
      listener_.closed_for_user(t.to, id, reason);
    }
  } else {
    if (!t.sender.away) listener_.closed_for(t.sender.conn, id, reason);
    if (!t.accepted) listener_.closed_for_user(t.to, id, "answered", conn);
  }
  transfers_.erase(it);
  return true;
}

core::Result<bool> Transfers::resume(const std::string& id, UserId user, bus::ConnectionId conn) {
  std::lock_guard lock(mu_);
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return no_such();
  Transfer& t = it->second;
  Side* side = user == t.from ? &t.sender : user == t.to && t.accepted ? &t.receiver : nullptr;
  if (!side) return no_such();
  side->conn = conn;
  side->away = false;
  side->away_generation = 0;
  return true;
}

void Transfers::closed(bus::ConnectionId conn) {
  std::lock_guard lock(mu_);
  away_locked([conn](bus::ConnectionId c) { return c == conn; });
}

void Transfers::node_gone(bus::NodeId node) {
  std::lock_guard lock(mu_);
  away_locked([node](bus::ConnectionId c) { return c.node == node; });
}

bool Transfers::has(const std::string& id) {
  std::lock_guard lock(mu_);
  return transfers_.contains(id);
}

void Transfers::away_locked(const std::function<bool(bus::ConnectionId)>& gone) {
  for (auto& [id, t] : transfers_) {
    for (Side* side : {&t.sender, &t.receiver}) {
      if (!side->bound || side->away || !gone(side->conn)) continue;
      side->away = true;
      side->away_generation = ++next_;
      schedule_(options_.grace, [this, id = id, sender = side == &t.sender,
                                 g = side->away_generation] { expire(id, sender, g); });
    }
  }
}

void Transfers::expire(const std::string& id, bool sender, std::uint64_t generation) {
  std::lock_guard lock(mu_);
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  const Side& side = sender ? it->second.sender : it->second.receiver;
  if (side.away && side.away_generation == generation) close_locked(id, "expired");
}

void Transfers::close_locked(const std::string& id, const std::string& reason) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  const Transfer& t = it->second;
  if (!t.sender.away) listener_.closed_for(t.sender.conn, id, reason);
  if (t.accepted) {
    if (!t.receiver.away) listener_.closed_for(t.receiver.conn, id, reason);
  } else {
    listener_.closed_for_user(t.to, id, reason);
  }
  transfers_.erase(it);
}

void Transfers::member_gone(RoomId room, UserId user) {
  std::lock_guard lock(mu_);
  std::vector<std::string> gone;
  for (const auto& [id, t] : transfers_) {
    if (t.room == room && (t.from == user || t.to == user)) gone.push_back(id);
  }
  for (const auto& id : gone) close_locked(id, "left");
}

std::size_t Transfers::size() {
  std::lock_guard lock(mu_);
  return transfers_.size();
}

}  // namespace parley::rtc
