// libFuzzer target for an upload's request: the JSON body of POST /api/uploads (room, size, a name
// cleaned for storage, a declared type) and the Upload-Offset header of PUT. Any bytes must give a
// request or a BadRequest, never a crash; a parsed request holds what the rules promise.
// Built and run by scripts/fuzz.sh (`make fuzz`).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/json_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    auto offset = parley::api::parse_offset(text);
    if (offset && *offset < 0) std::abort();
    return 0;
  }
  try {
    auto r = parley::api::parse_upload_request(text);
    if (r.room.value() < 1 || r.size < 0 || r.declared_type.size() >= 128) std::abort();
    if (r.name.empty() || r.name.find('/') != std::string::npos) std::abort();
  } catch (const parley::api::BadRequest&) {
  }
  return 0;
}
