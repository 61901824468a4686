// The PostgreSQL store's administration, Web Push and OpenID Connect.
#include <stdexcept>

// Not built yet: the stubs name no parameters. (Remove with the last stub.)
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "store/postgres/pg_store.hpp"
#include "store/postgres/pg_store_impl.hpp"

namespace parley::store {

std::optional<std::string> PgStore::server_setting(const std::string& key) {
  throw std::logic_error("PgStore::server_setting: not built yet");
}

void PgStore::set_server_setting(const std::string& key, const std::string& value) {
  throw std::logic_error("PgStore::set_server_setting: not built yet");
}

bool PgStore::has_accounts() {
  throw std::logic_error("PgStore::has_accounts: not built yet");
}

std::vector<User> PgStore::list_users(const std::string& query, int offset, int limit,
                                      std::int64_t& total) {
  throw std::logic_error("PgStore::list_users: not built yet");
}

core::Result<User> PgStore::set_user_flags(UserId id, std::optional<bool> admin,
                                           std::optional<bool> deactivated) {
  throw std::logic_error("PgStore::set_user_flags: not built yet");
}

void PgStore::create_invite(const Invite& invite) {
  throw std::logic_error("PgStore::create_invite: not built yet");
}

std::optional<Invite> PgStore::find_invite(const std::string& code, Millis now) {
  throw std::logic_error("PgStore::find_invite: not built yet");
}

std::vector<Invite> PgStore::list_invites(UserId creator, Millis now) {
  throw std::logic_error("PgStore::list_invites: not built yet");
}

bool PgStore::revoke_invite(const std::string& code, UserId by) {
  throw std::logic_error("PgStore::revoke_invite: not built yet");
}

std::optional<Invite> PgStore::take_invite(const std::string& code, Millis now) {
  throw std::logic_error("PgStore::take_invite: not built yet");
}

void PgStore::give_back_invite(const std::string& code) {
  throw std::logic_error("PgStore::give_back_invite: not built yet");
}

core::Result<Report> PgStore::create_report(MessageId message, UserId reporter,
                                            const std::string& reason, Millis at) {
  throw std::logic_error("PgStore::create_report: not built yet");
}

std::vector<Report> PgStore::list_reports(bool resolved, int limit) {
  throw std::logic_error("PgStore::list_reports: not built yet");
}

std::optional<Report> PgStore::resolve_report(std::int64_t id, UserId by, bool resolved,
                                              Millis at) {
  throw std::logic_error("PgStore::resolve_report: not built yet");
}

std::vector<AdminRoom> PgStore::admin_rooms(const std::string& query, int limit) {
  throw std::logic_error("PgStore::admin_rooms: not built yet");
}

std::vector<AdminGroup> PgStore::admin_groups(const std::string& query, int limit) {
  throw std::logic_error("PgStore::admin_groups: not built yet");
}

Health PgStore::health(Millis messages_since) {
  throw std::logic_error("PgStore::health: not built yet");
}

PushSubscription PgStore::add_push_subscription(const PushSubscription& s) {
  throw std::logic_error("PgStore::add_push_subscription: not built yet");
}

std::vector<PushSubscription> PgStore::push_subscriptions(UserId user) {
  throw std::logic_error("PgStore::push_subscriptions: not built yet");
}

bool PgStore::delete_push_subscription(UserId user, std::int64_t id) {
  throw std::logic_error("PgStore::delete_push_subscription: not built yet");
}

std::vector<PushMember> PgStore::push_members(RoomId room, const std::vector<UserId>& users) {
  throw std::logic_error("PgStore::push_members: not built yet");
}

core::Result<Identity> PgStore::link_identity(const Identity& identity) {
  throw std::logic_error("PgStore::link_identity: not built yet");
}

std::optional<Identity> PgStore::find_identity(const std::string& provider,
                                               const std::string& subject) {
  throw std::logic_error("PgStore::find_identity: not built yet");
}

std::vector<Identity> PgStore::identities(UserId user) {
  throw std::logic_error("PgStore::identities: not built yet");
}

bool PgStore::unlink_identity(UserId user, const std::string& provider) {
  throw std::logic_error("PgStore::unlink_identity: not built yet");
}

void PgStore::create_oidc_state(const OidcState& state) {
  throw std::logic_error("PgStore::create_oidc_state: not built yet");
}

std::optional<OidcState> PgStore::take_oidc_state(const std::string& state_hash,
                                                  Millis made_after) {
  throw std::logic_error("PgStore::take_oidc_state: not built yet");
}

void PgStore::create_oidc_link(const OidcLink& link) {
  throw std::logic_error("PgStore::create_oidc_link: not built yet");
}

std::optional<OidcLink> PgStore::find_oidc_link(const std::string& token_hash, Millis made_after) {
  throw std::logic_error("PgStore::find_oidc_link: not built yet");
}

void PgStore::delete_oidc_link(const std::string& token_hash) {
  throw std::logic_error("PgStore::delete_oidc_link: not built yet");
}

}  // namespace parley::store
