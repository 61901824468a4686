// Small checks on untrusted text shared by the modules that validate input.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace parley::core {

// The length of the UTF-8 sequence that starts with `lead`; 0 when no sequence starts so.
inline std::size_t utf8_sequence_length(unsigned char lead) {
  return lead < 0x80           ? 1
         : (lead >> 5) == 0x6  ? 2
         : (lead >> 4) == 0xe  ? 3
         : (lead >> 3) == 0x1e ? 4
                               : 0;
}

// Counts code points; npos when `s` is not well-formed UTF-8 (overlong forms are not checked).
inline std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    std::size_t len = utf8_sequence_length(static_cast<unsigned char>(s[i]));
    if (len == 0 || i + len > s.size()) return std::string_view::npos;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return std::string_view::npos;
    }
    i += len;
  }
  return n;
}

// True when `s` holds a control character (C0 or DEL); `allow_newlines` lets \n, \r and \t pass.
inline bool has_control(std::string_view s, bool allow_newlines = false) {
  return std::any_of(s.begin(), s.end(), [&](unsigned char c) {
    if (allow_newlines && (c == '\n' || c == '\r' || c == '\t')) return false;
    return c < 0x20 || c == 0x7f;
  });
}

}  // namespace parley::core
