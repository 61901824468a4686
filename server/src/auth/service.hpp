// AuthService: registration, login, sessions, e-mail confirmation, password reset, profile and
// roaming settings. Blocking (hashing, store): callers run it on a worker pool.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/password.hpp"
#include "core/clock.hpp"
#include "core/email.hpp"
#include "core/limiter.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace parley::auth {

struct Options {
  HashCost cost = HashCost::interactive();
  core::Millis session_ttl_ms = 30LL * 24 * 3600 * 1000;  // renewed while used (sliding)
  core::Millis confirm_ttl_ms = 48LL * 3600 * 1000;
  core::Millis reset_ttl_ms = 3600LL * 1000;
  std::string public_url = "http://localhost:8080";  // for links in e-mails
  std::string site_name = "Parley";
  bool guest_signin = false;
  // Who may register when no admin has chosen (server_settings "registration"): open, invite or
  // closed.
  std::string registration = "open";
  double attempts_per_address = 30;        // login/register/reset attempts an address may burst...
  core::Millis address_refill_ms = 2000;   // ...and regain one every this many milliseconds
  double failures_per_account = 10;        // failed logins an account tolerates at once...
  core::Millis account_refill_ms = 60000;  // ...and forgives one a minute
  // Failed logins an account tolerates from all addresses together (a guesser with many
  // addresses), and how slowly it forgives them.
  double failures_per_account_anywhere = 50;
  core::Millis account_anywhere_refill_ms = 5 * 60000;
  std::atomic<std::int64_t>* failed_logins = nullptr;  // a metrics counter, when wired
  // Where the limits above keep their counts: this node's memory (a cluster's nodes share them:
  // bus::RedisBus::limiter).
  core::MakeLimiter limiter = core::local_limiter;
  // Sessions that ended before their time (sign-out, revocation, password change or reset):
  // `only` names one, or is 0 for every session of the user. Sockets opened with them close.
  std::function<void(UserId user, store::SessionId only)> sessions_ended;
  // A user's display name changed (rooms show it as an event).
  std::function<void(const store::User& user)> renamed;
  // A user's avatar changed (pushed to those who share a room with them).
  std::function<void(const store::User& user)> avatar_changed;
};

struct Client {
  std::string ip;
  std::string user_agent;
};

struct SignedIn {
  std::string token;  // for the cookie; never stored
  store::User user;
  store::Session session;
  std::optional<store::Invite> invite;  // the invitation a registration came with
};

struct Authenticated {
  store::User user;
  store::Session session;
};

struct Registration {
  std::string username;
  std::string password;
  std::optional<std::string> email;
  std::optional<std::string> display_name;
  std::optional<std::string> invite;  // an invitation's code
};

class AuthService {
 public:
  AuthService(store::Store& store, Options options, core::SendEmail send_email,
              core::Clock clock = core::system_clock());

  core::Result<SignedIn> register_user(const Registration& r, const Client& c);
  core::Result<SignedIn> sign_in_guest(const Client& c);
  // Sign-in through a provider (auth/oidc_signin): a session for an account already linked...
  core::Result<SignedIn> sign_in_user(UserId user, const Client& c);
  // ...or a new account without a password (when registration is open), its username from
  // `username_hint` (made unique), its e-mail address confirmed when the provider verified it.
  core::Result<SignedIn> register_external(const std::string& username_hint,
                                           const std::string& display_name,
                                           const std::string& verified_email, const Client& c);
  core::Result<SignedIn> login(const std::string& login, const std::string& password,
                               const Client& c);

  // The session for a cookie token, renewed when it has been a while; nothing when absent/expired.
  std::optional<Authenticated> authenticate(const std::string& token);
  void logout(const Authenticated& a);
  int logout_everywhere(const Authenticated& a);
  std::vector<store::Session> sessions(const Authenticated& a);
  core::Result<bool> revoke_session(const Authenticated& a, store::SessionId id);

  core::Result<store::User> confirm_email(const std::string& token);
  // A reset request in two steps, so the answer never waits on (or reveals) the account: the
  // first checks the limits and the input and answers; the second, run in the background, mails
  // a link when the account exists and has an e-mail address.
  core::Result<bool> begin_password_reset(const std::string& login, const Client& c);
  void send_password_reset(const std::string& login);
  core::Result<store::User> reset_password(const std::string& token, const std::string& password);

  // Every session ends, this one too: the caller gets a fresh one, so a stolen cookie dies here.
  core::Result<SignedIn> change_password(const Authenticated& a, const std::string& current,
                                         const std::string& next, const Client& c);
  core::Result<store::User> change_email(const Authenticated& a,
                                         const std::optional<std::string>& email,
                                         const std::string& password);
  core::Result<store::User> update_profile(const Authenticated& a,
                                           const store::ProfileUpdate& update);
  // Merges a JSON object of settings into the stored ones after checking every key and value.
  core::Result<std::string> update_settings(const Authenticated& a, const std::string& json_patch);
  // The stored settings over the defaults: what the client gets, as a JSON object.
  static std::string effective_settings(const std::string& stored);

  const Options& options() const { return options_; }
  // Who may register now: "open", "invite" or "closed".
  std::string registration_mode();
  // Ends every session of `user` (an admin's sign-out everywhere, a deactivation).
  int end_sessions(UserId user);

 private:
  void ended(UserId user, store::SessionId only);
  SignedIn open_session(const store::User& user, const Client& c);
  void send_confirmation(const store::User& user, const std::string& email);
  core::Error limited(int seconds) const;
  int address_limit(const Client& c);

  store::Store& store_;
  Options options_;
  core::SendEmail send_email_;
  core::Clock clock_;
  static constexpr core::Millis kSweepEveryMs = 60 * 60 * 1000;
  std::atomic<core::Millis> last_sweep_{0};  // when expired sessions were last removed
  PasswordHasher hasher_;
  std::unique_ptr<core::Limiter> per_address_;
  // Failed sign-ins per account and address, password checks.
  std::unique_ptr<core::Limiter> per_account_;
  std::unique_ptr<core::Limiter> per_account_anywhere_;  // failed sign-ins per account, anywhere
  std::unique_ptr<core::Limiter>
      per_reset_;  // e-mails with links per account: 3, then 1 per 20 min
};

}  // namespace parley::auth
