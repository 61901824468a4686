// Web Push on open standards, with OpenSSL: the server's VAPID key pair (RFC 8292), the
// Authorization header of a push request (an ES256 JWT), and message encryption (RFC 8291,
// aes128gcm content coding of RFC 8188). No push service's SDK.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::notify {

// The server's P-256 key pair for VAPID, kept in a PEM file in the data directory.
class VapidKey {
 public:
  // Reads the key in `pem_file`, or makes one and writes it there (owner-only) on first start.
  static VapidKey load_or_create(const std::filesystem::path& pem_file);
  // From a raw 32-byte private scalar (tests).
  static VapidKey from_private(std::string_view raw32);
  VapidKey(VapidKey&&) noexcept;
  VapidKey& operator=(VapidKey&&) noexcept;
  ~VapidKey();

  // The uncompressed public point (65 bytes): what browsers get as applicationServerKey.
  const std::string& public_raw() const { return public_raw_; }
  // "vapid t=<JWT>, k=<public key>" for an endpoint's origin ("https://push.example.net").
  std::string authorization(std::string_view audience, std::string_view subject,
                            long long expires_at_s) const;

  struct Key;

 private:
  explicit VapidKey(std::unique_ptr<Key> key);
  std::unique_ptr<Key> key_;
  std::string public_raw_;
};

// RFC 8291: `plaintext` encrypted for a subscription's p256dh key (65 bytes, uncompressed) and
// auth secret (16 bytes), as one aes128gcm record. A fresh ephemeral key and salt each time;
// tests pass the RFC's. Nothing when the subscription's key is not a P-256 point.
std::optional<std::string> encrypt_push(std::string_view plaintext, std::string_view ua_public,
                                        std::string_view auth_secret,
                                        std::optional<std::string_view> ephemeral_private = {},
                                        std::optional<std::string_view> salt = {});

// The origin of an endpoint URL ("https://host[:port]"), the VAPID audience; "" if not http(s).
std::string endpoint_origin(std::string_view endpoint);

}  // namespace parley::notify
