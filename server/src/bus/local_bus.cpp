// LocalBus presence (the connections of each online user) and claims, under one mutex.
#include <algorithm>

#include "bus/bus.hpp"

namespace parley::bus {

bool LocalBus::connected(UserId user, ConnectionId conn) {
  std::lock_guard lock(mu_);
  auto& mine = online_[user];
  if (std::find(mine.begin(), mine.end(), conn) == mine.end()) mine.push_back(conn);
  return mine.size() == 1;
}

bool LocalBus::disconnected(UserId user, ConnectionId conn) {
  std::lock_guard lock(mu_);
  auto it = online_.find(user);
  if (it == online_.end()) return false;
  auto& mine = it->second;
  auto c = std::find(mine.begin(), mine.end(), conn);
  if (c == mine.end()) return false;
  mine.erase(c);
  if (!mine.empty()) return false;
  online_.erase(it);
  return true;
}

bool LocalBus::online(UserId user) {
  std::lock_guard lock(mu_);
  return online_.count(user) != 0;
}

NodeId LocalBus::claim(const std::string& key, NodeId node) {
  std::lock_guard lock(mu_);
  return claims_.try_emplace(key, node).first->second;
}

void LocalBus::release(const std::string& key, NodeId node) {
  std::lock_guard lock(mu_);
  auto it = claims_.find(key);
  if (it != claims_.end() && it->second == node) claims_.erase(it);
}

}  // namespace parley::bus
