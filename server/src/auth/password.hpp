// Argon2id password hashing with libsodium. The parameters are recorded in each hash string
// ($argon2id$v=19$m=...,t=...,p=...), so they can be raised later and old hashes upgraded at login.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace parley::auth {

struct HashCost {
  unsigned long long ops;         // Argon2 passes (t)
  std::size_t mem_bytes;          // memory (m)
  static HashCost interactive();  // libsodium's INTERACTIVE: ~64 MiB, the default
  static HashCost minimum();      // libsodium's MIN: for tests only
};

class PasswordHasher {
 public:
  explicit PasswordHasher(HashCost cost);
  std::string hash(std::string_view password) const;
  bool verify(const std::string& hash, std::string_view password) const;
  // True when `hash` was made with other parameters than the current ones.
  bool needs_rehash(const std::string& hash) const;
  // Spends the same time as verify() on a user that does not exist, so timing reveals nothing.
  void verify_dummy(std::string_view password) const;

 private:
  HashCost cost_;
  std::string dummy_;
};

}  // namespace parley::auth
