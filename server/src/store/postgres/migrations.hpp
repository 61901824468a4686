// The PostgreSQL schema migrations compiled into the binary (generated from
// server/migrations/postgres).
#pragma once

#include <string_view>
#include <vector>

namespace parley::store::pg {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

const std::vector<Migration>& migrations();  // ascending versions, 1..N without gaps

}  // namespace parley::store::pg
