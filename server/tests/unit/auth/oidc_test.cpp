// OIDC ID tokens: signed by the provider's published keys (RS256 and ES256) and checked claim by
// claim; each forgery and mistake a provider or an attacker could make is refused.
#include "auth/oidc.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>

#include "core/base64.hpp"

namespace parley::auth::oidc {
namespace {

namespace json = boost::json;

std::string b64(std::string_view s) {
  return core::base64url(s);
}

std::string bn_bytes(EVP_PKEY* key, const char* name) {
  BIGNUM* v = nullptr;
  EVP_PKEY_get_bn_param(key, name, &v);
  std::string out(static_cast<std::size_t>(BN_num_bytes(v)), '\0');
  BN_bn2bin(v, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(v);
  return out;
}

// A provider's key: signs tokens, publishes itself as a JWK.
struct ProviderKey {
  EVP_PKEY* key;
  std::string alg, kid;
  ProviderKey(const char* type, std::string kid_)
      : key(std::string(type) == "RSA" ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256")),
        alg(std::string(type) == "RSA" ? "RS256" : "ES256"),
        kid(std::move(kid_)) {}
  ~ProviderKey() { EVP_PKEY_free(key); }

  json::object jwk() const {
    if (alg == "RS256") {
      return {{"kty", "RSA"},
              {"kid", kid},
              {"use", "sig"},
              {"alg", "RS256"},
              {"n", b64(bn_bytes(key, OSSL_PKEY_PARAM_RSA_N))},
              {"e", b64(bn_bytes(key, OSSL_PKEY_PARAM_RSA_E))}};
    }
    unsigned char pt[65];
    std::size_t len = 0;
    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &len);
    std::string p(reinterpret_cast<char*>(pt), len);
    return {{"kty", "EC"},
            {"crv", "P-256"},
            {"kid", kid},
            {"x", b64(p.substr(1, 32))},
            {"y", b64(p.substr(33, 32))}};
  }

  std::string sign(const json::object& claims, std::string header_alg = "") const {
    json::object header{
        {"alg", header_alg.empty() ? alg : header_alg}, {"kid", kid}, {"typ", "JWT"}};
    std::string input = b64(json::serialize(header)) + "." + b64(json::serialize(claims));
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    std::size_t len = 0;
    EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
    EVP_MD_CTX_free(md);
    if (alg == "ES256") {  // DER → r || s
      const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
      ECDSA_SIG* s = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
      unsigned char rs[64];
      BN_bn2binpad(ECDSA_SIG_get0_r(s), rs, 32);
      BN_bn2binpad(ECDSA_SIG_get0_s(s), rs + 32, 32);
      ECDSA_SIG_free(s);
      sig.assign(reinterpret_cast<char*>(rs), 64);
    }
    return input + "." + b64(sig);
  }
};

constexpr std::int64_t kNow = 1764140000;

json::object claims() {
  return {{"iss", "https://id.example.org"},
          {"sub", "user-1"},
          {"aud", "parley"},
          {"exp", kNow + 300},
          {"iat", kNow - 10},
          {"nonce", "n-123"},
          {"email", "ann@example.org"},
          {"email_verified", true},
          {"name", "Ann"}};
}

Expected expected() {
  return {"https://id.example.org", "parley", "n-123", kNow, 60};
}

class OidcTest : public ::testing::Test {
 protected:
  // RSA key generation is slow (under ASan): made once for the suite.
  static void SetUpTestSuite() {
    rsa = new ProviderKey("RSA", "r1");
    ec = new ProviderKey("EC", "e1");
    stranger = new ProviderKey("RSA", "r1");
  }
  static void TearDownTestSuite() {
    delete rsa;
    delete ec;
    delete stranger;
  }
  static inline ProviderKey *rsa = nullptr, *ec = nullptr, *stranger = nullptr;
  KeySet keys =
      std::move(*KeySet::parse(json::serialize(json::object{{"keys", {rsa->jwk(), ec->jwk()}}})));

  std::string why(const std::string& token) {
    auto r = verify_id_token(token, keys, expected());
    return r ? "accepted" : r.error().message;
  }
};

TEST_F(OidcTest, TokensSignedWithThePublishedKeysAreAccepted) {
  ASSERT_EQ(keys.size(), 2u);
  for (const auto* k : {rsa, ec}) {
    auto t = verify_id_token(k->sign(claims()), keys, expected());
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->subject, "user-1");
    EXPECT_EQ(t->email, "ann@example.org");
    EXPECT_TRUE(t->email_verified);
    EXPECT_EQ(t->name, "Ann");
  }
  EXPECT_EQ(token_kid(ec->sign(claims())), "e1");
}

TEST_F(OidcTest, ForgeriesAreRefused) {
  EXPECT_NE(why(stranger->sign(claims())).find("bad signature"), std::string::npos)
      << "another key under a published kid";
  auto good = rsa->sign(claims());
  std::string tampered = good;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_NE(why(tampered).find("bad signature"), std::string::npos);
  // A claim changed after signing.
  auto dot1 = good.find('.'), dot2 = good.rfind('.');
  auto c = claims();
  c["sub"] = "admin";
  std::string swapped = good.substr(0, dot1) + "." + b64(json::serialize(c)) + good.substr(dot2);
  EXPECT_NE(why(swapped).find("bad signature"), std::string::npos);
  // "none", and an algorithm other than the key's.
  std::string none =
      b64(R"({"alg":"none","kid":"r1"})") + "." + b64(json::serialize(claims())) + ".";
  EXPECT_NE(why(none), "accepted");
  EXPECT_NE(why(rsa->sign(claims(), "HS256")).find("algorithm"), std::string::npos);
  EXPECT_NE(why(ProviderKey("EC", "unknown").sign(claims())).find("does not publish"),
            std::string::npos);
  EXPECT_NE(why("not.a.token"), "accepted");
  EXPECT_NE(why(""), "accepted");
}

TEST_F(OidcTest, EachClaimIsChecked) {
  auto with = [&](const char* key, json::value v) {
    auto c = claims();
    c[key] = std::move(v);
    return why(rsa->sign(c));
  };
  EXPECT_NE(with("iss", "https://evil.example").find("issuer"), std::string::npos);
  EXPECT_NE(with("aud", "someone-else").find("another application"), std::string::npos);
  EXPECT_NE(with("aud", json::array{"someone-else", "parley"}).find("another application"),
            std::string::npos)
      << "several audiences need azp = us";
  EXPECT_NE(with("exp", kNow - 61).find("expired"), std::string::npos);
  EXPECT_EQ(with("exp", kNow - 59), "accepted") << "within the leeway";
  EXPECT_NE(with("iat", kNow + 120).find("future"), std::string::npos);
  EXPECT_NE(with("nonce", "n-999").find("nonce"), std::string::npos);
  auto c = claims();
  c.erase("nonce");
  EXPECT_NE(why(rsa->sign(c)).find("nonce"), std::string::npos);
  c = claims();
  c["aud"] = json::array{"parley", "other"};
  c["azp"] = "parley";
  EXPECT_EQ(why(rsa->sign(c)), "accepted");
}

TEST_F(OidcTest, KeySetsKeepOnlyUsableSigningKeys) {
  auto set = KeySet::parse(json::serialize(json::object{
      {"keys",
       {json::object{{"kty", "RSA"}, {"kid", "enc"}, {"use", "enc"}, {"n", "AQAB"}, {"e", "AQAB"}},
        json::object{{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}},
        json::object{{"kty", "EC"}, {"crv", "P-384"}, {"kid", "p384"}, {"x", "AA"}, {"y", "AA"}},
        json::object{{"kty", "RSA"}, {"kid", "short"}, {"n", "AQAB"}, {"e", "AQAB"}},
        ec->jwk()}}}));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->size(), 1u);
  EXPECT_TRUE(set->has("e1"));
  EXPECT_FALSE(KeySet::parse("[]"));
  EXPECT_FALSE(KeySet::parse("{"));
}

}  // namespace
}  // namespace parley::auth::oidc
