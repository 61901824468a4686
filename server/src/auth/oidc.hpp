// OpenID Connect ID tokens: the provider's signing keys from its JWKS, and an ID token checked
// as OIDC Core §3.1.3.7 asks — signature (RS256 or ES256 only, by `kid`), `iss`, `aud`, `exp`,
// `iat`, `nonce`. The sign-in flow (discovery, authorization code with PKCE, state) builds on it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace parley::auth::oidc {

// The keys of a JWKS document, by `kid` (a key without one is kept under "").
class KeySet {
 public:
  // Keys it cannot use (other types, curves, or `use` other than "sig") are left out; kInvalid
  // when the document is not a JWKS.
  static core::Result<KeySet> parse(std::string_view jwks_json);
  KeySet();
  KeySet(KeySet&&) noexcept;
  KeySet& operator=(KeySet&&) noexcept;
  ~KeySet();
  bool has(const std::string& kid) const;
  std::size_t size() const;

  struct Key;
  const Key* find(const std::string& kid) const;

 private:
  std::map<std::string, std::unique_ptr<Key>> keys_;
};

struct Expected {
  std::string issuer;
  std::string client_id;
  std::string nonce;
  std::int64_t now_s = 0;
  std::int64_t leeway_s = 60;  // clock skew allowed on exp and iat
};

struct IdToken {
  std::string issuer;
  std::string subject;
  std::string email;
  bool email_verified = false;
  std::string name;
  std::string preferred_username;
  std::int64_t expires_s = 0;
};

// What the token header names: its `kid`, to refresh the keys when it is unknown.
std::optional<std::string> token_kid(std::string_view jwt);

// kUnauthorized with a message saying which check failed.
core::Result<IdToken> verify_id_token(std::string_view jwt, const KeySet& keys,
                                      const Expected& expected);

}  // namespace parley::auth::oidc
