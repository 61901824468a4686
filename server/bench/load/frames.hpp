// Reads the few fields the generator needs straight from a frame's text, without a JSON parser:
// the hot path sees up to a million event frames a second. Only for keys that occur once at the
// top level with plain values (no escapes), which holds for the frames read this way.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

namespace parley::load {

// The text after `"key":`, or "" when the key is absent.
inline std::string_view value_of(std::string_view frame, std::string_view key) {
  for (std::size_t from = frame.find(key); from != std::string_view::npos;
       from = frame.find(key, from + key.size())) {
    std::size_t end = from + key.size();
    if (from == 0 || frame[from - 1] != '"' || end + 1 >= frame.size()) continue;
    if (frame[end] != '"' || frame[end + 1] != ':') continue;
    std::string_view v = frame.substr(end + 2);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return v;
  }
  return {};
}

inline std::string_view str_field(std::string_view frame, std::string_view key) {
  std::string_view v = value_of(frame, key);
  if (v.size() < 2 || v.front() != '"') return {};
  return v.substr(1, v.find('"', 1) - 1);
}

inline std::int64_t int_field(std::string_view frame, std::string_view key,
                              std::int64_t otherwise = -1) {
  std::string_view v = value_of(frame, key);
  std::int64_t n = otherwise;
  std::from_chars(v.data(), v.data() + v.size(), n);
  return n;
}

// The number after `prefix` at the start of `s` ("p42" with prefix "p" gives 42), or -1.
inline std::int64_t tagged_number(std::string_view s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return -1;
  std::int64_t n = -1;
  std::from_chars(s.data() + prefix.size(), s.data() + s.size(), n);
  return n;
}

}  // namespace parley::load
