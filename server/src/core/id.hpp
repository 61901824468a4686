// Id<Tag, Rep>: a number that names one kind of thing. Ids of different kinds are different types,
// so a room id cannot be passed where a user id is expected; the number is reached with value()
// only where it leaves or enters the program (SQL, JSON, Redis, a URL). Zero means "none".
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace parley {

template <class Tag, class Rep = std::int64_t>
class Id {
 public:
  using rep = Rep;

  constexpr Id() = default;
  constexpr explicit Id(Rep value) : value_(value) {}

  constexpr Rep value() const { return value_; }
  // Whether it names something (ids start at 1; 0 is "none").
  constexpr explicit operator bool() const { return value_ != 0; }

  friend constexpr bool operator==(Id, Id) = default;
  friend constexpr auto operator<=>(Id, Id) = default;

 private:
  Rep value_ = 0;
};

}  // namespace parley

template <class Tag, class Rep>
struct std::hash<parley::Id<Tag, Rep>> {
  std::size_t operator()(parley::Id<Tag, Rep> id) const noexcept {
    return std::hash<Rep>()(id.value());
  }
};
