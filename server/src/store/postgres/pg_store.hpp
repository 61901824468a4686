// The PostgreSQL store (issue 20: a cluster's nodes share it). Built a part at a time behind the
// Store's parts: accounts so far (users, sessions, e-mail tokens), passing the same test suite as
// SQLite's (tests/unit/store/account_store_test.cpp). Migrations from server/migrations/postgres,
// applied at start under an advisory lock, so nodes starting together apply each once.
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace parley::store {

namespace pg {
class Pool;
}

class PgAccountStore : public AccountStore {
 public:
  // `conninfo`: a postgres:// URL or libpq connection string. Throws when PostgreSQL cannot be
  // reached or its schema is newer than this binary knows.
  explicit PgAccountStore(const std::string& conninfo, int connections = 4);
  ~PgAccountStore() override;

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

 private:
  std::unique_ptr<pg::Pool> pool_;
};

}  // namespace parley::store
