// IP addresses as text: one spelling for each (an IPv4-mapped IPv6 address is its IPv4 one), so
// two spellings of the same address compare equal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::core {

// "10.0.0.1", "::ffff:10.0.0.1" → "10.0.0.1"; "2001:DB8::1" → "2001:db8::1"; not an address →
// nullopt.
std::optional<std::string> canonical_address(std::string_view text);

}  // namespace parley::core
