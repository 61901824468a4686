// Internal to store/postgres: rows read into the store's values, and array literals, which the
// PostgreSQL store's parts share (accounts, administration, files).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/pg.hpp"
#include "store/sql_text.hpp"
#include "store/store.hpp"

namespace parley::store::pg {

// Ids as a PostgreSQL array literal, for `= ANY($n::bigint[])`.
template <class T>
std::string id_array(const std::vector<T>& ids) {
  return "{" + join_ids(ids) + "}";
}

// Texts as a PostgreSQL array literal, for `= ANY($n::text[])`.
inline std::string text_array(const std::vector<std::string>& texts) {
  std::string out = "{";
  for (const auto& t : texts) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char ch : t) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

inline constexpr std::string_view kUserColumns =
    "id, username, email, email_confirmed, password_hash, display_name, about, avatar, is_admin, "
    "is_guest, settings, created_at, deactivated, last_seen";

inline User read_user(const Result& r, int row) {
  User u;
  u.id = r.id<UserId>(row, 0);
  u.username = r.text(row, 1);
  u.email = r.opt_text(row, 2);
  u.email_confirmed = r.boolean(row, 3);
  u.password_hash = r.text(row, 4);
  u.display_name = r.text(row, 5);
  u.about = r.text(row, 6);
  u.avatar = r.text(row, 7);
  u.is_admin = r.boolean(row, 8);
  u.is_guest = r.boolean(row, 9);
  u.settings = r.text(row, 10);
  u.created_at = r.i64(row, 11);
  u.deactivated = r.boolean(row, 12);
  u.last_seen = r.i64(row, 13);
  return u;
}

// (id, username, display_name) of a user named in a list; the rest as lists show it.
inline UserBrief read_brief(const Result& r, int row, int first) {
  return UserBrief{
      r.id<UserId>(row, first), r.text(row, first + 1), r.text(row, first + 2), 0, "", true};
}

// The columns of a file as messages show it (files f JOIN blobs b), read by read_file_info.
inline constexpr std::string_view kFileInfoColumns =
    "f.id, f.name, b.size, b.type, b.kind, b.width, b.height, b.animated, b.thumb, b.preview";

inline FileInfo read_file_info(const Result& r, int row, int first = 0) {
  return FileInfo{r.i64(row, first),
                  r.text(row, first + 1),
                  r.i64(row, first + 2),
                  r.text(row, first + 3),
                  r.text(row, first + 4),
                  static_cast<int>(r.i64(row, first + 5)),
                  static_cast<int>(r.i64(row, first + 6)),
                  r.i64(row, first + 7) != 0,
                  r.i64(row, first + 8) != 0,
                  r.i64(row, first + 9) != 0};
}

}  // namespace parley::store::pg
