// libFuzzer target for the WebSocket frame decoder: any bytes must parse to a client frame or a
// FrameError, every chat command's decoder must take any fields, and any FrameError must encode.
// Built and run by scripts/fuzz.sh (`make fuzz`).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "protocol/frames.hpp"

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
  return 0;
}
