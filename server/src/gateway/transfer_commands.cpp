// The offer reads both people's membership from the store (on the worker pool); the rest is the
// in-memory transfer state and answers at once.
#include "gateway/transfer_commands.hpp"

#include <algorithm>

#include "protocol/frames.hpp"
#include "protocol/rtc_frames.hpp"

namespace parley::gateway {
namespace {

using R = core::Result<std::string>;
constexpr auto kRequired = Commands::CidRule::kRequired;
constexpr auto kOptional = Commands::CidRule::kOptional;

}  // namespace

TransferCommands::TransferCommands(chat::ChatService& chat, bus::Bus& bus, rtc::IceOptions ice,
                                   rtc::TransferOptions options, rtc::Transfers::Schedule schedule)
    : chat_(chat),
      bus_(bus),
      ice_(std::move(ice)),
      transfers_(options, *this, std::move(schedule), [&chat] { return chat.now(); }) {}

void TransferCommands::to_user(rtc::TransferUser user, std::string frame,
                               bus::ConnectionId except) {
  bus::Message m;
  m.kind = bus::Message::Kind::kUser;
  m.user = user;
  m.connection = except;
  m.frame = std::make_shared<const std::string>(std::move(frame));
  bus_.publish(m);
}

void TransferCommands::to_connection(bus::ConnectionId conn, std::string frame) {
  bus::Message m;
  m.kind = bus::Message::Kind::kConnection;
  m.connection = conn;
  m.frame = std::make_shared<const std::string>(std::move(frame));
  bus_.publish(m);
}

void TransferCommands::offered(const rtc::Transfer& t) {
  to_user(t.to, protocol::encode_transfer_offer(t));
}

void TransferCommands::answered(bus::ConnectionId sender, const std::string& id, bool accept) {
  to_connection(sender, protocol::encode_transfer_answer(id, accept));
}

void TransferCommands::closed_for_user(rtc::TransferUser user, const std::string& id,
                                       const std::string& reason, bus::ConnectionId except) {
  to_user(user, protocol::encode_transfer_closed(id, reason), except);
}

void TransferCommands::closed_for(bus::ConnectionId conn, const std::string& id,
                                  const std::string& reason) {
  to_connection(conn, protocol::encode_transfer_closed(id, reason));
}

void TransferCommands::follow(EventStream& stream) {
  stream.follow([this](const Published& p) {
    for (auto user : p.change().removed) transfers_.member_gone(p.event().room, user);
  });
}

void TransferCommands::install(Commands& t) {
  using namespace protocol;
  auto answer = [](const Call& call, const core::Result<bool>& r) {
    if (!r) return call.refuse(r.error());
    if (call.cid()) call.send(encode_ack(call.cid(), chat::Ack{}));
  };

  t.add("transfer_offer", kRequired, &decode_transfer_offer,
        [this](const Call& call, TransferOffer& c) {
          call.read([this, call, c]() -> R {
            auto room = chat_.call_room(call.user(), c.room);
            if (!room) return room.error();
            const auto& m = room->members;
            if (std::find(m.begin(), m.end(), c.user) == m.end()) {
              return core::make_error(core::Errc::kNotFound, "No such member in this room", "user");
            }
            rtc::Transfer tr;
            tr.id = c.id;
            tr.room = c.room;
            tr.from = call.user();
            tr.from_name = call.who().username;
            tr.to = c.user;
            tr.name = c.name;
            tr.size = c.size;
            tr.mime = c.mime;
            tr.sha256 = c.sha256;
            auto r = transfers_.offer(std::move(tr), call.connection());
            if (!r) return r.error();
            return encode_transfer_ack(call.cid(), c.room,
                                       rtc::ice_servers(ice_, call.user(), chat_.now()));
          });
        });

  t.add("transfer_answer", kOptional, &decode_transfer_answer,
        [this](const Call& call, TransferAnswer& c) {
          auto r = transfers_.answer(c.id, call.user(), call.connection(), c.accept);
          if (!r) return call.refuse(r.error());
          if (!call.cid()) return;
          call.send(c.accept ? encode_transfer_ack(call.cid(), r->room,
                                                   rtc::ice_servers(ice_, call.user(), chat_.now()))
                             : encode_room_ack(call.cid(), r->room));
        });

  t.add("transfer_signal", kOptional, &decode_transfer_signal,
        [this](const Call& call, TransferSignal& c) {
          auto to = transfers_.route(c.id, call.user(), call.connection());
          if (!to) return call.refuse(to.error());
          to_connection(*to, encode_transfer_signal(c.id, c.data));
        });

  t.add("transfer_cancel", kOptional, &decode_transfer_cancel,
        [this, answer](const Call& call, TransferRef& c) {
          answer(call, transfers_.cancel(c.id, call.user(), call.connection(), c.reason));
        });

  t.add("transfer_resume", kOptional, &decode_transfer_ref,
        [this, answer](const Call& call, TransferRef& c) {
          answer(call, transfers_.resume(c.id, call.user(), call.connection()));
        });
}

}  // namespace parley::gateway
