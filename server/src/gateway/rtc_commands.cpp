// Reads that need the store (is the caller a member?) run on the worker pool; the rest is the
// in-memory call state and answers at once. In a cluster, commands for a call living on another
// node are handed to it (rtc_commands.hpp).
#include "gateway/rtc_commands.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "core/id_format.hpp"
#include "protocol/frames.hpp"
#include "protocol/rtc_frames.hpp"

namespace parley::gateway {
namespace {

namespace json = boost::json;
using R = core::Result<std::string>;
constexpr auto kRequired = Commands::CidRule::kRequired;
constexpr auto kOptional = Commands::CidRule::kOptional;

// Answers a command that changes only the call state: `ack` when it had a cid, or its error.
void answer(const Call& call, RoomId room, const core::Result<bool>& r) {
  if (!r) return call.refuse(r.error());
  if (call.cid()) call.send(protocol::encode_room_ack(call.cid(), room));
}

std::string claim_key(RoomId room) {
  return "call:" + std::to_string(room.value());
}

}  // namespace

RtcCommands::RtcCommands(chat::ChatService& chat, bus::Bus& bus, hub::Hub& hub,
                         core::WorkerPool& pool, rtc::IceOptions ice, rtc::Options options,
                         rtc::Calls::Schedule schedule)
    : chat_(chat),
      bus_(bus),
      hub_(hub),
      ice_(std::move(ice)),
      handoff_("calls", bus, hub.node(), pool),
      calls_(options, *this, std::move(schedule), [&chat] { return chat.now(); }) {
  install_handlers(handoff_.commands());
  handoff_.on_message([this](RoomId room, const json::object& o) { on_node_message(room, o); });
  handoff_.on_closed_elsewhere([this](bus::ConnectionId conn) { calls_.closed(conn); });
}

void RtcCommands::state(RoomId room, const rtc::Call* call) {
  bus::Message m;
  m.kind = bus::Message::Kind::kRoom;
  m.room = room;
  m.frame = std::make_shared<const std::string>(protocol::encode_call_state(room, call));
  bus_.publish(m);
  // The other nodes' copy, and the claim let go when the call ends.
  json::object o{{"op", "state"}};
  if (call) o["call"] = protocol::call_text(*call);
  handoff_.send(0, room, o);
  if (!call) bus_.release(claim_key(room), hub_.node());
}

void RtcCommands::dropped(bus::ConnectionId conn, RoomId room, const std::string& peer,
                          const std::string& reason) {
  bus_.publish(
      bus::Message::to_connection(conn, protocol::encode_call_dropped(room, peer, reason)));
}

void RtcCommands::record(RoomId room, UserId caller, const std::string& what, bool video,
                         core::Millis duration) {
  chat_.record_call(caller, room, what, video, duration, [room, what](core::Result<chat::Ack> r) {
    if (!r) spdlog::warn("call {} in room {} not recorded: {}", what, room, r.error().message);
  });
}

void RtcCommands::follow(EventStream& stream) {
  stream.follow([this](const Published& p) {
    const auto room = p.event().room;
    for (auto user : p.change().removed) {
      calls_.member_gone(room, user);
      // Committed here, the call living elsewhere: its home hears it from this node.
      auto home = home_of(room);
      if (home != 0 && home != hub_.node()) {
        handoff_.send(home, room, json::object{{"op", "gone"}, {"user", user.value()}});
      }
    }
  });
}

void RtcCommands::closed(bus::ConnectionId conn) {
  calls_.closed(conn);
  handoff_.closed(conn);
}

void RtcCommands::node_gone(bus::NodeId node) {
  calls_.node_gone(node);
  handoff_.node_gone(node);
  std::vector<RoomId> ended;
  {
    std::lock_guard lock(mu_);
    for (auto it = elsewhere_.begin(); it != elsewhere_.end();) {
      if (it->second.home == node) {
        ended.push_back(it->first);
        it = elsewhere_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Calls whose home died are over: this node tells its own sockets (each node does).
  for (auto room : ended) {
    bus::Message m;
    m.kind = bus::Message::Kind::kRoom;
    m.room = room;
    m.frame = std::make_shared<const std::string>(protocol::encode_call_state(room, nullptr));
    hub_.deliver(m);
  }
}

bus::NodeId RtcCommands::home_of(RoomId room) {
  if (calls_.find(room)) return hub_.node();
  std::lock_guard lock(mu_);
  auto it = elsewhere_.find(room);
  return it == elsewhere_.end() ? 0 : it->second.home;
}

bool RtcCommands::hand_on(const Call& call, RoomId room, const std::string& frame) {
  auto home = home_of(room);
  if (home == 0 || home == hub_.node() || !handoff_.here(call)) return false;
  handoff_.hand_on(call, home, frame);
  return true;
}

void RtcCommands::on_node_message(RoomId room, const json::object& o) {
  const auto from = static_cast<bus::NodeId>(o.at("from").to_number<std::int64_t>());
  const auto& op = o.at("op").as_string();
  if (op == "state") {
    if (from == hub_.node()) return;  // this node's own announcement
    std::lock_guard lock(mu_);
    if (auto* call = o.if_contains("call")) {
      elsewhere_[room] = Elsewhere{from, std::string(call->as_string())};
    } else if (auto it = elsewhere_.find(room); it != elsewhere_.end() && it->second.home == from) {
      elsewhere_.erase(it);
    }
  } else if (op == "gone") {
    calls_.member_gone(room, UserId{o.at("user").to_number<std::int64_t>()});
  }
}

void RtcCommands::install(Commands& t) {
  install_handlers(t);
}

void RtcCommands::install_handlers(Commands& t) {
  using namespace protocol;
  t.add("calls", kOptional, &decode_list_calls, [this](const Call& call, ListCalls&) {
    const auto conn = call.connection();
    auto visible = [&](RoomId room) {
      return conn.node == hub_.node() && hub_.follows(conn.local, room);
    };
    auto running = calls_.running(visible);
    std::vector<std::string> elsewhere;
    {
      std::lock_guard lock(mu_);
      for (const auto& [room, e] : elsewhere_) {
        if (visible(room)) elsewhere.push_back(e.call);
      }
    }
    call.send(encode_calls(call.cid(), running, elsewhere));
  });

  Handoff::add(
      t, "call_join", kRequired, &decode_call_join,
      [this](const Call& call, CallJoin& c, const std::string& frame) {
        if (hand_on(call, c.room, frame)) return;
        call.read([this, call, c, frame]() -> R {
          auto room = chat_.call_room(call.user(), c.room);
          if (!room) return room.error();
          // The call's home: this node unless another holds the room's claim.
          auto home = bus_.claim(claim_key(c.room), hub_.node());
          if (home != hub_.node()) {
            // Handed on here by a node that took this one for the home: not any more.
            if (!handoff_.here(call))
              return core::Error{core::Errc::kConflict, "The call moved; try again", "room"};
            {
              std::lock_guard lock(mu_);
              elsewhere_[c.room].home = home;  // its state follows when the home announces it
            }
            hand_on(call, c.room, frame);
            return std::string();
          }
          rtc::Joining j;
          j.room = c.room;
          j.peer = c.peer;
          j.user = call.user();
          j.username = call.who().username;
          j.conn = call.connection();
          j.media = c.media;
          j.direct = room->kind == chat::RoomKind::kDirect;
          j.members = std::move(room->members);
          auto joined = calls_.join(j);
          if (!joined) {
            if (!calls_.find(c.room)) bus_.release(claim_key(c.room), hub_.node());  // none began
            const auto& e = joined.error();
            if (e.field == "call_full") {
              return encode_error(FrameError{"call_full", e.message, call.cid(), "room"});
            }
            return e;
          }
          return encode_call_joined(c.cid, *joined,
                                    rtc::ice_servers(ice_, call.user(), chat_.now()));
        });
      });

  Handoff::add(t, "call_leave", kOptional, &decode_call_leave,
               [this](const Call& call, CallLeave& c, const std::string& frame) {
                 if (hand_on(call, c.room, frame)) return;
                 answer(call, c.room, calls_.leave(c.room, c.peer, call.user()));
               });

  Handoff::add(t, "call_decline", kOptional, &decode_call_decline,
               [this](const Call& call, CallDecline& c, const std::string& frame) {
                 if (hand_on(call, c.room, frame)) return;
                 answer(call, c.room, calls_.decline(c.room, call.user()));
               });

  Handoff::add(t, "call_media", kOptional, &decode_call_media,
               [this](const Call& call, CallMedia& c, const std::string& frame) {
                 if (hand_on(call, c.room, frame)) return;
                 answer(call, c.room, calls_.set_media(c.room, c.peer, call.connection(), c.media));
               });

  Handoff::add(t, "call_signal", kOptional, &decode_call_signal,
               [this](const Call& call, CallSignal& c, const std::string& frame) {
                 if (hand_on(call, c.room, frame)) return;
                 auto route = calls_.route(c.room, c.peer, call.connection(), c.to);
                 if (!route) return call.refuse(route.error());
                 bus_.publish(bus::Message::to_connection(
                     route->to, encode_call_signal(c.room, c.peer, route->from_user, c.data)));
               });
}

}  // namespace parley::gateway
