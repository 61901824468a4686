// Sign-in with OpenID Connect providers (any number, from the config): discovery, the
// authorization-code flow with PKCE (S256), `state` bound to the browser by a cookie and used
// once, `nonce`, and the ID token checked by auth/oidc. Facebook, which is OAuth 2.0 without ID
// tokens, signs in through its login dialog, its token endpoint and the Graph API's `me`. A
// provider's account signs in to the Parley account it is linked to; a new one gets an account of
// its own (when registration is open); a signed-in user links a provider from their profile. A
// verified e-mail address of an existing account links to it only once that account's password
// is given: never by address alone. Blocking (HTTP to the provider, store): run on a worker pool.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/oidc.hpp"
#include "auth/service.hpp"

namespace parley::auth {

struct OidcProvider {
  enum class Kind { kOpenId, kFacebook };
  std::string id;    // in URLs: /api/auth/oidc/<id>/...
  std::string name;  // shown on the button
  std::string issuer;
  std::string client_id;
  std::string client_secret;
  Kind kind = Kind::kOpenId;
  // Facebook's endpoints (its preset fills them; a test points them at a stand-in).
  std::string authorization_endpoint, token_endpoint, userinfo_endpoint;
};

class OidcSignIn {
 public:
  // `public_url` is where the provider sends the browser back; `allow_http` accepts http issuers
  // (tests only).
  OidcSignIn(store::Store& store, AuthService& auth, std::vector<OidcProvider> providers,
             std::string public_url, bool allow_http, core::Clock clock = core::system_clock());
  ~OidcSignIn();

  const std::vector<OidcProvider>& providers() const { return providers_; }

  struct Start {
    std::string redirect;  // the provider's authorization URL
    std::string state;     // for the browser's cookie; the callback must bring it back
  };
  // `link_user` (0: signing in) links the provider to that signed-in account instead.
  core::Result<Start> start(const std::string& provider, UserId link_user);

  struct Finished {
    std::optional<SignedIn> signed_in;  // a session for the cookie (sign-in)
    bool linked = false;                // or: linked to the account that started it
    std::string link_token;  // or: the account with this e-mail needs its password (a cookie)
  };
  // The callback: kUnauthorized (with a message for the sign-in page) on any failed check.
  core::Result<Finished> finish(const std::string& provider, const std::string& code,
                                const std::string& state, const std::string& cookie_state,
                                const Client& client);

  // A sign-in waiting for the password of the account its verified e-mail address belongs to
  // (`link_token` from finish): what the page asking for it shows.
  struct PendingLink {
    std::string provider_name;
    std::string username;  // of the account it would link to
    std::string email;
  };
  core::Result<PendingLink> pending_link(const std::string& token);
  // The password given: the provider is linked and the account signed in. A wrong password is
  // kInvalid and counted as a failed sign-in (the same limits); the link waits for another try.
  core::Result<SignedIn> confirm_link(const std::string& token, const std::string& password,
                                      const Client& client);

  std::vector<store::Identity> identities(UserId user);
  // Refused when it would leave the account no way to sign in.
  core::Result<bool> unlink(const store::User& user, const std::string& provider);

  struct Discovered;

 private:
  core::Result<std::shared_ptr<Discovered>> discover(const OidcProvider& p, bool refresh_keys);
  core::Result<oidc::IdToken> openid_claims(const OidcProvider& p, const std::string& code,
                                            const store::OidcState& st);
  core::Result<oidc::IdToken> facebook_claims(const OidcProvider& p, const std::string& code);
  std::string redirect_uri(const OidcProvider& p) const;
  const OidcProvider* find(const std::string& id) const;

  store::Store& store_;
  AuthService& auth_;
  std::vector<OidcProvider> providers_;
  std::string public_url_;
  bool allow_http_;
  core::Clock clock_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Discovered>> discovered_;
};

}  // namespace parley::auth
