// Ids in log lines and fmt::format: printed as their number. Apart from core/id.hpp so that
// header stays free of fmt.
#pragma once

#include <fmt/format.h>

#include "core/id.hpp"

template <class Tag, class Rep>
struct fmt::formatter<parley::Id<Tag, Rep>> : fmt::formatter<Rep> {
  auto format(parley::Id<Tag, Rep> id, format_context& ctx) const {
    return fmt::formatter<Rep>::format(id.value(), ctx);
  }
};
