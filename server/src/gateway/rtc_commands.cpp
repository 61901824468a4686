// Reads that need the store (is the caller a member?) run on the worker pool; the rest is the
// in-memory call state and answers at once.
#include "gateway/rtc_commands.hpp"

#include <spdlog/spdlog.h>

#include "protocol/frames.hpp"
#include "protocol/rtc_frames.hpp"

namespace parley::gateway {
namespace {

using R = core::Result<std::string>;
constexpr auto kRequired = Commands::CidRule::kRequired;
constexpr auto kOptional = Commands::CidRule::kOptional;

// Answers a command that changes only the call state: `ack` when it had a cid, or its error.
void answer(const Call& call, protocol::Id room, const core::Result<bool>& r) {
  if (!r) return call.refuse(r.error());
  if (call.cid()) call.send(protocol::encode_room_ack(call.cid(), room));
}

}  // namespace

RtcCommands::RtcCommands(chat::ChatService& chat, bus::Bus& bus, hub::Hub& hub, rtc::IceOptions ice,
                         rtc::Options options, rtc::Calls::Schedule schedule)
    : chat_(chat),
      bus_(bus),
      hub_(hub),
      ice_(std::move(ice)),
      calls_(options, *this, std::move(schedule), [&chat] { return chat.now(); }) {}

void RtcCommands::state(rtc::RoomId room, const rtc::Call* call) {
  bus::Message m;
  m.kind = bus::Message::Kind::kRoom;
  m.room = room;
  m.frame = std::make_shared<const std::string>(protocol::encode_call_state(room, call));
  bus_.publish(m);
}

void RtcCommands::dropped(bus::ConnectionId conn, rtc::RoomId room, const std::string& peer,
                          const std::string& reason) {
  bus::Message m;
  m.kind = bus::Message::Kind::kConnection;
  m.connection = conn;
  m.frame = std::make_shared<const std::string>(protocol::encode_call_dropped(room, peer, reason));
  bus_.publish(m);
}

void RtcCommands::record(rtc::RoomId room, rtc::UserId caller, const std::string& what, bool video,
                         core::Millis duration) {
  chat_.record_call(caller, room, what, video, duration, [room, what](core::Result<chat::Ack> r) {
    if (!r) spdlog::warn("call {} in room {} not recorded: {}", what, room, r.error().message);
  });
}

void RtcCommands::follow(EventStream& stream) {
  stream.follow([this](const Published& p) {
    for (auto user : p.change().removed) calls_.member_gone(p.event().room, user);
  });
}

void RtcCommands::install(Commands& t) {
  using namespace protocol;
  t.add("calls", kOptional, &decode_list_calls, [this](const Call& call, ListCalls&) {
    const auto conn = call.connection();
    auto running = calls_.running([&](rtc::RoomId room) {
      return conn.node == hub_.node() && hub_.follows(conn.local, room);
    });
    call.send(encode_calls(call.cid(), running));
  });

  t.add("call_join", kRequired, &decode_call_join, [this](const Call& call, CallJoin& c) {
    call.read([this, call, c]() -> R {
      auto room = chat_.call_room(call.user(), c.room);
      if (!room) return room.error();
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
        const auto& e = joined.error();
        if (e.field == "call_full") {
          return encode_error(FrameError{"call_full", e.message, call.cid(), "room"});
        }
        return e;
      }
      return encode_call_joined(c.cid, *joined, rtc::ice_servers(ice_, call.user(), chat_.now()));
    });
  });

  t.add("call_leave", kOptional, &decode_call_leave, [this](const Call& call, CallLeave& c) {
    answer(call, c.room, calls_.leave(c.room, c.peer, call.user()));
  });

  t.add("call_decline", kOptional, &decode_call_decline, [this](const Call& call, CallDecline& c) {
    answer(call, c.room, calls_.decline(c.room, call.user()));
  });

  t.add("call_media", kOptional, &decode_call_media, [this](const Call& call, CallMedia& c) {
    answer(call, c.room, calls_.set_media(c.room, c.peer, call.connection(), c.media));
  });

  t.add("call_signal", kOptional, &decode_call_signal, [this](const Call& call, CallSignal& c) {
    auto route = calls_.route(c.room, c.peer, call.connection(), c.to);
    if (!route) return call.refuse(route.error());
    bus::Message m;
    m.kind = bus::Message::Kind::kConnection;
    m.connection = route->to;
    m.frame = std::make_shared<const std::string>(
        encode_call_signal(c.room, c.peer, route->from_user, c.data));
    bus_.publish(m);
  });
}

}  // namespace parley::gateway
