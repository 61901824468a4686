// libFuzzer target for the WebSocket frame decoder: any bytes must decode to a command or a
// FrameError, and any FrameError must encode. Built and run by scripts/fuzz.sh (`make fuzz`).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "protocol/frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto out = parley::protocol::decode(text);
  if (auto* e = std::get_if<parley::protocol::FrameError>(&out)) {
    (void)parley::protocol::encode_error(*e);
  }
  return 0;
}
