// Security headers, Origin check, rate limiting.
#include "net/http_policy.hpp"

#include "core/address.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace parley::net {

namespace {
std::string& extra_img_sources() {
  static std::string sources;
  return sources;
}
}  // namespace

std::string client_address(std::string_view peer, std::string_view forwarded,
                           const std::vector<std::string>& trusted) {
  auto is_trusted = [&](std::string_view a) {
    auto c = core::canonical_address(a);
    return c && std::find(trusted.begin(), trusted.end(), *c) != trusted.end();
  };
  if (trusted.empty() || forwarded.empty() || !is_trusted(peer)) return std::string(peer);
  // From the right: each hop appended the address it was reached from.
  std::string_view rest = forwarded;
  while (!rest.empty()) {
    auto comma = rest.rfind(',');
    std::string_view item = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    auto address = core::canonical_address(item);
    if (!address) return std::string(peer);  // not an address (a port, "unknown"): trust stops
    if (!is_trusted(*address)) return *address;
  }
  return std::string(peer);
}

void allow_images_from(const std::vector<std::string>& sources) {
  for (const auto& s : sources) extra_img_sources() += " " + s;
}

namespace {
// 'self' covers same-origin ws:/wss: in CSP Level 3. Styles stay 'self' only: Vite emits CSS
// files. Images also from the GIF provider's media hosts, when one is configured.
std::string csp(std::string_view script_src) {
  return "default-src 'self'; script-src " + std::string(script_src) +
         "; style-src 'self'; img-src 'self' data: blob:" + extra_img_sources() +
         "; media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
         "base-uri 'self'; form-action 'self'; frame-ancestors 'none'; "
         "frame-src https://www.youtube-nocookie.com";
}
}  // namespace

std::string_view wasm_worker_csp() {
  static const std::string kCsp = csp("'self' 'wasm-unsafe-eval'");
  return kCsp;
}

const std::vector<std::pair<std::string_view, std::string_view>>& security_headers() {
  static const std::string kCsp = csp("'self'");
  static const std::vector<std::pair<std::string_view, std::string_view>> kHeaders{
      {"Content-Security-Policy", kCsp},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "strict-origin-when-cross-origin"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Permissions-Policy",
       "camera=(self), microphone=(self), display-capture=(self), geolocation=()"},
  };
  return kHeaders;
}

bool origin_allowed(std::string_view origin, std::string_view host, bool secure,
                    const std::vector<std::string>& allowed) {
  if (origin.empty() || origin == "null") return false;
  auto lower = [](std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return out;
  };
  std::string o = lower(origin);
  if (!host.empty() && o == std::string(secure ? "https://" : "http://") + lower(host)) return true;
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& a) { return lower(a) == o; });
}

}  // namespace parley::net
