// The calls' frames (docs/protocol.md "Calls"): their commands decoded, their state encoded.
#pragma once

#include <string>
#include <vector>

#include "protocol/fields.hpp"
#include "rtc/calls.hpp"
#include "rtc/transfers.hpp"
#include "rtc/turn.hpp"

namespace parley::protocol {

inline constexpr std::size_t kMaxSignalBytes = 32 * 1024;  // under the frame limit (64 KiB)

struct ListCalls {
  Cid cid;
};
struct CallJoin {
  std::string cid;
  RoomId room{};
  std::string peer;
  rtc::Media media;
};
struct CallLeave {
  Cid cid;
  RoomId room{};
  std::string peer;
};
struct CallDecline {
  Cid cid;
  RoomId room{};
};
struct CallMedia {
  Cid cid;
  RoomId room{};
  std::string peer;
  rtc::Media media;
};
struct CallSignal {
  Cid cid;
  RoomId room{};
  std::string peer;
  std::string to;
  std::string data;  // a JSON object, serialized
};

// Direct file transfers.
struct TransferOffer {
  std::string cid;
  RoomId room{};
  UserId user{};
  std::string id;
  std::string name;
  std::int64_t size = 0;
  std::string mime;
  std::string sha256;
};
struct TransferAnswer {
  Cid cid;
  std::string id;
  bool accept = false;
};
struct TransferSignal {
  Cid cid;
  std::string id;
  std::string data;  // a JSON object, serialized
};
struct TransferRef {  // transfer_cancel, transfer_resume
  Cid cid;
  std::string id;
  std::string reason = "cancelled";  // transfer_cancel: cancelled, done, failed, damaged
};

ListCalls decode_list_calls(Fields& f);
CallJoin decode_call_join(Fields& f);
CallLeave decode_call_leave(Fields& f);
CallDecline decode_call_decline(Fields& f);
CallMedia decode_call_media(Fields& f);
CallSignal decode_call_signal(Fields& f);

// `call` null: the room's call ended.
std::string encode_call_state(RoomId room, const rtc::Call* call);
std::string encode_call_joined(const std::string& cid, const rtc::Call& call,
                               const std::vector<rtc::IceServer>& ice);
// `call_texts`: calls on other nodes of a cluster, as `call_text` wrote them there.
std::string encode_calls(const Cid& cid, const std::vector<rtc::Call>& calls,
                         const std::vector<std::string>& call_texts = {});
// A call as the `call` object of call_state and calls, serialized.
std::string call_text(const rtc::Call& call);
std::string encode_call_signal(RoomId room, const std::string& from, UserId user,
                               const std::string& data_json);
std::string encode_call_dropped(RoomId room, const std::string& peer, const std::string& reason);
std::string encode_room_ack(const Cid& cid, RoomId room);

TransferOffer decode_transfer_offer(Fields& f);
TransferAnswer decode_transfer_answer(Fields& f);
TransferSignal decode_transfer_signal(Fields& f);
TransferRef decode_transfer_ref(Fields& f);
TransferRef decode_transfer_cancel(Fields& f);

std::string encode_transfer_offer(const rtc::Transfer& t);
std::string encode_transfer_answer(const std::string& id, bool accept);
std::string encode_transfer_signal(const std::string& id, const std::string& data_json);
std::string encode_transfer_closed(const std::string& id, const std::string& reason);
// The ack of an offer or an acceptance: with the ICE servers the data channel needs.
std::string encode_transfer_ack(const Cid& cid, RoomId room,
                                const std::vector<rtc::IceServer>& ice);

}  // namespace parley::protocol
