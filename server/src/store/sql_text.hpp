// Text both SQL stores (SQLite and PostgreSQL) keep the same way: the lower-case keys that make
// names unique and searchable in any case, LIKE patterns of what a user typed, and id lists as
// 'id,id' (an invitation's rooms).
#pragma once

#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/id.hpp"

namespace parley::store {

// ASCII only, as the *_key columns are.
inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// LIKE pattern for a user-given fragment, lower-cased: its wildcards are matched literally
// (ESCAPE '\').
inline std::string like_escape(std::string_view s) {
  std::string out;
  for (char ch : lower(s)) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

// Who may see the presence (online, last seen) of the user in row `u`: they themselves and whoever
// shares a room with them. `viewer` is the viewer's parameter ("?2", "$2").
inline std::string presence_visible_to(std::string_view viewer) {
  const std::string v(viewer);
  return "(u.id = " + v + " OR EXISTS (SELECT 1 FROM members a JOIN members b ON b.room_id = " +
         "a.room_id WHERE a.user_id = " + v + " AND b.user_id = u.id))";
}

// A number as stored: an id's value, or the number itself.
inline std::int64_t stored(std::int64_t v) {
  return v;
}
template <class Tag>
std::int64_t stored(Id<Tag> id) {
  return id.value();
}

template <class T>
std::string join_ids(const std::vector<T>& ids) {
  std::string out;
  for (auto id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(stored(id));
  }
  return out;
}

template <class T = std::int64_t>
std::vector<T> split_ids(std::string_view s) {
  std::vector<T> out;
  while (!s.empty()) {
    auto comma = s.find(',');
    auto part = s.substr(0, comma);
    std::int64_t id = 0;
    std::from_chars(part.data(), part.data() + part.size(), id);
    if (id) out.push_back(T{id});
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace parley::store
