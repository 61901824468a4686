#include "auth/oidc.hpp"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <boost/json.hpp>

#include "core/base64.hpp"

namespace parley::auth::oidc {
namespace {

namespace json = boost::json;
using core::Errc;
using core::make_error;

core::Error refused(std::string why) {
  return make_error(Errc::kUnauthorized, "The sign-in provider's token was refused: " + why);
}

std::string str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                  : std::string();
}

std::optional<json::object> decode_part(std::string_view part) {
  auto bytes = core::from_base64url(part);
  if (!bytes) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*bytes, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

EVP_PKEY* from_params(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    key = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return key;
}

BIGNUM* bn(const std::string& raw) {
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()),
                   nullptr);
}

}  // namespace

struct KeySet::Key {
  std::string alg;  // "RS256" or "ES256"
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

KeySet::KeySet() = default;
KeySet::KeySet(KeySet&&) noexcept = default;
KeySet& KeySet::operator=(KeySet&&) noexcept = default;
KeySet::~KeySet() = default;

bool KeySet::has(const std::string& kid) const {
  return keys_.count(kid) > 0;
}
std::size_t KeySet::size() const {
  return keys_.size();
}

const KeySet::Key* KeySet::find(const std::string& kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : it->second.get();
}

core::Result<KeySet> KeySet::parse(std::string_view jwks_json) {
  boost::system::error_code ec;
  auto v = json::parse(jwks_json, ec);
  if (ec || !v.is_object() || !v.as_object().contains("keys") ||
      !v.as_object().at("keys").is_array()) {
    return make_error(Errc::kInvalid, "not a JWKS document");
  }
  KeySet set;
  for (const auto& item : v.as_object().at("keys").as_array()) {
    if (!item.is_object()) continue;
    const auto& k = item.as_object();
    auto use = str(k, "use");
    if (!use.empty() && use != "sig") continue;
    auto key = std::make_unique<Key>();
    auto kty = str(k, "kty");
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    if (kty == "RSA") {
      auto n = core::from_base64url(str(k, "n")), e = core::from_base64url(str(k, "e"));
      if (n && e && n->size() >= 256) {  // 2048 bits at least
        BIGNUM *bn_n = bn(*n), *bn_e = bn(*e);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
        key->pkey = from_params("RSA", bld);
        key->alg = "RS256";
        BN_free(bn_n);
        BN_free(bn_e);
      }
    } else if (kty == "EC" && str(k, "crv") == "P-256") {
      auto x = core::from_base64url(str(k, "x")), y = core::from_base64url(str(k, "y"));
      if (x && y && x->size() == 32 && y->size() == 32) {
        std::string point = "\x04" + *x + *y;
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
        key->pkey = from_params("EC", bld);
        key->alg = "ES256";
      }
    }
    OSSL_PARAM_BLD_free(bld);
    auto alg = str(k, "alg");
    if (!key->pkey || (!alg.empty() && alg != key->alg)) continue;
    set.keys_[str(k, "kid")] = std::move(key);
  }
  return set;
}

std::optional<std::string> token_kid(std::string_view jwt) {
  auto dot = jwt.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto header = decode_part(jwt.substr(0, dot));
  if (!header) return std::nullopt;
  return str(*header, "kid");
}

core::Result<IdToken> verify_id_token(std::string_view jwt, const KeySet& keys, const Expected& x) {
  if (jwt.size() > 16384) return refused("too large");
  auto dot1 = jwt.find('.');
  auto dot2 = jwt.rfind('.');
  if (dot1 == std::string_view::npos || dot1 == dot2) return refused("not a signed JWT");
  auto header = decode_part(jwt.substr(0, dot1));
  auto claims = decode_part(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = core::from_base64url(jwt.substr(dot2 + 1));
  if (!header || !claims || !sig) return refused("malformed");

  // The algorithm is the key's, never the token's choice (no "none", no HS256 with a public key).
  auto alg = str(*header, "alg");
  const auto* key = keys.find(str(*header, "kid"));
  if (!key) return refused("signed with a key the provider does not publish");
  if (alg != key->alg) return refused("wrong signature algorithm");
  std::string der;
  if (key->alg == "ES256") {
    if (sig->size() != 64) return refused("bad signature");
    ECDSA_SIG* s = ECDSA_SIG_new();
    ECDSA_SIG_set0(s, bn(sig->substr(0, 32)), bn(sig->substr(32)));
    unsigned char* out = nullptr;
    int len = i2d_ECDSA_SIG(s, &out);
    if (len > 0) der.assign(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
    OPENSSL_free(out);
    ECDSA_SIG_free(s);
  } else {
    der = *sig;
  }
  std::string_view input = jwt.substr(0, dot2);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key->pkey) == 1 &&
      EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  if (!ok) return refused("bad signature");

  const auto& c = *claims;
  IdToken t;
  t.issuer = str(c, "iss");
  t.subject = str(c, "sub");
  if (t.issuer != x.issuer) return refused("wrong issuer");
  bool audience = false;
  if (auto it = c.find("aud"); it != c.end()) {
    if (it->value().is_string()) audience = it->value().as_string() == x.client_id;
    if (it->value().is_array()) {
      for (const auto& a : it->value().as_array())
        audience |= a.is_string() && a.as_string() == x.client_id;
      // Several audiences: the authorised party must be us.
      if (audience && it->value().as_array().size() > 1 && str(c, "azp") != x.client_id) {
        audience = false;
      }
    }
  }
  if (!audience) return refused("issued for another application");
  auto number = [&](std::string_view k) -> std::optional<std::int64_t> {
    auto it = c.find(k);
    if (it == c.end() || !it->value().is_number()) return std::nullopt;
    return it->value().to_number<std::int64_t>();
  };
  auto exp = number("exp"), iat = number("iat");
  if (!exp || *exp + x.leeway_s < x.now_s) return refused("expired");
  if (!iat || *iat - x.leeway_s > x.now_s) return refused("issued in the future");
  if (str(c, "nonce") != x.nonce || x.nonce.empty()) return refused("wrong nonce");
  if (t.subject.empty() || t.subject.size() > 255) return refused("no subject");
  t.expires_s = *exp;
  t.email = str(c, "email");
  if (auto it = c.find("email_verified"); it != c.end()) {
    t.email_verified = (it->value().is_bool() && it->value().as_bool()) ||
                       (it->value().is_string() && it->value().as_string() == "true");
  }
  t.name = str(c, "name");
  t.preferred_username = str(c, "preferred_username");
  return t;
}

}  // namespace parley::auth::oidc
