// libFuzzer target for what media/ makes of untrusted text: file names (clean_name and
// content_disposition) and Range headers. Invariants are checked, not only crashes. Built and
// run by scripts/fuzz.sh (`make fuzz`).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/text.hpp"
#include "media/media.hpp"
#include "media/strip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto name = parley::media::clean_name(in);
  if (name.empty() || name.size() > 255 || name.find('/') != std::string::npos ||
      name.find('\\') != std::string::npos ||
      parley::core::utf8_length(name) == std::string::npos ||
      parley::core::has_control(name, false)) {
    std::abort();
  }
  auto cd = parley::media::content_disposition(name, true);
  for (char c : cd) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) std::abort();
  }
  std::uint64_t file_size = size ? data[0] * 1000ull : 0;
  auto r = parley::media::parse_range(in, file_size);
  if (r.outcome == parley::media::RangeAnswer::kPartial &&
      (r.range.length == 0 || r.range.first + r.range.length > file_size)) {
    std::abort();
  }
  // Image containers taken apart without decoding: any bytes, never a crash or a read past the end,
  // and what comes out is never longer than what went in (plus a 36-byte orientation block).
  for (auto strip : {parley::media::strip_jpeg, parley::media::strip_gif}) {
    if (auto out = strip(in); out && out->size() > in.size() + 36) std::abort();
  }
  if (auto out = parley::media::strip_png(in); out && out->size() > in.size()) std::abort();
  return 0;
}
