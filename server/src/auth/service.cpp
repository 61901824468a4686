// AuthService. Timing: a login for an unknown account still costs one hash, and every login
// answer for a bad name or password is the same, so neither timing nor text reveals an account.
#include "auth/service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>

#include "auth/tokens.hpp"
#include "auth/validation.hpp"

namespace parley::auth {
namespace json = boost::json;
using core::Errc;
using core::make_error;

namespace {

// Who is "the same address" for rate limits: an IPv4 address, or the /64 an IPv6 host gets.
std::string address_key(const std::string& ip) {
  in6_addr v6{};
  if (ip.find(':') == std::string::npos || inet_pton(AF_INET6, ip.c_str(), &v6) != 1) return ip;
  char out[INET6_ADDRSTRLEN];
  std::fill(std::begin(v6.s6_addr) + 8, std::end(v6.s6_addr), 0);
  inet_ntop(AF_INET6, &v6, out, sizeof out);
  return std::string(out) + "/64";
}

// A login name as it may appear in a log line: no control characters, bounded.
std::string loggable(std::string_view s) {
  std::string out;
  for (char ch : s.substr(0, 64)) out += static_cast<unsigned char>(ch) < 0x20 ? '?' : ch;
  return out;
}

constexpr core::Millis kRenewAfterMs = 10 * 60 * 1000;  // write last_seen at most every 10 minutes

core::Error invalid(std::string message, std::string field) {
  return make_error(Errc::kInvalid, std::move(message), std::move(field));
}

// Setting name -> check of its value. Unknown names are refused.
std::optional<std::string> check_setting(std::string_view key, const json::value& v) {
  auto one_of = [&](std::initializer_list<std::string_view> allowed) -> std::optional<std::string> {
    if (v.is_string()) {
      for (auto a : allowed) {
        if (v.as_string() == a) return std::nullopt;
      }
    }
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return fmt::format("'{}' must be one of: {}", key, list);
  };
  auto boolean = [&]() -> std::optional<std::string> {
    if (v.is_bool()) return std::nullopt;
    return fmt::format("'{}' must be true or false", key);
  };
  if (key == "theme") return one_of({"system", "light", "dark", "high-contrast"});
  if (key == "send_on") return one_of({"enter", "ctrl-enter"});
  if (key == "language") return one_of({"auto", "en", "de", "ar"});
  if (key == "volume") {
    if (v.is_int64() && v.as_int64() >= 0 && v.as_int64() <= 100) return std::nullopt;
    return std::string("'volume' must be a whole number from 0 to 100");
  }
  if (key == "call_camera" || key == "call_microphone" || key == "call_speaker") {
    // The chosen device's label ("" = the default), matched again on each machine.
    if (v.is_string() && v.as_string().size() <= 256) return std::nullopt;
    return fmt::format("'{}' must be a device name of at most 256 characters", key);
  }
  if (key == "sound" || key == "desktop_notifications" || key == "embed_youtube" ||
      key == "show_logs") {
    return boolean();
  }
  return fmt::format("Unknown setting '{}'", key);
}

constexpr std::string_view kDefaultSettings =
    R"({"theme":"system","sound":true,"volume":70,"desktop_notifications":false,)"
    R"("send_on":"enter","embed_youtube":true,"show_logs":false,"call_camera":"",)"
    R"("call_microphone":"","call_speaker":"","language":"auto"})";

// The defaults with every stored setting laid over them (a corrupt stored value counts as none).
json::object merged_settings(const std::string& stored) {
  json::object merged = json::parse(kDefaultSettings).as_object();
  boost::system::error_code ec;
  json::value v = json::parse(stored, ec);
  if (!ec && v.is_object()) {
    for (const auto& [k, val] : v.as_object()) merged[k] = val;
  }
  return merged;
}

}  // namespace

AuthService::AuthService(store::Store& store, Options options, core::SendEmail send_email,
                         core::Clock clock)
    : store_(store),
      options_(std::move(options)),
      send_email_(std::move(send_email)),
      clock_(std::move(clock)),
      hasher_(options_.cost),
      per_address_(
          options_.limiter("address", options_.attempts_per_address, options_.address_refill_ms)),
      per_account_(
          options_.limiter("account", options_.failures_per_account, options_.account_refill_ms)),
      per_account_anywhere_(options_.limiter("account-anywhere",
                                             options_.failures_per_account_anywhere,
                                             options_.account_anywhere_refill_ms)),
      per_reset_(options_.limiter("mail", 3, 20 * 60 * 1000)) {}

core::Error AuthService::limited(int seconds) const {
  core::Error e = make_error(Errc::kRateLimited, "Too many attempts; try again later");
  e.retry_after = seconds;
  return e;
}

int AuthService::address_limit(const Client& c) {
  return per_address_->take("ip:" + address_key(c.ip), clock_());
}

SignedIn AuthService::open_session(const store::User& user, const Client& c) {
  auto now = clock_();
  // Now and then (at most hourly, at a sign-in), expired sessions go, and with them the push
  // subscriptions of browsers whose sign-in ran out: nothing is sent to a signed-out device.
  auto last = last_sweep_.load(std::memory_order_relaxed);
  if (now - last >= kSweepEveryMs &&
      last_sweep_.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
    if (int n = store_.delete_expired_sessions(now)) spdlog::info("{} expired sessions removed", n);
  }
  std::string token = random_token();
  store::Session s;
  s.user_id = user.id;
  s.token_hash = token_hash(token);
  s.user_agent = c.user_agent.substr(0, 512);
  s.ip = c.ip;
  s.created_at = now;
  s.last_seen = now;
  s.expires_at = now + options_.session_ttl_ms;
  return SignedIn{std::move(token), user, store_.create_session(s), std::nullopt};
}

void AuthService::send_confirmation(const store::User& user, const std::string& email) {
  std::string token = random_token();
  auto now = clock_();
  store_.create_email_token(store::EmailToken{token_hash(token), user.id, "confirm", email, now,
                                              now + options_.confirm_ttl_ms});
  send_email_(core::Email{
      email, fmt::format("Confirm your e-mail address for {}", options_.site_name),
      fmt::format(
          "Hello {},\n\nOpen this link to confirm your e-mail "
          "address:\n{}/confirm-email?token={}\n\n"
          "The link works once, for 48 hours. If you did not ask for this, ignore this mail.\n",
          user.username, options_.public_url, token)});
}

core::Result<SignedIn> AuthService::register_user(const Registration& r, const Client& c) {
  if (int wait = address_limit(c)) return limited(wait);
  if (auto e = check_username(r.username)) return invalid(*e, "username");
  if (auto e = check_password(r.password, r.username)) return invalid(*e, "password");
  if (r.email) {
    if (auto e = check_email(*r.email)) return invalid(*e, "email");
  }
  if (r.display_name) {
    if (auto e = check_display_name(*r.display_name)) return invalid(*e, "display_name");
  }
  // The first account of an installation may always register (it becomes the admin).
  std::optional<store::Invite> invite;
  if (store_.has_accounts()) {
    auto mode = registration_mode();
    if (mode == "closed")
      return make_error(Errc::kForbidden, "Registration is closed here", "invite");
    if (r.invite) {
      invite = store_.take_invite(*r.invite, clock_());
      if (!invite && mode != "open") {  // open: a dead invitation only joins no rooms
        return make_error(Errc::kForbidden, "This invitation has expired or was used up", "invite");
      }
    } else if (mode == "invite") {
      return make_error(Errc::kForbidden, "Registration here needs an invitation", "invite");
    }
  }
  store::NewUser nu{
      r.username, r.email, hasher_.hash(r.password), r.display_name.value_or(r.username),
      false,      clock_()};
  auto user = store_.create_user(nu);
  if (!user) {
    if (invite) store_.give_back_invite(invite->code);
    auto e = user.error();
    e.field = e.message.find("mail") != std::string::npos ? "email" : "username";
    return e;
  }
  if (user->email) send_confirmation(*user, *user->email);
  auto out = open_session(*user, c);
  out.invite = std::move(invite);
  return out;
}

core::Result<SignedIn> AuthService::sign_in_user(UserId id, const Client& c) {
  auto user = store_.find_user(id);
  if (!user) return make_error(Errc::kUnauthorized, "The account no longer exists");
  if (user->deactivated) return make_error(Errc::kForbidden, "This account is deactivated");
  return open_session(*user, c);
}

core::Result<SignedIn> AuthService::register_external(const std::string& username_hint,
                                                      const std::string& display_name,
                                                      const std::string& verified_email,
                                                      const Client& c) {
  if (int wait = address_limit(c)) return limited(wait);
  if (store_.has_accounts() && registration_mode() != "open") {
    return make_error(Errc::kForbidden,
                      "Registration here needs an invitation: ask a member for a link");
  }
  std::string name = display_name.substr(0, 64);
  if (check_display_name(name)) name = username_hint;
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::string username =
        attempt == 0 ? username_hint
                     : username_hint +
                           std::to_string(attempt < 10 ? attempt + 1 : randombytes_uniform(100000));
    if (check_username(username)) continue;
    store::NewUser nu{username, std::nullopt, "", name, false, clock_()};  // no password
    auto user = store_.create_user(nu);
    if (!user) continue;  // taken: the next name
    if (!verified_email.empty() && !check_email(verified_email)) {
      if (auto with = store_.set_email(user->id, verified_email, true)) user = with;
    }
    return open_session(*user, c);
  }
  return make_error(Errc::kConflict, "Could not choose a username; register with a password");
}

core::Result<SignedIn> AuthService::sign_in_guest(const Client& c) {
  if (!options_.guest_signin)
    return make_error(Errc::kForbidden, "Guest sign-in is turned off here");
  if (int wait = address_limit(c)) return limited(wait);
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::string name = fmt::format("guest-{:06}", randombytes_uniform(1000000));
    store::NewUser nu{name, std::nullopt, hasher_.hash(random_token()), name, true, clock_()};
    auto user = store_.create_user(nu);
    if (user) return open_session(*user, c);
  }
  return make_error(Errc::kInternal, "Could not pick a guest name; try again");
}

core::Result<SignedIn> AuthService::login(const std::string& login, const std::string& password,
                                          const Client& c) {
  static const std::string kWrong = "Wrong username or password";
  auto now = clock_();
  if (int wait = address_limit(c)) return limited(wait);
  if (login.empty() || login.size() > 254 || password.size() > kMaxPasswordBytes) {
    hasher_.verify_dummy(password);
    return invalid(kWrong, "password");
  }
  auto user = store_.find_user_by_name_or_email(login);
  // Failed guesses are counted per account *and* address: a guesser is locked out, while the
  // owner signing in from elsewhere is not. The attempt is taken before the hash, so concurrent
  // guesses cannot all slip through one free slot; a success gives the slots back.
  std::string lower_login = login;
  for (auto& ch : lower_login) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string key = (user ? "acct:" + std::to_string(user->id.value()) : "name:" + lower_login) +
                    "@" + address_key(c.ip);
  if (int wait = per_account_->take(key, now)) {
    hasher_.verify_dummy(password);
    return limited(wait);
  }
  // And per account from anywhere: each new address would otherwise bring its own guesses.
  const std::string anywhere = user ? "acct:" + std::to_string(user->id.value()) : std::string();
  if (user) {
    if (int wait = per_account_anywhere_->take(anywhere, now)) {
      per_account_->reset(key);  // this attempt was not made
      hasher_.verify_dummy(password);
      return limited(wait);
    }
  }
  bool ok = false;
  if (user && !user->password_hash.empty()) {
    ok = hasher_.verify(user->password_hash, password);
  } else {  // no account, or one that signs in only through a provider
    hasher_.verify_dummy(password);
  }
  if (!ok) {
    spdlog::info("failed login for '{}' from {}", loggable(login), c.ip);
    if (options_.failed_logins) options_.failed_logins->fetch_add(1, std::memory_order_relaxed);
    return invalid(kWrong, "password");
  }
  per_account_->reset(key);
  if (user) per_account_anywhere_->reset(anywhere);
  if (user->deactivated) return make_error(Errc::kForbidden, "This account is deactivated");
  if (hasher_.needs_rehash(user->password_hash))
    store_.set_password_hash(user->id, hasher_.hash(password));
  return open_session(*user, c);
}

std::optional<Authenticated> AuthService::authenticate(const std::string& token) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  auto session = store_.find_session(token_hash(token));
  auto now = clock_();
  if (!session || session->expires_at <= now) return std::nullopt;
  auto user = store_.find_user(session->user_id);
  if (!user || user->deactivated) return std::nullopt;
  if (now - session->last_seen > kRenewAfterMs) {
    session->last_seen = now;
    session->expires_at = now + options_.session_ttl_ms;
    store_.touch_session(session->id, session->last_seen, session->expires_at);
  }
  return Authenticated{std::move(*user), std::move(*session)};
}

void AuthService::logout(const Authenticated& a) {
  store_.delete_session(a.user.id, a.session.id);
  ended(a.user.id, a.session.id);
}

void AuthService::ended(UserId user, store::SessionId only) {
  if (options_.sessions_ended) options_.sessions_ended(user, only);
}

std::string AuthService::registration_mode() {
  if (!store_.has_accounts()) return "open";  // the first account, the admin, may always come
  return store_.server_setting("registration").value_or(options_.registration);
}

int AuthService::end_sessions(UserId user) {
  // Signed out everywhere: no device keeps getting its notifications either.
  for (const auto& s : store_.push_subscriptions(user)) store_.delete_push_subscription(user, s.id);
  int n = store_.delete_sessions(user, 0);
  ended(user, 0);
  return n;
}

int AuthService::logout_everywhere(const Authenticated& a) {
  return end_sessions(a.user.id);
}

std::vector<store::Session> AuthService::sessions(const Authenticated& a) {
  return store_.list_sessions(a.user.id);
}

core::Result<bool> AuthService::revoke_session(const Authenticated& a, store::SessionId id) {
  if (!store_.delete_session(a.user.id, id)) return make_error(Errc::kNotFound, "No such session");
  ended(a.user.id, id);
  return true;
}

core::Result<store::User> AuthService::confirm_email(const std::string& token) {
  auto t = store_.take_email_token(token_hash(token), "confirm", clock_());
  if (!t)
    return make_error(Errc::kNotFound, "This confirmation link is invalid, used or expired",
                      "token");
  auto user = store_.find_user(t->user_id);
  if (!user || user->email != t->email) {
    return make_error(Errc::kConflict, "The e-mail address changed since this link was sent",
                      "token");
  }
  return store_.set_email(user->id, user->email, true);
}

core::Result<bool> AuthService::begin_password_reset(const std::string& login, const Client& c) {
  if (int wait = address_limit(c)) return limited(wait);
  if (login.empty() || login.size() > 254)
    return invalid("Enter your username or e-mail address", "login");
  return true;
}

void AuthService::send_password_reset(const std::string& login) {
  auto user = store_.find_user_by_name_or_email(login);
  if (!user || !user->email) return;
  // At most a few reset mails an hour per account, so nobody can flood someone's mailbox.
  if (per_reset_->take(std::to_string(user->id.value()), clock_()) != 0) return;
  std::string token = random_token();
  auto now = clock_();
  store_.create_email_token(store::EmailToken{token_hash(token), user->id, "reset", *user->email,
                                              now, now + options_.reset_ttl_ms});
  send_email_(core::Email{
      *user->email, fmt::format("Reset your {} password", options_.site_name),
      fmt::format(
          "Hello {},\n\nOpen this link to choose a new password:\n{}/reset-password?token={}\n\n"
          "The link works once, for one hour. If you did not ask for this, ignore this mail: "
          "your password stays as it is.\n",
          user->username, options_.public_url, token)});
}

core::Result<store::User> AuthService::reset_password(const std::string& token,
                                                      const std::string& password) {
  const auto gone =
      make_error(Errc::kNotFound, "This reset link is invalid, used or expired", "token");
  if (token.empty() || token.size() > 128) return gone;
  auto now = clock_();
  // Look first, take last: a password the rules refuse must not burn the link.
  auto t = store_.find_email_token(token_hash(token), "reset", now);
  if (!t) return gone;
  auto user = store_.find_user(t->user_id);
  if (!user || user->email != t->email) return gone;  // the address changed since it was sent
  if (auto e = check_password(password, user->username)) return invalid(*e, "password");
  if (!store_.take_email_token(t->token_hash, "reset", now)) return gone;  // lost a race
  store_.set_password_hash(user->id, hasher_.hash(password));
  store_.delete_sessions(user->id, 0);  // whoever had the old password is out
  ended(user->id, 0);
  return *user;
}

core::Result<SignedIn> AuthService::change_password(const Authenticated& a,
                                                    const std::string& current,
                                                    const std::string& next, const Client& c) {
  std::string key = "pw:" + std::to_string(a.user.id.value());
  if (int wait = per_account_->take(key, clock_())) return limited(wait);
  if (!hasher_.verify(a.user.password_hash, current)) {
    return invalid("The current password is wrong", "current_password");
  }
  per_account_->reset(key);
  if (auto e = check_password(next, a.user.username)) return invalid(*e, "new_password");
  store_.set_password_hash(a.user.id, hasher_.hash(next));
  store_.delete_sessions(a.user.id, 0);  // other devices sign in again
  ended(a.user.id, 0);
  return open_session(*store_.find_user(a.user.id), c);
}

core::Result<store::User> AuthService::change_email(const Authenticated& a,
                                                    const std::optional<std::string>& email,
                                                    const std::string& password) {
  std::string key = "pw:" + std::to_string(a.user.id.value());
  if (int wait = per_account_->take(key, clock_())) return limited(wait);
  if (!hasher_.verify(a.user.password_hash, password))
    return invalid("The password is wrong", "password");
  per_account_->reset(key);
  if (email) {
    if (auto e = check_email(*email)) return invalid(*e, "email");
    // Each change mails a link: bounded like reset mails, so it cannot be used to spam.
    if (int wait = per_reset_->take("mail:" + std::to_string(a.user.id.value()), clock_()))
      return limited(wait);
  }
  auto user = store_.set_email(a.user.id, email, false);
  if (!user) {
    auto e = user.error();
    e.field = "email";
    return e;
  }
  if (email) send_confirmation(*user, *email);
  return user;
}

core::Result<store::User> AuthService::update_profile(const Authenticated& a,
                                                      const store::ProfileUpdate& u) {
  if (u.display_name) {
    if (auto e = check_display_name(*u.display_name)) return invalid(*e, "display_name");
  }
  if (u.about) {
    if (auto e = check_about(*u.about)) return invalid(*e, "about");
  }
  auto updated = store_.update_profile(a.user.id, u);
  if (updated && updated->display_name != a.user.display_name && options_.renamed) {
    options_.renamed(*updated);
  }
  if (updated && updated->avatar != a.user.avatar && options_.avatar_changed) {
    options_.avatar_changed(*updated);
  }
  return updated;
}

std::string AuthService::effective_settings(const std::string& stored) {
  return json::serialize(merged_settings(stored));
}

core::Result<std::string> AuthService::update_settings(const Authenticated& a,
                                                       const std::string& json_patch) {
  boost::system::error_code ec;
  json::value patch = json::parse(json_patch, ec);
  if (ec || !patch.is_object()) return invalid("Settings must be a JSON object", "settings");
  json::object merged = merged_settings(a.user.settings);
  for (const auto& [k, v] : patch.as_object()) {
    if (auto e = check_setting(k, v)) return invalid(*e, std::string(k));
    merged[k] = v;
  }
  std::string text = json::serialize(merged);
  store_.set_settings(a.user.id, text);
  return text;
}

}  // namespace parley::auth
