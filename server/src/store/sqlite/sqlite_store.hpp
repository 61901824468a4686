// The embedded SQLite Store: one file in WAL mode, created and migrated on open.
#pragma once

#include <filesystem>
#include <memory>

#include "store/store.hpp"

namespace parley::store {

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) and migrates the database. Throws std::runtime_error with a clear
  // message when it cannot, e.g. when the file was written by a newer Parley.
  explicit SqliteStore(const std::filesystem::path& file, int readers = 4);
  ~SqliteStore() override;

  // The schema version this binary knows, and the one in the file.
  static int known_schema_version();
  int schema_version();

  core::Result<User> create_user(const NewUser& user) override;
  std::optional<User> find_user(UserId id) override;
  std::optional<User> find_user_by_name_or_email(const std::string& login) override;
  core::Result<User> update_profile(UserId id, const ProfileUpdate& update) override;
  core::Result<User> set_email(UserId id, const std::optional<std::string>& email,
                               bool confirmed) override;
  void set_password_hash(UserId id, const std::string& hash) override;
  void set_settings(UserId id, const std::string& json) override;

  Session create_session(const Session& session) override;
  std::optional<Session> find_session(const std::string& token_hash) override;
  void touch_session(SessionId id, Millis last_seen, Millis expires_at) override;
  std::vector<Session> list_sessions(UserId user) override;
  bool delete_session(UserId user, SessionId id) override;
  int delete_sessions(UserId user, SessionId keep) override;
  int delete_expired_sessions(Millis now) override;

  void create_email_token(const EmailToken& token) override;
  std::optional<EmailToken> find_email_token(const std::string& token_hash,
                                             const std::string& purpose, Millis now) override;
  std::optional<EmailToken> take_email_token(const std::string& token_hash,
                                             const std::string& purpose, Millis now) override;

  void write_chat(ChatJob job, std::function<void(bool committed)> done) override;
  std::vector<RoomSummary> rooms_at_mark(
      UserId user, const std::function<void(const std::vector<RoomId>&)>& mark) override;
  std::optional<Room> room(RoomId id) override;
  std::optional<Membership> membership(RoomId room, UserId user) override;
  std::optional<Message> message(MessageId id) override;
  std::vector<RoomSummary> rooms_of(UserId user) override;
  std::vector<Event> history(RoomId room, Seq before, int limit,
                             const std::vector<EventKind>& skip) override;
  std::vector<Event> events_after(RoomId room, Seq after, int limit) override;
  std::vector<Event> thread(MessageId parent, Seq before, int limit) override;
  std::vector<Edit> edits(MessageId id) override;
  std::vector<Event> pins(RoomId room, int limit) override;
  SearchHits search(const SearchQuery& query) override;
  std::vector<MemberInfo> members(RoomId room, const MemberQuery& query) override;
  std::vector<DirectoryEntry> directory(UserId viewer, const std::string& query,
                                        int limit) override;
  std::vector<UserBrief> find_users(UserId viewer, const std::string& prefix, int limit) override;
  std::vector<UserBrief> presence_visible(UserId viewer, const std::vector<UserId>& users) override;
  std::vector<RoomId> small_rooms(UserId user, int members) override;
  std::optional<bool> group_role(GroupId group, UserId user) override;
  std::vector<GroupSummary> groups_of(UserId user) override;
  Millis set_last_seen(UserId user, Millis at) override;

  void create_upload(const Upload& upload) override;
  std::optional<Upload> find_upload(const std::string& id) override;
  void touch_upload(const std::string& id, Millis at) override;
  void delete_upload(const std::string& id) override;
  std::vector<Upload> stale_uploads(Millis before) override;
  std::int64_t stored_bytes(UserId user) override;
  int pending_uploads(UserId user) override;
  std::optional<Blob> find_blob(const std::string& sha256) override;
  FileInfo add_file(const Blob& blob, const Upload& upload, Millis at) override;
  std::optional<StoredFile> find_file(FileId id) override;
  std::vector<std::string> sweep_files(Millis unattached_before) override;
  std::optional<std::string> server_setting(const std::string& key) override;
  void set_server_setting(const std::string& key, const std::string& value) override;
  bool has_accounts() override;
  std::vector<User> list_users(const std::string& query, int offset, int limit,
                               std::int64_t& total) override;
  core::Result<User> set_user_flags(UserId id, std::optional<bool> admin,
                                    std::optional<bool> deactivated) override;
  void create_invite(const Invite& invite) override;
  std::optional<Invite> find_invite(const std::string& code, Millis now) override;
  std::vector<Invite> list_invites(UserId creator, Millis now) override;
  bool revoke_invite(const std::string& code, UserId by) override;
  std::optional<Invite> take_invite(const std::string& code, Millis now) override;
  void give_back_invite(const std::string& code) override;
  core::Result<Report> create_report(MessageId message, UserId reporter, const std::string& reason,
                                     Millis at) override;
  std::vector<Report> list_reports(bool resolved, int limit) override;
  std::optional<Report> resolve_report(std::int64_t id, UserId by, bool resolved,
                                       Millis at) override;
  std::vector<AdminRoom> admin_rooms(const std::string& query, int limit) override;
  std::vector<AdminGroup> admin_groups(const std::string& query, int limit) override;
  Health health(Millis messages_since) override;
  PushSubscription add_push_subscription(const PushSubscription& s) override;
  std::vector<PushSubscription> push_subscriptions(UserId user) override;
  bool delete_push_subscription(UserId user, std::int64_t id) override;
  std::vector<PushMember> push_members(RoomId room, const std::vector<UserId>& users) override;
  core::Result<Identity> link_identity(const Identity& identity) override;
  std::optional<Identity> find_identity(const std::string& provider,
                                        const std::string& subject) override;
  std::vector<Identity> identities(UserId user) override;
  bool unlink_identity(UserId user, const std::string& provider) override;
  void create_oidc_state(const OidcState& state) override;
  std::optional<OidcState> take_oidc_state(const std::string& state_hash,
                                           Millis made_after) override;
  void create_oidc_link(const OidcLink& link) override;
  std::optional<OidcLink> find_oidc_link(const std::string& token_hash, Millis made_after) override;
  void delete_oidc_link(const std::string& token_hash) override;

  // Stores what is queued and stops the chat writer: call before the event sinks go away.
  void stop_chat_writer();

  struct Impl;  // store_impl.hpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::store
