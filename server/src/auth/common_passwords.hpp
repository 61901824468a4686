// The 1,000 most common passwords, lower-cased and sorted, generated at build time from the npm
// package @zxcvbn-ts/language-common (ranked by frequency) by scripts/gen-common-passwords.mjs.
#pragma once

#include <string_view>
#include <vector>

namespace parley::auth {

const std::vector<std::string_view>& common_passwords();

}  // namespace parley::auth
