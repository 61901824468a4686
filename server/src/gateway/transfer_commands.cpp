// The offer reads both people's membership from the store (on the worker pool); the rest is the
// in-memory transfer state and answers at once.
#include "gateway/transfer_commands.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "protocol/frames.hpp"
#include "protocol/rtc_frames.hpp"

namespace parley::gateway {
namespace {

namespace json = boost::json;
using R = core::Result<std::string>;
constexpr std::size_t kMaxElsewhere = 100000;  // transfers of other nodes remembered
constexpr auto kRequired = Commands::CidRule::kRequired;
constexpr auto kOptional = Commands::CidRule::kOptional;

}  // namespace

TransferCommands::TransferCommands(chat::ChatService& chat, bus::Bus& bus, bus::NodeId node,
                                   core::WorkerPool& pool, rtc::IceOptions ice,
                                   rtc::TransferOptions options, rtc::Transfers::Schedule schedule)
    : chat_(chat),
      bus_(bus),
      ice_(std::move(ice)),
      handoff_("transfers", bus, node, pool),
      transfers_(options, *this, std::move(schedule), [&chat] { return chat.now(); }) {
  install_handlers(handoff_.commands());
  handoff_.on_closed_elsewhere([this](bus::ConnectionId conn) { transfers_.closed(conn); });
  handoff_.on_message([this](RoomId room, const json::object& o) {
    const auto from = static_cast<bus::NodeId>(o.at("from").to_number<std::int64_t>());
    const auto& op = o.at("op").as_string();
    if (op == "offered" && from != handoff_.node()) {
      std::lock_guard lock(mu_);
      auto id = std::string(o.at("id").as_string());
      if (elsewhere_.insert_or_assign(id, from).second) elsewhere_order_.push_back(id);
      while (elsewhere_order_.size() > kMaxElsewhere) {
        elsewhere_.erase(elsewhere_order_.front());
        elsewhere_order_.pop_front();
      }
    } else if (op == "gone") {
      transfers_.member_gone(room, UserId{o.at("user").to_number<std::int64_t>()});
    }
  });
}

void TransferCommands::closed(bus::ConnectionId conn) {
  transfers_.closed(conn);
  handoff_.closed(conn);
}

void TransferCommands::node_gone(bus::NodeId node) {
  transfers_.node_gone(node);
  handoff_.node_gone(node);
}

bool TransferCommands::hand_on(const Call& call, const std::string& id, const std::string& frame) {
  if (!handoff_.here(call) || transfers_.has(id)) return false;
  bus::NodeId home = 0;
  {
    std::lock_guard lock(mu_);
    auto it = elsewhere_.find(id);
    if (it == elsewhere_.end()) return false;
    home = it->second;
  }
  handoff_.hand_on(call, home, frame);
  return true;
}

void TransferCommands::to_user(UserId user, std::string frame, bus::ConnectionId except) {
  bus::Message m;
  m.kind = bus::Message::Kind::kUser;
  m.user = user;
  m.connection = except;
  m.frame = std::make_shared<const std::string>(std::move(frame));
  bus_.publish(m);
}

void TransferCommands::to_connection(bus::ConnectionId conn, std::string frame) {
  bus_.publish(bus::Message::to_connection(conn, std::move(frame)));
}

void TransferCommands::offered(const rtc::Transfer& t) {
  // Every node learns where it lives before the receiver's tabs hear of it.
  handoff_.send(0, t.room, json::object{{"op", "offered"}, {"id", t.id}});
  to_user(t.to, protocol::encode_transfer_offer(t));
}

void TransferCommands::answered(bus::ConnectionId sender, const std::string& id, bool accept) {
  to_connection(sender, protocol::encode_transfer_answer(id, accept));
}

void TransferCommands::closed_for_user(UserId user, const std::string& id,
                                       const std::string& reason, bus::ConnectionId except) {
  to_user(user, protocol::encode_transfer_closed(id, reason), except);
}

void TransferCommands::closed_for(bus::ConnectionId conn, const std::string& id,
                                  const std::string& reason) {
  to_connection(conn, protocol::encode_transfer_closed(id, reason));
}

void TransferCommands::follow(EventStream& stream) {
  stream.follow([this](const Published& p) {
    for (auto user : p.change().removed) {
      // Here, and on the nodes where the room's other transfers may live.
      handoff_.send(0, p.event().room, json::object{{"op", "gone"}, {"user", user.value()}});
    }
  });
}

void TransferCommands::install(Commands& t) {
  install_handlers(t);
}

void TransferCommands::install_handlers(Commands& t) {
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

  Handoff::add(
      t, "transfer_answer", kOptional, &decode_transfer_answer,
      [this](const Call& call, TransferAnswer& c, const std::string& frame) {
        if (hand_on(call, c.id, frame)) return;
        auto r = transfers_.answer(c.id, call.user(), call.connection(), c.accept);
        if (!r) return call.refuse(r.error());
        if (!call.cid()) return;
        call.send(c.accept ? encode_transfer_ack(call.cid(), r->room,
                                                 rtc::ice_servers(ice_, call.user(), chat_.now()))
                           : encode_room_ack(call.cid(), r->room));
      });

  Handoff::add(t, "transfer_signal", kOptional, &decode_transfer_signal,
               [this](const Call& call, TransferSignal& c, const std::string& frame) {
                 if (hand_on(call, c.id, frame)) return;
                 auto to = transfers_.route(c.id, call.user(), call.connection());
                 if (!to) return call.refuse(to.error());
                 to_connection(*to, encode_transfer_signal(c.id, c.data));
               });

  Handoff::add(t, "transfer_cancel", kOptional, &decode_transfer_cancel,
               [this, answer](const Call& call, TransferRef& c, const std::string& frame) {
                 if (hand_on(call, c.id, frame)) return;
                 answer(call, transfers_.cancel(c.id, call.user(), call.connection(), c.reason));
               });

  Handoff::add(t, "transfer_resume", kOptional, &decode_transfer_ref,
               [this, answer](const Call& call, TransferRef& c, const std::string& frame) {
                 if (hand_on(call, c.id, frame)) return;
                 answer(call, transfers_.resume(c.id, call.user(), call.connection()));
               });
}

}  // namespace parley::gateway
