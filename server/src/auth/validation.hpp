// The rules for what people may choose: usernames, passwords, e-mail addresses, profile text and
// roaming settings. Each check returns the message to show next to the field, or nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::auth {

inline constexpr std::size_t kMinPasswordLength = 8;
inline constexpr std::size_t kMaxPasswordBytes = 1024;  // bounds the hashing work per request

std::optional<std::string> check_username(std::string_view username);
std::optional<std::string> check_password(std::string_view password, std::string_view username);
std::optional<std::string> check_email(std::string_view email);
std::optional<std::string> check_display_name(std::string_view name);
std::optional<std::string> check_about(std::string_view about);

// True when `password` is one of the 1,000 most common passwords (case-insensitive).
bool is_common_password(std::string_view password);

}  // namespace parley::auth
