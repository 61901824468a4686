// Web Push crypto: RFC 8291's published example byte for byte, a VAPID token another party can
// verify with the public key alone, and the key file kept across restarts.
#include "notify/webpush.hpp"
#include "notify/push_sender.hpp"

#include <arpa/inet.h>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <boost/json.hpp>

#include "core/base64.hpp"
#include "temp_dir.hpp"

namespace parley::notify {
namespace {

std::string b64(std::string_view s) {
  return *core::from_base64url(s);
}

TEST(WebPush, EncryptsRfc8291sExampleByteForByte) {
  auto body = encrypt_push(
      "When I grow up, I want to be a watermelon",
      b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZ"
          "GH6SRpkNtoIAiw4"),
      b64("BTBZMqHH6r4Tts7J_aSIgg"), b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"),
      b64("DGv6ra1nlYgDCS1FRnbzlw"));
  ASSERT_TRUE(body);
  EXPECT_EQ(
      core::base64url(*body),
      "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYW"
      "AmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgS"
      "xsj_Qulcy4a-fN");
}

TEST(WebPush, RefusesKeysThatAreNotAP256Point) {
  std::string auth(16, 'a');
  EXPECT_FALSE(encrypt_push("x", std::string(65, '\x04'), auth));  // not on the curve
  EXPECT_FALSE(encrypt_push("x", std::string(33, '\x02'), auth));  // compressed: not accepted
  auto ua = b64(
      "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4");
  EXPECT_FALSE(encrypt_push("x", ua, "short"));
  auto a = encrypt_push("x", ua, auth), b = encrypt_push("x", ua, auth);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b) << "a fresh salt and key each time";
}

// Verifies a JWS ES256 signature (r || s) with a raw public point, independently of VapidKey.
bool verify_es256(std::string_view input, std::string_view rs, std::string_view point) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(kctx);
  EVP_PKEY_fromdata(kctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(rs.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(rs.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(md, der, static_cast<std::size_t>(der_len),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(kctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return ok;
}

TEST(WebPush, TheVapidTokenVerifiesWithThePublicKeyAndNamesTheEndpointsOrigin) {
  auto key = VapidKey::from_private(b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"));
  EXPECT_EQ(
      core::base64url(key.public_raw()),
      "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8");
  auto header =
      key.authorization("https://push.example.net", "mailto:admin@example.org", 1764143600);
  ASSERT_EQ(header.rfind("vapid t=", 0), 0u) << header;
  auto comma = header.find(", k=");
  std::string jwt = header.substr(8, comma - 8);
  EXPECT_EQ(header.substr(comma + 4), core::base64url(key.public_raw()));
  auto dot1 = jwt.find('.'), dot2 = jwt.rfind('.');
  auto claims = boost::json::parse(b64(jwt.substr(dot1 + 1, dot2 - dot1 - 1))).as_object();
  EXPECT_EQ(claims.at("aud").as_string(), "https://push.example.net");
  EXPECT_EQ(claims.at("sub").as_string(), "mailto:admin@example.org");
  EXPECT_EQ(claims.at("exp").as_int64(), 1764143600);
  auto head = boost::json::parse(b64(jwt.substr(0, dot1))).as_object();
  EXPECT_EQ(head.at("alg").as_string(), "ES256");
  std::string sig = b64(jwt.substr(dot2 + 1));
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_TRUE(verify_es256(jwt.substr(0, dot2), sig, key.public_raw()));
  std::string tampered = jwt.substr(0, dot2) + "x";
  EXPECT_FALSE(verify_es256(tampered, sig, key.public_raw()));
}

TEST(WebPush, TheKeyIsMadeOnceAndKeptInAnOwnerOnlyFile) {
  testing::TempDir dir{"vapid"};
  auto path = dir.path() / "vapid.pem";
  std::string first = VapidKey::load_or_create(path).public_raw();
  EXPECT_EQ(first.size(), 65u);
  EXPECT_EQ(VapidKey::load_or_create(path).public_raw(), first);
  auto perms = std::filesystem::status(path).permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

TEST(WebPush, TheAudienceIsTheEndpointsOrigin) {
  EXPECT_EQ(endpoint_origin("https://fcm.googleapis.com/fcm/send/abc"),
            "https://fcm.googleapis.com");
  EXPECT_EQ(endpoint_origin("http://127.0.0.1:9000/push/1"), "http://127.0.0.1:9000");
  EXPECT_EQ(endpoint_origin("ftp://x/y"), "");
}

TEST(Base64Url, RoundTripsAndRefusesOtherText) {
  for (std::string s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                        std::string("abcd"), std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(core::from_base64url(core::base64url(s)), s);
  }
  EXPECT_FALSE(core::from_base64url("a*b"));
  EXPECT_EQ(core::from_base64url("YQ=="), "a");
}

bool internal(const char* text) {
  sockaddr_storage ss{};
  if (inet_pton(AF_INET, text, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr) == 1) {
    ss.ss_family = AF_INET;
  } else {
    inet_pton(AF_INET6, text, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr);
    ss.ss_family = AF_INET6;
  }
  return internal_address(reinterpret_cast<const sockaddr*>(&ss));
}

TEST(PushSender, NeverPostsToThisMachineOrItsNetworks) {
  for (const char* a : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::",
                        "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "ff02::1"}) {
    EXPECT_TRUE(internal(a)) << a;
  }
  for (const char* a : {"142.250.74.46", "172.32.0.1", "100.128.0.1", "8.8.8.8",
                        "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8"}) {
    EXPECT_FALSE(internal(a)) << a;
  }
}

}  // namespace
}  // namespace parley::notify
