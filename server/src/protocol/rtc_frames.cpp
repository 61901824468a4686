#include "protocol/rtc_frames.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <boost/json.hpp>

namespace parley::protocol {
namespace json = boost::json;
namespace {

std::string peer_id(Fields& f, const char* name) {
  auto id = f.str(name);
  if (!f.problem() && !rtc::Calls::valid_peer_id(id)) {
    f.fail(name, std::string("'") + name + "' must be 8 to 64 of A-Z a-z 0-9 _ -");
  }
  return id;
}

rtc::Media media(Fields& f, rtc::Media m) {
  if (auto v = f.opt_bool("audio")) m.audio = *v;
  if (auto v = f.opt_bool("video")) m.video = *v;
  if (auto v = f.opt_bool("screen")) m.screen = *v;
  return m;
}

json::value call_object(const rtc::Call& c) {
  json::array ringing;
  for (auto u : c.ringing) ringing.push_back(u.value());
  json::array peers;
  for (const auto& p : c.peers) {
    peers.push_back(json::object{{"peer", p.id},
                                 {"user", p.user.value()},
                                 {"username", p.username},
                                 {"since", p.since},
                                 {"audio", p.media.audio},
                                 {"video", p.media.video},
                                 {"screen", p.media.screen},
                                 {"away", p.away}});
  }
  return json::object{{"id", c.id},
                      {"room", c.room.value()},
                      {"direct", c.direct},
                      {"caller", c.caller.value()},
                      {"started", c.started},
                      {"answered", c.answered ? json::value(c.answered) : json::value(nullptr)},
                      {"video", c.video},
                      {"ringing", std::move(ringing)},
                      {"peers", std::move(peers)},
                      {"max_peers", 8}};
}

json::array ice_array(const std::vector<rtc::IceServer>& ice) {
  json::array servers;
  for (const auto& s : ice) {
    json::array urls;
    for (const auto& u : s.urls) urls.push_back(json::string(u));
    json::object o{{"urls", std::move(urls)}};
    if (!s.username.empty()) {
      o["username"] = s.username;
      o["credential"] = s.credential;
    }
    servers.push_back(std::move(o));
  }
  return servers;
}

// A string field of `lo` to `hi` bytes.
std::string bounded(Fields& f, const char* name, std::size_t lo, std::size_t hi) {
  auto v = f.str(name);
  if (!f.problem() && (v.size() < lo || v.size() > hi)) {
    f.fail(name, fmt::format("'{}' must be {} to {} bytes", name, lo, hi));
  }
  return v;
}

// `head` serialized with a last field `data` holding `data_json` as it is: a relayed signal is
// Boost.JSON's own serialization of an object (Fields::object_text), not parsed again.
std::string with_data(const json::object& head, const std::string& data_json) {
  std::string out = json::serialize(head);
  out.pop_back();  // the closing brace
  out += ",\"data\":";
  out += data_json;
  out += '}';
  return out;
}

}  // namespace

ListCalls decode_list_calls(Fields& f) {
  return {f.cid()};
}

CallJoin decode_call_join(Fields& f) {
  CallJoin c{f.required_cid(), f.id<RoomId>("room"), {}, {}};
  c.peer = peer_id(f, "peer");
  c.media = media(f, rtc::Media{});
  return c;
}

CallLeave decode_call_leave(Fields& f) {
  CallLeave c{f.cid(), f.id<RoomId>("room"), {}};
  c.peer = peer_id(f, "peer");
  return c;
}

CallDecline decode_call_decline(Fields& f) {
  return {f.cid(), f.id<RoomId>("room")};
}

CallMedia decode_call_media(Fields& f) {
  CallMedia c{f.cid(), f.id<RoomId>("room"), {}, {}};
  c.peer = peer_id(f, "peer");
  c.media = media(f, rtc::Media{true, false, false});
  return c;
}

CallSignal decode_call_signal(Fields& f) {
  CallSignal c{f.cid(), f.id<RoomId>("room"), {}, {}, {}};
  c.peer = peer_id(f, "peer");
  c.to = peer_id(f, "to");
  c.data = f.object_text("data", kMaxSignalBytes);
  return c;
}

std::string encode_call_state(RoomId room, const rtc::Call* call) {
  return json::serialize(json::object{{"type", "call_state"},
                                      {"room", room.value()},
                                      {"call", call ? call_object(*call) : nullptr}});
}

std::string encode_call_joined(const std::string& cid, const rtc::Call& call,
                               const std::vector<rtc::IceServer>& ice) {
  return json::serialize(json::object{{"type", "call_joined"},
                                      {"cid", cid},
                                      {"room", call.room.value()},
                                      {"call", call_object(call)},
                                      {"ice_servers", ice_array(ice)}});
}

std::string call_text(const rtc::Call& call) {
  return json::serialize(call_object(call));
}

std::string encode_calls(const Cid& cid, const std::vector<rtc::Call>& calls,
                         const std::vector<std::string>& call_texts) {
  json::object o{{"type", "calls"}};
  if (cid) o["cid"] = *cid;
  json::array a;
  for (const auto& c : calls) a.push_back(call_object(c));
  for (const auto& t : call_texts) {
    boost::system::error_code ec;
    auto v = json::parse(t, ec);
    if (!ec && v.is_object()) a.push_back(std::move(v));
  }
  o["calls"] = std::move(a);
  return json::serialize(o);
}

std::string encode_call_signal(RoomId room, const std::string& from, UserId user,
                               const std::string& data_json) {
  return with_data(
      json::object{
          {"type", "call_signal"}, {"room", room.value()}, {"from", from}, {"user", user.value()}},
      data_json);
}

std::string encode_call_dropped(RoomId room, const std::string& peer, const std::string& reason) {
  return json::serialize(json::object{
      {"type", "call_dropped"}, {"room", room.value()}, {"peer", peer}, {"reason", reason}});
}

std::string encode_room_ack(const Cid& cid, RoomId room) {
  json::object o{{"type", "ack"}};
  if (cid) o["cid"] = *cid;
  o["room"] = room.value();
  return json::serialize(o);
}

TransferOffer decode_transfer_offer(Fields& f) {
  TransferOffer t;
  t.cid = f.required_cid();
  t.room = f.id<RoomId>("room");
  t.user = f.id<UserId>("user");
  t.id = peer_id(f, "id");
  t.name = bounded(f, "name", 1, 255);
  t.size = f.opt_int("size", 0, std::int64_t{1} << 53, true).value_or(0);
  t.mime = bounded(f, "mime", 0, 127);
  if (auto sha = f.opt_str("sha256")) {
    const bool hex = sha->size() == 64 && std::all_of(sha->begin(), sha->end(), [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                     });
    if (!hex) f.fail("sha256", "'sha256' must be 64 lowercase hex digits");
    t.sha256 = *sha;
  }
  return t;
}

TransferAnswer decode_transfer_answer(Fields& f) {
  TransferAnswer a{f.cid(), peer_id(f, "id"), false};
  auto accept = f.opt_bool("accept");
  if (!accept && !f.problem()) f.fail("accept", "'accept' must be true or false");
  a.accept = accept.value_or(false);
  return a;
}

TransferSignal decode_transfer_signal(Fields& f) {
  TransferSignal s{f.cid(), peer_id(f, "id"), {}};
  s.data = f.object_text("data", kMaxSignalBytes);
  return s;
}

TransferRef decode_transfer_ref(Fields& f) {
  return {f.cid(), peer_id(f, "id")};
}

TransferRef decode_transfer_cancel(Fields& f) {
  TransferRef r = decode_transfer_ref(f);
  if (auto reason = f.opt_str("reason")) {
    if (*reason != "cancelled" && *reason != "done" && *reason != "failed" &&
        *reason != "damaged") {
      f.fail("reason", "'reason' must be cancelled, done, failed or damaged");
    }
    r.reason = *reason;
  }
  return r;
}

std::string encode_transfer_offer(const rtc::Transfer& t) {
  return json::serialize(
      json::object{{"type", "transfer_offer"},
                   {"room", t.room.value()},
                   {"id", t.id},
                   {"from", t.from.value()},
                   {"username", t.from_name},
                   {"name", t.name},
                   {"size", t.size},
                   {"mime", t.mime},
                   {"sha256", t.sha256.empty() ? json::value(nullptr) : json::value(t.sha256)}});
}

std::string encode_transfer_answer(const std::string& id, bool accept) {
  return json::serialize(json::object{{"type", "transfer_answer"}, {"id", id}, {"accept", accept}});
}

std::string encode_transfer_signal(const std::string& id, const std::string& data_json) {
  return with_data(json::object{{"type", "transfer_signal"}, {"id", id}}, data_json);
}

std::string encode_transfer_closed(const std::string& id, const std::string& reason) {
  return json::serialize(json::object{{"type", "transfer_closed"}, {"id", id}, {"reason", reason}});
}

std::string encode_transfer_ack(const Cid& cid, RoomId room,
                                const std::vector<rtc::IceServer>& ice) {
  json::object o{{"type", "ack"}};
  if (cid) o["cid"] = *cid;
  o["room"] = room.value();
  o["ice_servers"] = ice_array(ice);
  return json::serialize(o);
}

}  // namespace parley::protocol
