// The rules the transport applies to every request, kept apart from Beast so they are unit-tested:
// security headers, the WebSocket Origin check and the per-connection request rate.
#pragma once

#include "core/token_bucket.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::net {

// Headers sent with every response (the page's CSP among them).
const std::vector<std::pair<std::string_view, std::string_view>>& security_headers();
// The CSP of a worker script that compiles WebAssembly (the direct transfer's SHA-256): the page's
// with 'wasm-unsafe-eval', which allows compiling WebAssembly, never JavaScript from strings. A
// worker loaded from a URL runs under its own response's CSP, so the page keeps the strict one.
std::string_view wasm_worker_csp();
// More image sources for the page's CSP (the GIF provider's media hosts); before the first
// response is made, once.
void allow_images_from(const std::vector<std::string>& sources);

// A browser always sends Origin on a WebSocket upgrade; it must be the page's own origin (scheme
// from the connection, host from the Host header) or one configured as allowed.
bool origin_allowed(std::string_view origin, std::string_view host, bool secure,
                    const std::vector<std::string>& allowed);

// The client's address: the peer's, or, when the peer is one of the `trusted` reverse proxies
// (canonical addresses), the last address of X-Forwarded-For (`forwarded`: its values in order,
// comma-separated) that is not a trusted proxy: the ones before it the client may have written
// itself. A peer that is not trusted, or a header that names no address, leaves the peer's.
std::string client_address(std::string_view peer, std::string_view forwarded,
                           const std::vector<std::string>& trusted);

// Token bucket: `rate` tokens per second, at most `burst` saved up.
using TokenBucket = core::TokenBucket;

}  // namespace parley::net
