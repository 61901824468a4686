#include "rtc/turn.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace parley::rtc {

std::string turn_credential(const std::string& secret, const std::string& username) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(username.data()), username.size(), mac, &len);
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::vector<IceServer> ice_servers(const IceOptions& o, UserId user, core::Millis now) {
  std::vector<IceServer> out;
  if (!o.stun.empty()) out.push_back(IceServer{o.stun, "", ""});
  if (!o.turn.empty() && !o.turn_secret.empty()) {
    const std::int64_t expiry = now / 1000 + o.turn_ttl_seconds;
    std::string username = std::to_string(expiry) + ":" + std::to_string(user.value());
    out.push_back(IceServer{o.turn, username, turn_credential(o.turn_secret, username)});
  }
  return out;
}

}  // namespace parley::rtc
