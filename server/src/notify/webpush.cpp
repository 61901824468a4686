#include "notify/webpush.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <unistd.h>

#include <boost/json.hpp>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/base64.hpp"

namespace parley::notify {
namespace {

namespace json = boost::json;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("webpush: ") + what);
}

std::string public_point(EVP_PKEY* key) {
  unsigned char buf[65];
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len) != 1 ||
      len != 65) {
    fail("cannot read a public key");
  }
  return std::string(reinterpret_cast<char*>(buf), len);
}

Pkey generate() {
  Pkey key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot make a P-256 key");
  return key;
}

// A P-256 key from its raw parts: a private scalar (with its public point), or a public point.
Pkey make_key(std::optional<std::string_view> priv, std::string_view pub) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  BIGNUM* d = nullptr;
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size());
  if (priv) {
    d = BN_bin2bn(reinterpret_cast<const unsigned char*>(priv->data()),
                  static_cast<int>(priv->size()), nullptr);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  bool ok = ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
            EVP_PKEY_fromdata(ctx.get(), &raw, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                              params) == 1;
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(d);
  Pkey key(raw);
  if (!ok || !key) return nullptr;
  if (!priv) {  // a point off the curve is refused here
    PkeyCtx check(EVP_PKEY_CTX_new(key.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
  }
  return key;
}

// The public point of a raw private scalar.
std::string point_of(std::string_view priv) {
  BIGNUM* d = BN_bin2bn(reinterpret_cast<const unsigned char*>(priv.data()),
                        static_cast<int>(priv.size()), nullptr);
  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  EC_POINT* p = EC_POINT_new(group);
  EC_POINT_mul(group, p, d, nullptr, nullptr, nullptr);
  unsigned char buf[65];
  std::size_t n =
      EC_POINT_point2oct(group, p, POINT_CONVERSION_UNCOMPRESSED, buf, sizeof buf, nullptr);
  EC_POINT_free(p);
  EC_GROUP_free(group);
  BN_free(d);
  if (n != 65) fail("bad private key");
  return std::string(reinterpret_cast<char*>(buf), n);
}

std::string ecdh(EVP_PKEY* mine, EVP_PKEY* theirs) {
  PkeyCtx ctx(EVP_PKEY_CTX_new(mine, nullptr));
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), theirs) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    fail("ECDH failed");
  }
  std::string out(len, '\0');
  if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1) {
    fail("ECDH failed");
  }
  out.resize(len);
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// HKDF (RFC 5869) with one block of output, cut to `len` bytes: all Web Push needs.
std::string hkdf(std::string_view salt, std::string_view ikm, std::string_view info,
                 std::size_t len) {
  std::string prk = hmac_sha256(salt, ikm);
  std::string t = hmac_sha256(prk, std::string(info) + '\x01');
  return t.substr(0, len);
}

std::string aes128gcm(std::string_view key, std::string_view nonce, std::string_view plaintext) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::string out(plaintext.size() + 16, '\0');
  int len = 0, total = 0;
  bool ok =
      EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx, nullptr, nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                         reinterpret_cast<const unsigned char*>(nonce.data())) == 1 &&
      EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) == 1;
  total = len;
  ok = ok &&
       EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + total, &len) == 1;
  total += len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + total) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) fail("AES-GCM failed");
  out.resize(static_cast<std::size_t>(total) + 16);
  return out;
}

}  // namespace

struct VapidKey::Key {
  Pkey pkey;
};

VapidKey::VapidKey(std::unique_ptr<Key> key)
    : key_(std::move(key)), public_raw_(public_point(key_->pkey.get())) {}
VapidKey::VapidKey(VapidKey&&) noexcept = default;
VapidKey& VapidKey::operator=(VapidKey&&) noexcept = default;
VapidKey::~VapidKey() = default;

VapidKey VapidKey::load_or_create(const std::filesystem::path& pem_file) {
  auto load = [&] {
    FILE* f = std::fopen(pem_file.c_str(), "r");
    if (!f) fail("cannot read the VAPID key file");
    Pkey key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
    std::fclose(f);
    if (!key) fail("the VAPID key file holds no private key");
    return VapidKey(std::make_unique<Key>(Key{std::move(key)}));
  };
  if (std::filesystem::exists(pem_file)) return load();
  Pkey key = generate();
  // A name of this process's own, then link(): the nodes of a cluster share the data directory,
  // and when several start at once exactly one key wins; the others load it.
  auto tmp = pem_file;
  tmp += ".part." + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) fail("cannot write the VAPID key file");
  std::filesystem::permissions(
      tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  bool ok = PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) fail("cannot write the VAPID key file");
  bool mine = ::link(tmp.c_str(), pem_file.c_str()) == 0;
  int err = errno;
  std::filesystem::remove(tmp);
  if (!mine) {
    if (err == EEXIST) return load();
    fail("cannot write the VAPID key file");
  }
  return VapidKey(std::make_unique<Key>(Key{std::move(key)}));
}

VapidKey VapidKey::from_private(std::string_view raw32) {
  Pkey key = make_key(raw32, point_of(raw32));
  if (!key) fail("bad private key");
  return VapidKey(std::make_unique<Key>(Key{std::move(key)}));
}

std::string VapidKey::authorization(std::string_view audience, std::string_view subject,
                                    long long expires_at_s) const {
  std::string header = core::base64url(R"({"typ":"JWT","alg":"ES256"})");
  std::string claims = core::base64url(
      json::serialize(json::object{{"aud", audience}, {"exp", expires_at_s}, {"sub", subject}}));
  std::string input = header + "." + claims;
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::size_t len = 0;
  bool ok = EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key_->pkey.get()) == 1 &&
            EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1;
  std::string der(len, '\0');
  ok =
      ok && EVP_DigestSign(md, reinterpret_cast<unsigned char*>(der.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  if (!ok) fail("signing the VAPID token failed");
  // JWS wants r || s, 32 bytes each; OpenSSL gives a DER sequence.
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  if (!sig) fail("bad signature");
  unsigned char rs[64];
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32);
  ECDSA_SIG_free(sig);
  std::string jwt =
      input + "." + core::base64url(std::string_view(reinterpret_cast<char*>(rs), 64));
  return "vapid t=" + jwt + ", k=" + core::base64url(public_raw_);
}

std::optional<std::string> encrypt_push(std::string_view plaintext, std::string_view ua_public,
                                        std::string_view auth_secret,
                                        std::optional<std::string_view> ephemeral_private,
                                        std::optional<std::string_view> salt_in) {
  if (ua_public.size() != 65 || ua_public[0] != '\x04' || auth_secret.size() != 16) {
    return std::nullopt;
  }
  Pkey ua = make_key(std::nullopt, ua_public);
  if (!ua) return std::nullopt;
  Pkey as =
      ephemeral_private ? make_key(*ephemeral_private, point_of(*ephemeral_private)) : generate();
  if (!as) fail("bad ephemeral key");
  std::string as_public = public_point(as.get());
  std::string salt(16, '\0');
  if (salt_in) {
    salt = std::string(*salt_in);
  } else if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), 16) != 1) {
    fail("no randomness");
  }

  std::string shared = ecdh(as.get(), ua.get());
  std::string key_info = std::string("WebPush: info") + '\0' + std::string(ua_public) + as_public;
  std::string ikm = hkdf(auth_secret, shared, key_info, 32);
  std::string cek = hkdf(salt, ikm, std::string("Content-Encoding: aes128gcm") + '\0', 16);
  std::string nonce = hkdf(salt, ikm, std::string("Content-Encoding: nonce") + '\0', 12);
  std::string padded = std::string(plaintext) + '\x02';  // the last (only) record's delimiter

  std::string body = salt;
  const std::uint32_t rs = 4096;
  for (int shift = 24; shift >= 0; shift -= 8) body += static_cast<char>((rs >> shift) & 0xFF);
  body += static_cast<char>(65);
  body += as_public;
  body += aes128gcm(cek, nonce, padded);
  return body;
}

std::string endpoint_origin(std::string_view endpoint) {
  auto scheme_end = endpoint.find("://");
  if (scheme_end == std::string_view::npos) return {};
  auto scheme = endpoint.substr(0, scheme_end);
  if (scheme != "https" && scheme != "http") return {};
  auto host_end = endpoint.find('/', scheme_end + 3);
  return std::string(endpoint.substr(0, host_end));
}

}  // namespace parley::notify
