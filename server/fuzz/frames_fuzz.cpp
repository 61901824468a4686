// libFuzzer target for the WebSocket frame decoder: any bytes must parse to a client frame or a
// FrameError, every chat and call command's decoder must take any fields, and any FrameError must
// encode.
// Built and run by scripts/fuzz.sh (`make fuzz`).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "protocol/frames.hpp"
#include "protocol/rtc_frames.hpp"

namespace {

using namespace parley::protocol;

template <class... C>
void decode_all(const ClientFrame& frame) {
  auto each = [&](auto tag) {
    auto fields = frame.fields();
    (void)decode<decltype(tag)>(fields);
    if (fields.problem()) (void)encode_error(*fields.problem());
  };
  (each(C{}), ...);
}

// The calls' decoders, and the frames a decoded signal becomes.
void decode_calls(const ClientFrame& frame) {
  auto each = [&](auto decoder) {
    auto fields = frame.fields();
    auto c = decoder(fields);
    if (fields.problem()) (void)encode_error(*fields.problem());
    return c;
  };
  (void)each(decode_list_calls);
  (void)each(decode_call_join);
  (void)each(decode_call_leave);
  (void)each(decode_call_decline);
  (void)each(decode_call_media);
  (void)each(decode_transfer_offer);
  (void)each(decode_transfer_answer);
  (void)each(decode_transfer_ref);
  (void)each(decode_transfer_cancel);
  {
    auto f = frame.fields();
    auto s = decode_transfer_signal(f);
    if (!f.problem()) (void)encode_transfer_signal(s.id, s.data);
  }
  auto fields = frame.fields();
  auto signal = decode_call_signal(fields);
  if (!fields.problem())
    (void)encode_call_signal(signal.room, signal.peer, parley::UserId{1}, signal.data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto out = ClientFrame::parse(text);
  if (auto* e = std::get_if<FrameError>(&out)) {
    (void)encode_error(*e);
    return 0;
  }
  decode_all<ListRooms, Directory, FindUsers, CreateRoom, OpenDirect, Join, Leave, Invite, Remove,
             UpdateRoom, RoomSettings, Post, Edit, Delete, React, Mark, History, Sync, Thread,
             Edits, Members, Typing, CreateGroup, ListGroups, GroupInvite, GroupRemove, LeaveGroup,
             DeleteGroup>(std::get<ClientFrame>(out));
  decode_calls(std::get<ClientFrame>(out));
  return 0;
}
