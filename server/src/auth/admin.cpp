#include "auth/admin.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "auth/tokens.hpp"
#include "auth/validation.hpp"
#include "core/base64.hpp"
#include "core/text.hpp"

namespace parley::auth {
namespace {

namespace json = boost::json;
using core::Errc;
using core::make_error;

constexpr std::size_t kMaxNoticeChars = 500;

}  // namespace

Admin::Admin(store::Store& store, AuthService& auth, core::SendEmail send_email,
             std::function<void(const std::optional<Notice>&)> notice_changed, core::Clock clock)
    : store_(store),
      auth_(auth),
      send_email_(std::move(send_email)),
      notice_changed_(std::move(notice_changed)),
      clock_(std::move(clock)) {}

core::Result<std::string> Admin::set_registration(const std::string& mode) {
  if (mode != "open" && mode != "invite" && mode != "closed") {
    return make_error(Errc::kInvalid, "'registration' is open, invite or closed", "registration");
  }
  store_.set_server_setting("registration", mode);
  return mode;
}

std::vector<store::User> Admin::users(const std::string& query, int offset, int limit,
                                      std::int64_t& total) {
  return store_.list_users(query, offset, limit, total);
}

core::Result<store::User> Admin::update_user(const store::User& by, UserId id,
                                             std::optional<bool> admin,
                                             std::optional<bool> deactivated) {
  if (id == by.id && deactivated.value_or(false)) {
    return make_error(Errc::kConflict, "You cannot deactivate your own account", "deactivated");
  }
  auto user = store_.set_user_flags(id, admin, deactivated);
  if (!user) return user;
  if (user->deactivated && deactivated.value_or(false)) {
    auth_.end_sessions(id);
    for (const auto& s : store_.push_subscriptions(id)) store_.delete_push_subscription(id, s.id);
  }
  return user;
}

core::Result<bool> Admin::sign_out(UserId id) {
  if (!store_.find_user(id)) return make_error(Errc::kNotFound, "No such user");
  auth_.end_sessions(id);
  return true;
}

core::Result<store::Invite> Admin::create_invite(const store::User& by, const NewInvite& n) {
  if (by.is_guest) return make_error(Errc::kForbidden, "Guests cannot invite people");
  if (!by.is_admin && registration() == "closed") {
    return make_error(Errc::kForbidden, "Registration is closed here");
  }
  if (n.max_uses < 1 || n.max_uses > 1000) {
    return make_error(Errc::kInvalid, "'max_uses' is 1 to 1000", "max_uses");
  }
  if (n.expires_hours < 1 || n.expires_hours > 8760) {
    return make_error(Errc::kInvalid, "'expires_hours' is 1 to 8760", "expires_hours");
  }
  if (n.rooms.size() > 20) return make_error(Errc::kInvalid, "At most 20 rooms", "rooms");
  if (n.email) {
    if (auto e = check_email(*n.email)) return make_error(Errc::kInvalid, *e, "email");
    if (int wait = invite_mails_.take(std::to_string(by.id.value()), clock_())) {
      auto e = make_error(Errc::kRateLimited, "Too many invitations by e-mail; try again later");
      e.retry_after = wait;
      return e;
    }
  }
  store::Invite invite;
  invite.code = random_token();
  invite.created_by = by.id;
  invite.created_at = clock_();
  invite.expires_at = invite.created_at + static_cast<core::Millis>(n.expires_hours) * 3600000;
  invite.max_uses = n.max_uses;
  invite.rooms = n.rooms;
  invite.email = n.email;
  store_.create_invite(invite);
  if (n.email) {
    const auto& o = auth_.options();
    send_email_(core::Email{
        *n.email, fmt::format("{} invited you to {}", by.display_name, o.site_name),
        fmt::format("Hello,\n\n{} ({}) invited you to join them on {}. Open this link to create "
                    "your account:\n{}/register?invite={}\n\nThe link works until {} UTC.\n",
                    by.display_name, by.username, o.site_name, o.public_url, invite.code,
                    fmt::format("{:%Y-%m-%d %H:%M}",
                                fmt::gmtime(static_cast<std::time_t>(invite.expires_at / 1000))))});
  }
  return invite;
}

std::vector<store::Invite> Admin::invites(const store::User& by) {
  return store_.list_invites(by.is_admin ? UserId{} : by.id, clock_());
}

bool Admin::revoke_invite(const store::User& by, const std::string& code) {
  return store_.revoke_invite(code, by.is_admin ? UserId{} : by.id);
}

std::optional<store::Invite> Admin::invite(const std::string& code) {
  if (code.empty() || code.size() > 128) return std::nullopt;
  return store_.find_invite(code, clock_());
}

InviteView Admin::view(const store::Invite& invite) {
  InviteView v{invite, {}, {}};
  if (auto u = store_.find_user(invite.created_by)) {
    v.creator = store::UserBrief{u->id, u->username, u->display_name, 0, u->avatar};
  }
  for (auto id : invite.rooms) {
    if (auto r = store_.room(id)) v.rooms.emplace_back(id, r->name);
  }
  return v;
}

std::optional<Notice> Admin::notice() {
  auto stored = store_.server_setting("notice");
  if (!stored) return std::nullopt;
  try {
    auto v = json::parse(*stored).as_object();
    return Notice{std::string(v.at("text").as_string()), v.at("at").to_number<core::Millis>()};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

core::Result<Notice> Admin::post_notice(const std::string& text) {
  auto n = core::utf8_length(text);
  if (n == 0 || n > kMaxNoticeChars || core::has_control(text, true)) {
    return make_error(Errc::kInvalid, "'text' is 1 to 500 characters", "text");
  }
  Notice notice{text, clock_()};
  store_.set_server_setting("notice",
                            json::serialize(json::object{{"text", text}, {"at", notice.at}}));
  if (notice_changed_) notice_changed_(notice);
  return notice;
}

void Admin::clear_notice() {
  store_.set_server_setting("notice", "");
  if (notice_changed_) notice_changed_(std::nullopt);
}

store::Health Admin::health() {
  return store_.health(clock_() - 3600 * 1000);
}

core::Result<store::PushSubscription> Admin::add_push_device(
    const store::User& by, store::SessionId session, const std::string& endpoint,
    const std::string& p256dh, const std::string& auth, const std::string& user_agent) {
  auto bad = [](const char* what, const char* field) {
    return make_error(Errc::kInvalid, what, field);
  };
  if (endpoint.size() > 2000 || core::has_control(endpoint)) {
    return bad("'endpoint' is a URL of at most 2000 characters", "endpoint");
  }
  auto url = boost::urls::parse_absolute_uri(endpoint);
  if (!url || (url->scheme() != "https" && url->scheme() != "http") || url->has_userinfo() ||
      url->host().empty()) {
    return bad("'endpoint' must be an http(s) URL", "endpoint");
  }
  if (!any_endpoint_) {
    // A push service's host by name over https: never an address literal, this machine, or a
    // name without a dot (the server posts there; the sender also refuses private addresses
    // whatever a name resolves to).
    std::string host(url->encoded_host());
    for (auto& ch : host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    while (!host.empty() && host.back() == '.') host.pop_back();
    bool named = url->host_type() == boost::urls::host_type::name &&
                 host.find('.') != std::string::npos && host != "localhost" &&
                 !host.ends_with(".localhost") &&
                 host.find_first_not_of("0123456789abcdefx.") != std::string::npos;
    if (url->scheme() != "https" || !named) {
      return bad("'endpoint' must be a push service's https URL", "endpoint");
    }
  }
  auto key = core::from_base64url(p256dh);
  if (!key || key->size() != 65 || (*key)[0] != '\x04') {
    return bad("'keys.p256dh' is an uncompressed P-256 key in base64url", "p256dh");
  }
  auto secret = core::from_base64url(auth);
  if (!secret || secret->size() != 16) return bad("'keys.auth' is 16 bytes in base64url", "auth");
  if (store_.push_subscriptions(by.id).size() >= 20) {
    return make_error(Errc::kConflict, "At most 20 devices get notifications; remove one first");
  }
  store::PushSubscription s{0,        by.id,  endpoint, p256dh, auth, user_agent.substr(0, 256),
                            clock_(), session};
  return store_.add_push_subscription(s);
}

core::Result<bool> Admin::may_send_push_test(const store::User& by) {
  if (int wait = push_tests_.take(std::to_string(by.id.value()), clock_())) {
    auto e = make_error(Errc::kRateLimited, "Too many test notifications; try again in a minute");
    e.retry_after = wait;
    return e;
  }
  return true;
}

std::vector<store::PushSubscription> Admin::push_devices(const store::User& by) {
  return store_.push_subscriptions(by.id);
}

bool Admin::remove_push_device(const store::User& by, std::int64_t id) {
  return store_.delete_push_subscription(by.id, id);
}

}  // namespace parley::auth
