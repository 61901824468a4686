// libsodium crypto_pwhash_str (Argon2id).
#include "auth/password.hpp"

#include <sodium.h>

#include <stdexcept>

namespace parley::auth {

HashCost HashCost::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

HashCost HashCost::minimum() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

PasswordHasher::PasswordHasher(HashCost cost) : cost_(cost) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  dummy_ = hash("not a real password: timing equaliser");
}

std::string PasswordHasher::hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost_.ops, cost_.mem_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("out of memory while hashing a password");
  }
  return out;
}

bool PasswordHasher::verify(const std::string& hash, std::string_view password) const {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(const std::string& hash) const {
  return crypto_pwhash_str_needs_rehash(hash.c_str(), cost_.ops, cost_.mem_bytes) != 0;
}

void PasswordHasher::verify_dummy(std::string_view password) const {
  (void)verify(dummy_, password);
}

}  // namespace parley::auth
