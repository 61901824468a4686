// libFuzzer target for the WebSocket frame parser (net/ws_frames.cpp): any bytes, in any split,
// must parse to events or a protocol error, never read out of bounds or loop. Built and run by
// scripts/fuzz.sh (`make fuzz`).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "net/ws_frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks where the stream is split, as a socket would deliver it in pieces.
  std::size_t split = data[0] % (size);
  std::vector<std::uint8_t> buffer;
  parley::net::ws::Reader reader(4096);
  for (std::size_t part = 0; part < 2; ++part) {
    const std::uint8_t* from = data + 1 + (part ? split : 0);
    const std::uint8_t* to = part ? data + size : data + 1 + split;
    if (from > to) continue;
    buffer.insert(buffer.end(), from, to);
    for (;;) {
      auto e = reader.next(buffer);
      if (e.kind == parley::net::ws::Event::Kind::kError) return 0;
      if (e.kind == parley::net::ws::Event::Kind::kNone && e.consumed == 0) break;
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(e.consumed));
    }
  }
  return 0;
}
