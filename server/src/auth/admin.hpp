// Admin: what the admin area and invitations do to accounts and the server's settings — who may
// register, invitation links, account flags (admin, deactivated), the server-wide notice, health
// figures. Who asks is checked by the caller (api/) for the admin-only parts; the rules about
// what may be done are here. Blocking (store): run on a worker pool.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/service.hpp"

namespace parley::auth {

struct Notice {
  std::string text;
  core::Millis at = 0;
};

struct NewInvite {
  int max_uses = 1;
  int expires_hours = 168;
  std::vector<RoomId> rooms;  // already checked by chat/ (the creator's rooms)
  std::optional<std::string> email;
};

// An invitation with what a page shows of it: who made it, the names of its rooms.
struct InviteView {
  store::Invite invite;
  store::UserBrief creator;
  std::vector<std::pair<RoomId, std::string>> rooms;  // those that still exist
};

class Admin {
 public:
  // `notice_changed` hears of every new or cleared notice (the gateway tells the sockets).
  Admin(store::Store& store, AuthService& auth, core::SendEmail send_email,
        std::function<void(const std::optional<Notice>&)> notice_changed,
        core::Clock clock = core::system_clock());

  std::string registration() { return auth_.registration_mode(); }
  core::Result<std::string> set_registration(const std::string& mode);

  std::vector<store::User> users(const std::string& query, int offset, int limit,
                                 std::int64_t& total);
  // Deactivating ends the account's sessions (its sockets close); an admin cannot deactivate
  // themselves, and one active admin always remains.
  core::Result<store::User> update_user(const store::User& by, UserId id, std::optional<bool> admin,
                                        std::optional<bool> deactivated);
  core::Result<bool> sign_out(UserId id);

  // Invitations: any account but a guest may invite, unless registration is closed (then only
  // admins, whose invitations do not work while it stays closed).
  core::Result<store::Invite> create_invite(const store::User& by, const NewInvite& invite);
  std::vector<store::Invite> invites(const store::User& by);
  bool revoke_invite(const store::User& by, const std::string& code);
  std::optional<store::Invite> invite(const std::string& code);
  InviteView view(const store::Invite& invite);

  std::optional<Notice> notice();
  core::Result<Notice> post_notice(const std::string& text);
  void clear_notice();

  store::Health health();

  // Web Push devices of an account. The endpoint must be an https URL on a named host (push
  // services' are) unless `any_endpoint` (tests): the server posts to it.
  // The device's notifications end with the sign-in `session` (signing out there ends them).
  core::Result<store::PushSubscription> add_push_device(
      const store::User& by, store::SessionId session, const std::string& endpoint,
      const std::string& p256dh, const std::string& auth, const std::string& user_agent);
  std::vector<store::PushSubscription> push_devices(const store::User& by);
  bool remove_push_device(const store::User& by, std::int64_t id);
  void allow_any_push_endpoint(bool yes) { any_endpoint_ = yes; }
  // kRateLimited past a few test notifications a minute.
  core::Result<bool> may_send_push_test(const store::User& by);

 private:
  store::Store& store_;
  AuthService& auth_;
  core::SendEmail send_email_;
  std::function<void(const std::optional<Notice>&)> notice_changed_;
  core::Clock clock_;
  bool any_endpoint_ = false;
  core::KeyedLimiter invite_mails_{10, 6 * 60000};  // 10 at once, then one every 6 minutes
  core::KeyedLimiter push_tests_{5, 60000};
};

}  // namespace parley::auth
