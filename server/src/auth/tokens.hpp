// Secrets handed to browsers (session cookies, e-mail links, CSRF tokens): 256 random bits in
// base64url. Only their SHA-256 is ever stored.
#pragma once

#include <string>
#include <string_view>

namespace parley::auth {

std::string random_token();                      // 43 characters of base64url
std::string token_hash(std::string_view token);  // hex SHA-256
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace parley::auth
