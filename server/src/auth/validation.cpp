// Field rules. Messages are written for people: they appear next to the field in the client.
#include "auth/validation.hpp"

#include <algorithm>
#include <cctype>

#include "auth/common_passwords.hpp"
#include "core/text.hpp"

namespace parley::auth {
using core::has_control;
using core::utf8_length;

std::optional<std::string> check_username(std::string_view u) {
  static const std::string kRule =
      "Usernames are 3 to 32 characters: letters, digits, '.', '_' or '-', starting with a letter "
      "or digit";
  if (u.size() < 3 || u.size() > 32) return kRule;
  if (!std::isalnum(static_cast<unsigned char>(u.front()))) return kRule;
  for (unsigned char c : u) {
    if (c >= 0x80 || !(std::isalnum(c) || c == '.' || c == '_' || c == '-')) return kRule;
  }
  return std::nullopt;
}

std::optional<std::string> check_password(std::string_view p, std::string_view username) {
  if (p.size() > kMaxPasswordBytes) return "Passwords are at most 1024 bytes";
  std::size_t length = utf8_length(p);
  if (length == std::string_view::npos) return "The password is not valid UTF-8";
  if (length < kMinPasswordLength) return "Passwords need at least 8 characters";
  if (is_common_password(p)) return "This password is one of the most common ones; choose another";
  std::string lp(p), lu(username);
  std::transform(lp.begin(), lp.end(), lp.begin(), [](unsigned char c) { return std::tolower(c); });
  std::transform(lu.begin(), lu.end(), lu.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!lu.empty() && lp == lu) return "The password must not be your username";
  return std::nullopt;
}

std::optional<std::string> check_email(std::string_view e) {
  static const std::string kRule = "Enter an e-mail address like name@example.org";
  if (e.empty() || e.size() > 254 || has_control(e)) return kRule;
  // Plain addresses only: nothing a mail header or an SMTP envelope could read differently.
  constexpr std::string_view kForbidden = " <>,;:\"()[]\\";
  for (unsigned char ch : e) {
    if (ch >= 0x80 || kForbidden.find(static_cast<char>(ch)) != std::string_view::npos)
      return kRule;
  }
  auto at = e.find('@');
  if (at == 0 || at == std::string_view::npos || e.find('@', at + 1) != std::string_view::npos)
    return kRule;
  std::string_view domain = e.substr(at + 1);
  auto dot = domain.find('.');
  if (dot == 0 || dot == std::string_view::npos || domain.back() == '.') return kRule;
  return std::nullopt;
}

std::optional<std::string> check_display_name(std::string_view n) {
  auto len = utf8_length(n);
  if (len == std::string_view::npos || has_control(n))
    return "The display name contains invalid characters";
  if (len > 64) return "Display names are at most 64 characters";
  return std::nullopt;
}

std::optional<std::string> check_about(std::string_view a) {
  auto len = utf8_length(a);
  if (len == std::string_view::npos) return "The text is not valid UTF-8";
  if (len > 1000) return "The about text is at most 1000 characters";
  return std::nullopt;
}

bool is_common_password(std::string_view password) {
  std::string lower(password);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const auto& list = common_passwords();
  return std::binary_search(list.begin(), list.end(), std::string_view(lower));
}

}  // namespace parley::auth
