// AuthService rules that depend on time, with a real SQLite store in a temporary file and a clock
// the test moves forward (so expiry is tested without waiting).
#include "auth/service.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace parley::auth {
namespace {

class AuthServiceTest : public ::testing::Test {
 protected:
  AuthServiceTest()
      : dir_("parley_auth"),
        store_(dir_.path() / "parley.db"),
        auth_(
            store_, options(), [this](core::Email e) { mails_.push_back(std::move(e)); },
            [this] { return now_; }) {}

  static Options options() {
    Options o;
    o.cost = HashCost::minimum();
    o.session_ttl_ms = 1000 * 60 * 60;  // one hour
    o.reset_ttl_ms = 1000 * 60;         // one minute
    return o;
  }

  // The token in the last e-mail's link.
  std::string last_link_token() const {
    const auto& body = mails_.back().body;
    auto at = body.find("token=") + 6;
    return body.substr(at, body.find('\n', at) - at);
  }

  testing::TempDir dir_;
  store::SqliteStore store_;
  std::vector<core::Email> mails_;
  core::Millis now_ = 1'000'000'000'000;
  AuthService auth_;
  Client client_{"127.0.0.1", "test"};
};

TEST_F(AuthServiceTest, ExpiredResetLinkIsRefusedAndPasswordUnchanged) {
  ASSERT_TRUE(
      auth_.register_user({"ruth", "ruths secret words", "ruth@example.org", {}, {}}, client_));
  ASSERT_TRUE(auth_.begin_password_reset("ruth", client_));
  auth_.send_password_reset("ruth");
  std::string token = last_link_token();
  now_ += 61 * 1000;
  auto r = auth_.reset_password(token, "a brand new secret");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::Errc::kNotFound);
  EXPECT_TRUE(auth_.login("ruth", "ruths secret words", client_));
}

TEST_F(AuthServiceTest, WeakPasswordDoesNotBurnTheResetLink) {
  ASSERT_TRUE(
      auth_.register_user({"samantha1", "sams secret words", "sam@example.org", {}, {}}, client_));
  ASSERT_TRUE(auth_.begin_password_reset("sam@example.org", client_));
  auth_.send_password_reset("sam@example.org");
  std::string token = last_link_token();
  EXPECT_FALSE(auth_.reset_password(token, "short"));
  auto same = auth_.reset_password(token, "SAMANTHA1");
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().field, "password") << "refused for being the username, link kept";
  EXPECT_TRUE(auth_.reset_password(token, "a much better secret"));
}

TEST_F(AuthServiceTest, ResetLinkDiesWhenTheAddressChanges) {
  auto in = auth_.register_user({"tom", "toms secret words", "tom@example.org", {}, {}}, client_);
  ASSERT_TRUE(in);
  auth_.send_password_reset("tom");
  std::string token = last_link_token();
  Authenticated me{in->user, in->session};
  ASSERT_TRUE(auth_.change_email(me, std::string("tom@new.example"), "toms secret words"));
  EXPECT_FALSE(auth_.reset_password(token, "a much better secret"));
}

// Someone registering first with another person's address (never confirming it) does not keep its
// owner out: both accounts may carry it unconfirmed, the first to confirm holds it, and the other
// is told so; once confirmed, the address is taken for new accounts.
TEST_F(AuthServiceTest, AnUnconfirmedAddressDoesNotKeepItsOwnerOut) {
  ASSERT_TRUE(
      auth_.register_user({"squatter", "squatters secret", "wren@example.org", {}, {}}, client_));
  std::string squatter_link = last_link_token();
  auto owner =
      auth_.register_user({"wren", "wrens secret words", "Wren@example.org", {}, {}}, client_);
  ASSERT_TRUE(owner) << owner.error().message;
  ASSERT_TRUE(auth_.confirm_email(last_link_token()));
  auto late = auth_.confirm_email(squatter_link);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, core::Errc::kConflict);
  EXPECT_NE(late.error().message.find("confirmed this e-mail address first"), std::string::npos);
  auto third =
      auth_.register_user({"third", "thirds secret words", "wren@example.org", {}, {}}, client_);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().field, "email");
  // The confirmed address signs its owner in.
  auto in = auth_.login("wren@example.org", "wrens secret words", client_);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->user.username, "wren");
}

TEST_F(AuthServiceTest, ResetMailsPerAccountAreBounded) {
  ASSERT_TRUE(
      auth_.register_user({"ugo", "ugos secret words", "ugo@example.org", {}, {}}, client_));
  mails_.clear();
  for (int i = 0; i < 10; ++i) auth_.send_password_reset("ugo");
  EXPECT_EQ(mails_.size(), 3u);
}

TEST_F(AuthServiceTest, GuestsAreNeverTheFirstAdmin) {
  Options o = options();
  o.guest_signin = true;
  AuthService guests(
      store_, o, [](core::Email) {}, [this] { return now_; });
  auto g = guests.sign_in_guest(client_);
  ASSERT_TRUE(g);
  EXPECT_FALSE(g->user.is_admin);
  auto first = auth_.register_user({"wes", "wes secret words", {}, {}, {}}, client_);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->user.is_admin);
}

TEST_F(AuthServiceTest, SessionExpiresWithoutUseAndSlidesWithUse) {
  auto in = auth_.register_user({"tina", "tinas secret words", {}, {}, {}}, client_);
  ASSERT_TRUE(in);
  std::string token = in->token;
  for (int i = 0; i < 5; ++i) {  // five times 50 minutes, used each time: still valid
    now_ += 50 * 60 * 1000;
    ASSERT_TRUE(auth_.authenticate(token)) << i;
  }
  now_ += 61 * 60 * 1000;  // unused for longer than the lifetime
  EXPECT_FALSE(auth_.authenticate(token));
}

TEST_F(AuthServiceTest, UnknownTokensAreNotSessions) {
  EXPECT_FALSE(auth_.authenticate(""));
  EXPECT_FALSE(auth_.authenticate("made-up"));
  EXPECT_FALSE(auth_.authenticate(std::string(10000, 'a')));
}

TEST_F(AuthServiceTest, ResetForAnUnknownAccountSendsNothingButSaysTheSame) {
  auto r = auth_.begin_password_reset("nobody", client_);
  ASSERT_TRUE(r);
  auth_.send_password_reset("nobody");
  EXPECT_TRUE(mails_.empty());
}

TEST_F(AuthServiceTest, FailedLoginsLockTheGuesserOutForAWhileButNotTheOwnerElsewhere) {
  ASSERT_TRUE(auth_.register_user({"uma", "umas secret words", {}, {}, {}}, client_));
  int limited = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = auth_.login(i % 2 ? "uma" : "UMA", "wrong", client_);
    if (!r && r.error().code == core::Errc::kRateLimited) ++limited;
  }
  EXPECT_GE(limited, 2);
  EXPECT_FALSE(auth_.login("uma", "umas secret words", client_)) << "locked from this address";
  EXPECT_TRUE(auth_.login("uma", "umas secret words", Client{"10.0.0.9", "phone"}));
  now_ += 15 * 60 * 1000;  // forgiven one a minute
  EXPECT_TRUE(auth_.login("uma", "umas secret words", client_));
}

// Each new address brought ten more guesses; the account counts them from everywhere too.
TEST_F(AuthServiceTest, GuessesFromManyAddressesAreCountedPerAccountToo) {
  Options o = options();
  o.failures_per_account_anywhere = 20;
  AuthService auth(
      store_, o, [](core::Email) {}, [this] { return now_; });
  ASSERT_TRUE(auth.register_user({"ivy", "ivys secret words", {}, {}, {}}, client_));
  int limited = 0;
  for (int i = 0; i < 40; ++i) {
    Client c{"10.1." + std::to_string(i / 4) + ".1", "bot"};  // 4 guesses from each address
    auto r = auth.login("ivy", "wrong guess", c);
    if (!r && r.error().code == core::Errc::kRateLimited) ++limited;
  }
  EXPECT_EQ(limited, 20);
  now_ += 5 * 60000;  // one forgiven
  EXPECT_TRUE(auth.login("ivy", "ivys secret words", Client{"192.0.2.1", "owner"}));
  EXPECT_FALSE(auth.login("ivy", "wrong again", Client{"10.9.0.1", "bot"}));
}

TEST_F(AuthServiceTest, AnIpv6NetworkCountsAsOneAddress) {
  Options o = options();
  o.attempts_per_address = 3;
  AuthService limited(
      store_, o, [](core::Email) {}, [this] { return now_; });
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    Client c{"2001:db8:1:2::" + std::to_string(i + 1), "x"};
    auto r = limited.login("someone", "whatever it is", c);
    if (!r && r.error().code == core::Errc::kRateLimited) ++refused;
  }
  EXPECT_EQ(refused, 3);
}

TEST_F(AuthServiceTest, HashesRecordTheirParametersAndAreUpgradedAtLogin) {
  Options strong = options();
  strong.cost = HashCost{2, 16 * 1024};
  AuthService stronger(
      store_, strong, [](core::Email) {}, [this] { return now_; });
  ASSERT_TRUE(auth_.register_user({"vic", "vics secret words", {}, {}, {}}, client_));
  auto before = store_.find_user_by_name_or_email("vic")->password_hash;
  EXPECT_NE(before.find("$argon2id$"), std::string::npos);
  ASSERT_TRUE(stronger.login("vic", "vics secret words", client_));
  auto after = store_.find_user_by_name_or_email("vic")->password_hash;
  EXPECT_NE(before, after);
  EXPECT_NE(after.find("m=16,t=2"), std::string::npos) << after;
}

TEST_F(AuthServiceTest, ExpiredSessionsGoWithThePushSubscriptionsTheyMade) {
  auto first = auth_.register_user({"sid", "sids secret words", {}, {}, {}}, client_);
  ASSERT_TRUE(first);
  store_.add_push_subscription(store::PushSubscription{0, first->user.id, "https://push.example/a",
                                                       "p", "a", "", now_, first->session.id});
  now_ += 30 * 60 * 1000;  // half an hour: a second sign-in, the first still valid
  auto second = auth_.login("sid", "sids secret words", client_);
  ASSERT_TRUE(second);
  store_.add_push_subscription(store::PushSubscription{0, first->user.id, "https://push.example/b",
                                                       "p", "a", "", now_, second->session.id});
  EXPECT_EQ(store_.push_subscriptions(first->user.id).size(), 2u);

  // Past the first sign-in's hour (and an hour since the last sweep): the next sign-in sweeps.
  now_ += 31 * 60 * 1000;
  EXPECT_FALSE(auth_.authenticate(first->token)) << "expired";
  ASSERT_TRUE(auth_.login("sid", "sids secret words", client_));
  auto left = store_.push_subscriptions(first->user.id);
  ASSERT_EQ(left.size(), 1u) << "the expired sign-in's device gets nothing any more";
  EXPECT_EQ(left[0].endpoint, "https://push.example/b");
  EXPECT_EQ(store_.list_sessions(first->user.id).size(), 2u) << "the second and the new one";
}

}  // namespace
}  // namespace parley::auth
