// REST endpoints for accounts: registration, sign-in, sessions, e-mail links, profile, settings,
// avatars. Translates HTTP and JSON to AuthService calls, which run on the worker pool.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/oidc_signin.hpp"
#include "auth/service.hpp"
#include "core/fair_queue.hpp"
#include "core/worker_pool.hpp"
#include "net/router.hpp"
#include "net/websocket.hpp"

namespace parley::api {

struct ApiOptions {
  bool secure_cookies = false;  // Secure attribute (https, here or at a proxy in front)
  std::vector<std::string> allowed_origins;
  std::filesystem::path avatar_dir;
  // A new account's first rooms (default channels, its invitation's rooms); returns once they
  // are stored, so the account's first socket finds them.
  std::function<void(const auth::SignedIn&)> welcome;
  // The hosts GIFs are shown from ([] when GIF search is off): the session tells the client.
  std::vector<std::string> gif_hosts;
  auth::OidcSignIn* oidc = nullptr;  // sign-in providers, when configured
};

inline constexpr const char* kSessionCookie = "parley_session";
inline constexpr const char* kCsrfCookie = "parley_csrf";
inline constexpr const char* kCsrfHeader = "x-csrf-token";

// Registers the account routes on `router`; must outlive the server that serves them.
class AccountsApi {
 public:
  // `heavy` decodes avatars, apart from `pool` and fairly between users.
  AccountsApi(net::Router& router, auth::AuthService& auth, core::WorkerPool& pool,
              core::FairQueue& heavy, ApiOptions options);
  ~AccountsApi();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// For the WebSocket upgrade: the signed-in user of the request's session cookie, looked up on the
// worker pool. Refuses with 401 when there is none.
void admit_signed_in(auth::AuthService& auth, core::WorkerPool& pool,
                     std::shared_ptr<const net::HttpRequest> upgrade,
                     std::function<void(net::WsAdmission)> done);

// The value of cookie `name` in a Cookie header, or "".
std::string cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace parley::api
