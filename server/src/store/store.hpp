// The Store: everything Parley keeps, behind one interface with a SQLite implementation (default)
// and a PostgreSQL one (cluster, later). Calls block: callers run them on a worker pool, never on
// an I/O thread. Expected failures (duplicates, not found) come back as core::Result errors.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/admin.hpp"
#include "store/chat.hpp"
#include "store/files.hpp"

namespace parley::store {

using SessionId = std::int64_t;

struct User {
  UserId id{};
  std::string username;
  std::optional<std::string> email;
  bool email_confirmed = false;
  std::string password_hash;
  std::string display_name;
  std::string about;
  std::string avatar;
  bool is_admin = false;
  bool is_guest = false;
  std::string settings = "{}";  // JSON object
  Millis created_at = 0;
  bool deactivated = false;  // by an admin: cannot sign in
  Millis last_seen = 0;
};

struct NewUser {
  std::string username;
  std::optional<std::string> email;
  std::string password_hash;
  std::string display_name;
  bool is_guest = false;
  Millis created_at = 0;
};

struct Session {
  SessionId id = 0;
  UserId user_id{};
  std::string token_hash;
  std::string user_agent;
  std::string ip;
  Millis created_at = 0;
  Millis last_seen = 0;
  Millis expires_at = 0;
};

struct EmailToken {
  std::string token_hash;
  UserId user_id{};
  std::string purpose;  // "confirm" or "reset"
  std::string email;
  Millis created_at = 0;
  Millis expires_at = 0;
};

struct ProfileUpdate {
  std::optional<std::string> display_name;
  std::optional<std::string> about;
  std::optional<std::string> avatar;
};

// Accounts: users, sessions, e-mail tokens. Its own interface so that a store can be built (and
// tested by the shared suite, tests/unit/store/account_store_test.cpp) a part at a time.
class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // Users. Username and e-mail are unique case-insensitively (kConflict names which one).
  // The first (non-guest) user ever created is made admin, in the same transaction.
  virtual core::Result<User> create_user(const NewUser& user) = 0;
  virtual std::optional<User> find_user(UserId id) = 0;
  virtual std::optional<User> find_user_by_name_or_email(const std::string& login) = 0;
  virtual core::Result<User> update_profile(UserId id, const ProfileUpdate& update) = 0;
  virtual core::Result<User> set_email(UserId id, const std::optional<std::string>& email,
                                       bool confirmed) = 0;
  // Both also cancel the user's unused reset links: they were sent for the old state.
  virtual void set_password_hash(UserId id, const std::string& hash) = 0;
  virtual void set_settings(UserId id, const std::string& json) = 0;

  // Sessions, found by the hash of their token.
  virtual Session create_session(const Session& session) = 0;
  virtual std::optional<Session> find_session(const std::string& token_hash) = 0;
  virtual void touch_session(SessionId id, Millis last_seen, Millis expires_at) = 0;
  virtual std::vector<Session> list_sessions(UserId user) = 0;
  virtual bool delete_session(UserId user, SessionId id) = 0;
  // Deletes every session of `user` but `keep` (0 keeps none); returns how many went.
  virtual int delete_sessions(UserId user, SessionId keep) = 0;
  // Deletes the sessions expired by `now` (and what belongs to them: push subscriptions).
  virtual int delete_expired_sessions(Millis now) = 0;

  // Single-use e-mail tokens: taking one marks it used, atomically; expired or used ones are
  // absent.
  virtual void create_email_token(const EmailToken& token) = 0;
  // Looks without taking: for checks that must not burn the token.
  virtual std::optional<EmailToken> find_email_token(const std::string& token_hash,
                                                     const std::string& purpose, Millis now) = 0;
  virtual std::optional<EmailToken> take_email_token(const std::string& token_hash,
                                                     const std::string& purpose, Millis now) = 0;
};

class Store : public AccountStore {
 public:
  // Chat writes: `job` runs on the one writer, inside a transaction shared with the jobs queued
  // beside it (group commit), in its own savepoint: returning false rolls back its changes alone.
  // `done(committed)` follows on the writer thread once the transaction is on disk (true), or
  // failed (false), in job order, before any later job runs.
  using ChatJob = std::function<bool(ChatTx&)>;
  virtual void write_chat(ChatJob job, std::function<void(bool committed)> done) = 0;

  // The user's rooms as of a point between two chat commits, read on a reader connection so the
  // writer never waits for it: `mark(room ids)` runs at that point, after every earlier commit's
  // `done` and before any later one's, so what it hands on is ordered with the events.
  virtual std::vector<RoomSummary> rooms_at_mark(
      UserId user, const std::function<void(const std::vector<RoomId>&)>& mark) = 0;

  // Chat reads, on a reader connection: they see committed state.
  virtual std::optional<Room> room(RoomId id) = 0;
  virtual std::optional<Membership> membership(RoomId room, UserId user) = 0;
  virtual std::optional<Message> message(MessageId id) = 0;
  virtual std::vector<RoomSummary> rooms_of(UserId user) = 0;
  // The events before `before` but those of the kinds in `skip`, newest first (chat decides what
  // a timeline shows).
  virtual std::vector<Event> history(RoomId room, Seq before, int limit,
                                     const std::vector<EventKind>& skip) = 0;
  // Every event after `after`, oldest first.
  virtual std::vector<Event> events_after(RoomId room, Seq after, int limit) = 0;
  // Replies to `parent` before `before`, newest first.
  virtual std::vector<Event> thread(MessageId parent, Seq before, int limit) = 0;
  virtual std::vector<Edit> edits(MessageId id) = 0;
  // The room's pinned messages (as history shows them), the latest pinned first.
  virtual std::vector<Event> pins(RoomId room, int limit) = 0;
  // Full-text search of messages (chat.hpp SearchQuery).
  virtual SearchHits search(const SearchQuery& query) = 0;
  virtual std::vector<MemberInfo> members(RoomId room, const MemberQuery& query) = 0;
  virtual std::vector<DirectoryEntry> directory(UserId viewer, const std::string& query,
                                                int limit) = 0;
  // Users whose name starts with `prefix`; presence_visible says which of them share a room with
  // `viewer` (or are the viewer).
  virtual std::vector<UserBrief> find_users(UserId viewer, const std::string& prefix,
                                            int limit) = 0;
  // Those of `users` whose presence `viewer` may see (they share a room, or are the viewer), with
  // their id and last-seen time only.
  virtual std::vector<UserBrief> presence_visible(UserId viewer,
                                                  const std::vector<UserId>& users) = 0;
  // The user's rooms of at most `members` members.
  virtual std::vector<RoomId> small_rooms(UserId user, int members) = 0;
  virtual std::optional<bool> group_role(GroupId group, UserId user) = 0;
  virtual std::vector<GroupSummary> groups_of(UserId user) = 0;
  // Moves the user's last-seen time forward to `at` (never back); returns the time stored.
  virtual Millis set_last_seen(UserId user, Millis at) = 0;

  // Administration (store/admin.hpp).
  // Settings changed at run time, by key; an empty value removes one.
  virtual std::optional<std::string> server_setting(const std::string& key) = 0;
  virtual void set_server_setting(const std::string& key, const std::string& value) = 0;
  // Whether any account other than a guest exists.
  virtual bool has_accounts() = 0;
  // Accounts whose username, display name or e-mail contains `query` (any case), by username;
  // `total` counts all that match.
  virtual std::vector<User> list_users(const std::string& query, int offset, int limit,
                                       std::int64_t& total) = 0;
  // Sets the admin and deactivated flags; kConflict when no active admin would remain.
  virtual core::Result<User> set_user_flags(UserId id, std::optional<bool> admin,
                                            std::optional<bool> deactivated) = 0;
  virtual void create_invite(const Invite& invite) = 0;
  // A usable invitation (not expired, used up or revoked).
  virtual std::optional<Invite> find_invite(const std::string& code, Millis now) = 0;
  // Usable invitations of `creator` (0: everyone's), newest first.
  virtual std::vector<Invite> list_invites(UserId creator, Millis now) = 0;
  // Revokes it if `by` made it (0: anyone's); false when there was none to revoke.
  virtual bool revoke_invite(const std::string& code, UserId by) = 0;
  // Counts one use of a usable invitation, atomically; nothing when it is not usable.
  virtual std::optional<Invite> take_invite(const std::string& code, Millis now) = 0;
  virtual void give_back_invite(const std::string& code) = 0;
  // kConflict when `reporter` already reported the message.
  virtual core::Result<Report> create_report(MessageId message, UserId reporter,
                                             const std::string& reason, Millis at) = 0;
  virtual std::vector<Report> list_reports(bool resolved, int limit) = 0;
  virtual std::optional<Report> resolve_report(std::int64_t id, UserId by, bool resolved,
                                               Millis at) = 0;
  // Channels and private rooms (never direct ones) whose name contains `query`, by name.
  virtual std::vector<AdminRoom> admin_rooms(const std::string& query, int limit) = 0;
  // Groups whose name contains `query`, by name.
  virtual std::vector<AdminGroup> admin_groups(const std::string& query, int limit) = 0;
  virtual Health health(Millis messages_since) = 0;

  // Web Push. Adding an endpoint already known moves it to `s.user` (a browser signed in anew).
  virtual PushSubscription add_push_subscription(const PushSubscription& s) = 0;
  virtual std::vector<PushSubscription> push_subscriptions(UserId user) = 0;
  // Deletes the user's subscription (`user` 0: whoever's); false when there was none.
  virtual bool delete_push_subscription(UserId user, std::int64_t id) = 0;
  // The members of `room` among `users`, with their notification settings there.
  virtual std::vector<PushMember> push_members(RoomId room, const std::vector<UserId>& users) = 0;

  // OpenID Connect. Linking a (provider, subject) already linked is kConflict.
  virtual core::Result<Identity> link_identity(const Identity& identity) = 0;
  virtual std::optional<Identity> find_identity(const std::string& provider,
                                                const std::string& subject) = 0;
  virtual std::vector<Identity> identities(UserId user) = 0;
  virtual bool unlink_identity(UserId user, const std::string& provider) = 0;
  virtual void create_oidc_state(const OidcState& state) = 0;
  // Takes (deletes and returns) a state made after `made_after`; nothing when absent or used.
  virtual std::optional<OidcState> take_oidc_state(const std::string& state_hash,
                                                   Millis made_after) = 0;
  virtual void create_oidc_link(const OidcLink& link) = 0;
  // A link made after `made_after`; it stays until deleted (a wrong password may be retried).
  virtual std::optional<OidcLink> find_oidc_link(const std::string& token_hash,
                                                 Millis made_after) = 0;
  virtual void delete_oidc_link(const std::string& token_hash) = 0;

  // Files (docs/api.md "Files"). An upload row lives while its bytes arrive.
  virtual void create_upload(const Upload& upload) = 0;
  virtual std::optional<Upload> find_upload(const std::string& id) = 0;
  virtual void touch_upload(const std::string& id, Millis at) = 0;
  virtual void delete_upload(const std::string& id) = 0;
  // Uploads not touched since `before`.
  virtual std::vector<Upload> stale_uploads(Millis before) = 0;
  // Bytes the user holds: their files (blob sizes, once per file) plus uploads still arriving.
  virtual std::int64_t stored_bytes(UserId user) = 0;
  // Uploads of the user not finished yet.
  virtual int pending_uploads(UserId user) = 0;
  virtual std::optional<Blob> find_blob(const std::string& sha256) = 0;
  // Records `blob` (unless known) and a file of it, and ends the upload, in one transaction.
  virtual FileInfo add_file(const Blob& blob, const Upload& upload, Millis at) = 0;
  virtual std::optional<StoredFile> find_file(FileId id) = 0;
  // Forgets files whose message was deleted and files no message took before `unattached_before`;
  // returns the blobs no file uses any more (their rows are gone: the caller removes the bytes).
  virtual std::vector<std::string> sweep_files(Millis unattached_before) = 0;
};

}  // namespace parley::store
