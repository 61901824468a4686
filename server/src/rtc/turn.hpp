// ICE servers for RTCPeerConnection: STUN URLs as configured, and TURN URLs with time-limited
// credentials made the coturn REST way (username "expiry:user", credential base64 HMAC-SHA1 of
// the username keyed with the secret shared with coturn's --static-auth-secret).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace parley::rtc {

struct IceOptions {
  std::vector<std::string> stun;  // stun:host:port
  std::vector<std::string> turn;  // turn:host:port?transport=udp, turns:...
  std::string turn_secret;
  std::int64_t turn_ttl_seconds = 24 * 3600;
};

struct IceServer {
  std::vector<std::string> urls;
  std::string username;  // TURN only
  std::string credential;
};

// The credential for `username` under `secret`: base64(HMAC-SHA1(secret, username)).
std::string turn_credential(const std::string& secret, const std::string& username);

// What a user's tab gets at `now`: nothing configured, nothing given (host candidates only).
std::vector<IceServer> ice_servers(const IceOptions& o, UserId user, core::Millis now);

}  // namespace parley::rtc
