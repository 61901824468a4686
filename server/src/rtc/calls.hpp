// The calls running now: one per room at most, each a set of peers (one browser tab each, named by
// an id the tab makes) on their connections. Decides who may join (members, 8 at most: a full
// mesh), rings the other person of a direct room, keeps a peer whose socket dropped for a grace
// period (a reconnecting tab keeps its call), lets a second tab of the same user take the call
// over, relays signalling only between peers of one call (rate-bounded), and says what the room's
// log records (started, ended, missed, declined). No socket or JSON here: what happens goes out
// through Listener. Thread-safe; the listener is called under the lock, in the order of changes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bus/bus.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/token_bucket.hpp"

namespace parley::rtc {

using bus::ConnectionId;

struct Media {
  bool audio = true;
  bool video = false;
  bool screen = false;
};

struct Peer {
  std::string id;
  UserId user{};
  std::string username;
  ConnectionId conn;
  core::Millis since = 0;
  Media media;
  bool away = false;  // its socket closed; removed when the grace runs out
  std::uint64_t away_generation = 0;
  core::TokenBucket signals{1, 1};  // the signals it may send
};

struct Call {
  std::string id;
  RoomId room{};
  bool direct = false;
  UserId caller{};
  core::Millis started = 0;
  core::Millis answered = 0;  // direct calls: when the second person came; 0 = not yet
  bool video = false;         // started as a video call
  std::vector<UserId> ringing;
  std::vector<Peer> peers;
};

struct Options {
  std::size_t max_peers = 8;
  std::chrono::milliseconds ring_timeout{45000};
  std::chrono::milliseconds grace{8000};
  double signal_burst = 200;
  double signals_per_second = 50;
};

class Listener {
 public:
  virtual ~Listener() = default;
  // The room's call changed; nullptr: it ended.
  virtual void state(RoomId room, const Call* call) = 0;
  // A peer was put out of its call by the server ("taken", "removed"): tell its socket.
  virtual void dropped(ConnectionId conn, RoomId room, const std::string& peer,
                       const std::string& reason) = 0;
  // A moment for the room's log: "started", "ended", "missed", "declined".
  virtual void record(RoomId room, UserId caller, const std::string& what, bool video,
                      core::Millis duration) = 0;
};

// Who joins, as the gateway knows them; the room's kind and members come from chat (a read).
struct Joining {
  RoomId room{};
  std::string peer;
  UserId user{};
  std::string username;
  ConnectionId conn;
  Media media;
  bool direct = false;
  std::vector<UserId> members;
};

// Where a relayed signal goes.
struct Route {
  ConnectionId to;
  UserId from_user{};
};

class Calls {
 public:
  using Schedule = std::function<void(std::chrono::milliseconds, std::function<void()>)>;
  Calls(Options options, Listener& listener, Schedule schedule,
        core::Clock clock = core::system_clock());

  // A peer id: 8 to 64 of A-Z a-z 0-9 _ -.
  static bool valid_peer_id(std::string_view id);

  // Joins (or starts) the room's call; the call as it is after. Refused: the call is full
  // (Error.field "call_full"), or the peer id is another user's.
  core::Result<Call> join(const Joining& j);
  // The peer leaves; `user` must own it.
  core::Result<bool> leave(RoomId room, const std::string& peer, UserId user);
  // `user` declines the call ringing them.
  core::Result<bool> decline(RoomId room, UserId user);
  core::Result<bool> set_media(RoomId room, const std::string& peer, ConnectionId conn,
                               Media media);
  // May `from` (a peer of `conn`) signal `to` in the room's call? Counts against its bucket.
  core::Result<Route> route(RoomId room, const std::string& from, ConnectionId conn,
                            const std::string& to);
  // The socket closed: its peers go away, and out after the grace.
  void closed(ConnectionId conn);
  // A node of the cluster died: its connections' peers leave at once (no grace: they are gone).
  void node_gone(bus::NodeId node);
  // The user is no longer a member of the room: out of its call at once.
  void member_gone(RoomId room, UserId user);
  // The running calls in the rooms `visible` says yes to.
  std::vector<Call> running(const std::function<bool(RoomId)>& visible);
  std::optional<Call> find(RoomId room);

 private:
  void publish_locked(const Call& call);
  void end_locked(RoomId room, const std::string& what);
  void remove_peer_locked(Call& call, std::size_t index);
  void ring_expired(RoomId room, std::string call_id);
  Peer new_peer(const Joining& j, core::Millis now) const;
  void grace_expired(RoomId room, std::string peer, std::uint64_t generation);
  std::string new_call_id();

  Options options_;
  Listener& listener_;
  Schedule schedule_;
  core::Clock clock_;
  std::mutex mu_;
  std::unordered_map<RoomId, Call> calls_;  // under mu_
  std::uint64_t next_ = 0;                  // under mu_
};

}  // namespace parley::rtc
