// One suite for every store's administration, Web Push and OpenID Connect parts, on SQLite and on
// PostgreSQL (store_fixtures.hpp); then PostgreSQL's cluster rules: two stores (two nodes) on one
// database taking an invitation's last uses and demoting the last admins at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <stdexcept>
#include <thread>

#include "store/postgres/pg_store.hpp"
#include "store_fixtures.hpp"
#include "test_ids.hpp"

namespace parley::store {
namespace {

using testing::BothStoreNames;
using testing::BothStores;

template <class F>
class AdminStoreTest : public testing::StoreTest<F> {};
TYPED_TEST_SUITE(AdminStoreTest, BothStores, BothStoreNames);

Invite invite(const std::string& code, UserId by, int max_uses, Millis expires_at = 10000) {
  return Invite{code, by, 1000, expires_at, max_uses, 0, {}, std::nullopt};
}

TYPED_TEST(AdminStoreTest, SettingsAreSetReplacedAndRemovedByAnEmptyValue) {
  EXPECT_FALSE(this->s().server_setting("registration"));
  this->s().set_server_setting("registration", "invite");
  EXPECT_EQ(this->s().server_setting("registration"), "invite");
  this->s().set_server_setting("registration", "open");
  EXPECT_EQ(this->s().server_setting("registration"), "open");
  this->s().set_server_setting("registration", "");
  EXPECT_FALSE(this->s().server_setting("registration"));
}

TYPED_TEST(AdminStoreTest, GuestsAreNotAccounts) {
  EXPECT_FALSE(this->s().has_accounts());
  this->add_user("visitor", std::nullopt, true);
  EXPECT_FALSE(this->s().has_accounts());
  this->add_user("ann");
  EXPECT_TRUE(this->s().has_accounts());
}

TYPED_TEST(AdminStoreTest, UsersAreListedByUsernameAndFoundByAnyNameOrAddress) {
  this->add_user("Carol", "carol@example.org");
  this->add_user("ann", "ann@mail.test");
  this->add_user("bob_50%");
  ASSERT_TRUE(this->s().update_profile(this->s().find_user_by_name_or_email("bob_50%")->id,
                                       ProfileUpdate{"Robert Mail", std::nullopt, std::nullopt}));
  std::int64_t total = -1;
  auto all = this->s().list_users("", 0, 10, total);
  EXPECT_EQ(total, 3);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].username, "ann");
  EXPECT_EQ(all[1].username, "bob_50%");
  EXPECT_EQ(all[2].username, "Carol");
  EXPECT_EQ(all[2].email, "carol@example.org");
  EXPECT_TRUE(all[0].password_hash.empty()) << "lists carry no password hash";

  auto page = this->s().list_users("", 1, 1, total);
  EXPECT_EQ(total, 3) << "the total counts every match, not the page";
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].username, "bob_50%");

  auto mail = this->s().list_users("MAIL", 0, 10, total);
  EXPECT_EQ(total, 2) << "ann's address, Robert's display name";
  ASSERT_EQ(mail.size(), 2u);
  EXPECT_EQ(mail[0].username, "ann");
  EXPECT_EQ(mail[1].username, "bob_50%");

  auto literal = this->s().list_users("_50%", 0, 10, total);
  EXPECT_EQ(total, 1) << "wildcards in the query match themselves";
  ASSERT_EQ(literal.size(), 1u);
  EXPECT_EQ(literal[0].username, "bob_50%");
  EXPECT_EQ(this->s().list_users("b_b", 0, 10, total).size(), 0u) << "'_' is no wildcard";
  EXPECT_EQ(total, 0);
}

TYPED_TEST(AdminStoreTest, AnActiveAdminAlwaysRemains) {
  auto ann = this->add_user("ann");
  auto bob = this->add_user("bob");
  ASSERT_TRUE(ann.is_admin);

  auto alone = this->s().set_user_flags(ann.id, false, std::nullopt);
  ASSERT_FALSE(alone);
  EXPECT_EQ(alone.error().code, core::Errc::kConflict);
  EXPECT_EQ(alone.error().message, "At least one active admin must remain");
  EXPECT_TRUE(this->s().find_user(ann.id)->is_admin) << "the refused change is rolled back";
  EXPECT_FALSE(this->s().set_user_flags(ann.id, std::nullopt, true));
  EXPECT_FALSE(this->s().find_user(ann.id)->deactivated);

  auto promoted = this->s().set_user_flags(bob.id, true, std::nullopt);
  ASSERT_TRUE(promoted);
  EXPECT_TRUE(promoted->is_admin);
  EXPECT_FALSE(promoted->deactivated);
  EXPECT_TRUE(promoted->password_hash.empty());
  auto gone = this->s().set_user_flags(ann.id, std::nullopt, true);
  ASSERT_TRUE(gone) << "bob is an active admin";
  EXPECT_TRUE(gone->deactivated);
  EXPECT_TRUE(gone->is_admin) << "what is not given stays";
  EXPECT_FALSE(this->s().set_user_flags(bob.id, false, std::nullopt))
      << "ann is an admin but deactivated: bob is the last active one";
  EXPECT_TRUE(this->s().set_user_flags(ann.id, false, false));
  auto missing = this->s().set_user_flags(UserId{bob.id.value() + 100}, true, std::nullopt);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::Errc::kNotFound);
}

TYPED_TEST(AdminStoreTest, AnInvitationIsTakenUpToItsUsesAndCanBeGivenBack) {
  auto ann = this->add_user("ann");
  auto room = this->add_room("channel", "General", ann.id);
  Invite two{"code-two",         ann.id, 1000, 10000, 2, 0, {room, RoomId{room.value() + 7}},
             "guest@example.org"};
  this->s().create_invite(two);

  auto found = this->s().find_invite("code-two", 5000);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->created_by, ann.id);
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->expires_at, 10000);
  EXPECT_EQ(found->max_uses, 2);
  EXPECT_EQ(found->uses, 0);
  EXPECT_EQ(found->rooms, (std::vector<RoomId>{room, RoomId{room.value() + 7}}));
  EXPECT_EQ(found->email, "guest@example.org");

  EXPECT_EQ(this->s().take_invite("code-two", 5000)->uses, 1);
  EXPECT_EQ(this->s().take_invite("code-two", 5000)->uses, 2);
  EXPECT_FALSE(this->s().take_invite("code-two", 5000)) << "used up";
  EXPECT_FALSE(this->s().find_invite("code-two", 5000));
  this->s().give_back_invite("code-two");  // the sign-up failed after taking it
  EXPECT_EQ(this->s().find_invite("code-two", 5000)->uses, 1);
  EXPECT_EQ(this->s().take_invite("code-two", 5000)->uses, 2);
  this->s().give_back_invite("code-two");
  this->s().give_back_invite("code-two");
  this->s().give_back_invite("code-two");
  EXPECT_EQ(this->s().find_invite("code-two", 5000)->uses, 0) << "never below none";

  EXPECT_FALSE(this->s().take_invite("code-two", 10000)) << "expired";
  EXPECT_FALSE(this->s().find_invite("code-two", 10000));
  EXPECT_FALSE(this->s().take_invite("no-such-code", 5000));
}

TYPED_TEST(AdminStoreTest, InvitationsAreListedNewestFirstAndRevokedByTheirCreator) {
  auto ann = this->add_user("ann");
  auto bob = this->add_user("bob");
  this->s().create_invite(invite("a-old", ann.id, 1));
  this->s().create_invite(Invite{"a-new", ann.id, 2000, 10000, 1, 0, {}, std::nullopt});
  this->s().create_invite(Invite{"b", bob.id, 1500, 10000, 1, 0, {}, std::nullopt});
  this->s().create_invite(invite("a-expired", ann.id, 1, 3000));
  this->s().create_invite(invite("a-used", ann.id, 1));
  ASSERT_TRUE(this->s().take_invite("a-used", 5000));

  auto codes = [](const std::vector<Invite>& list) {
    std::vector<std::string> out;
    for (const auto& i : list) out.push_back(i.code);
    return out;
  };
  EXPECT_EQ(codes(this->s().list_invites(ann.id, 5000)),
            (std::vector<std::string>{"a-new", "a-old"}));
  EXPECT_EQ(codes(this->s().list_invites(UserId{}, 5000)),
            (std::vector<std::string>{"a-new", "b", "a-old"}));

  EXPECT_FALSE(this->s().revoke_invite("b", ann.id)) << "only its creator (or an admin: 0)";
  EXPECT_TRUE(this->s().revoke_invite("b", bob.id));
  EXPECT_FALSE(this->s().revoke_invite("b", bob.id)) << "already revoked";
  EXPECT_TRUE(this->s().revoke_invite("a-old", UserId{}));
  EXPECT_FALSE(this->s().find_invite("b", 5000));
  EXPECT_FALSE(this->s().take_invite("b", 5000));
  EXPECT_EQ(codes(this->s().list_invites(UserId{}, 5000)), (std::vector<std::string>{"a-new"}));

  ASSERT_TRUE(this->s().set_user_flags(bob.id, true, std::nullopt));
  ASSERT_TRUE(this->s().set_user_flags(ann.id, std::nullopt, true));
  EXPECT_FALSE(this->s().find_invite("a-new", 5000)) << "a deactivated creator's links stop";
  EXPECT_FALSE(this->s().take_invite("a-new", 5000));
}

TYPED_TEST(AdminStoreTest, AMessageIsReportedOncePerReporterAndResolved) {
  auto ann = this->add_user("ann");
  auto bob = this->add_user("bob");
  auto room = this->add_room("channel", "General", ann.id);
  auto m = this->add_message(room, ann.id, "something rude", 1500);

  auto report = this->s().create_report(m, bob.id, "rude", 2000);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_GT(report->id, 0);
  EXPECT_EQ(report->message, m);
  EXPECT_EQ(report->room, room);
  EXPECT_EQ(report->room_name, "General");
  EXPECT_EQ(report->author.id, ann.id);
  EXPECT_EQ(report->author.username, "ann");
  EXPECT_EQ(report->text, "something rude");
  EXPECT_EQ(report->at, 1500);
  EXPECT_FALSE(report->deleted);
  EXPECT_EQ(report->reporter.id, bob.id);
  EXPECT_EQ(report->reason, "rude");
  EXPECT_EQ(report->created_at, 2000);
  EXPECT_EQ(report->resolved_at, 0);

  auto again = this->s().create_report(m, bob.id, "still rude", 2100);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, core::Errc::kConflict);
  EXPECT_EQ(again.error().message, "You already reported this message");
  auto by_ann = this->s().create_report(m, ann.id, "mine", 2200);
  ASSERT_TRUE(by_ann);

  auto open = this->s().list_reports(false, 10);
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].id, by_ann->id) << "newest first";
  EXPECT_EQ(this->s().list_reports(false, 1).size(), 1u);
  EXPECT_TRUE(this->s().list_reports(true, 10).empty());

  auto resolved = this->s().resolve_report(report->id, ann.id, true, 3000);
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->resolved_at, 3000);
  EXPECT_EQ(resolved->resolved_by, ann.id);
  EXPECT_EQ(this->s().list_reports(true, 10).size(), 1u);
  EXPECT_EQ(this->s().list_reports(false, 10).size(), 1u);
  auto reopened = this->s().resolve_report(report->id, ann.id, false, 4000);
  EXPECT_EQ(reopened->resolved_at, 0);
  EXPECT_FALSE(reopened->resolved_by);
  EXPECT_FALSE(this->s().resolve_report(report->id + 100, ann.id, true, 3000));

  this->sql("UPDATE messages SET deleted = 1, text = '' WHERE id = " + std::to_string(m.value()));
  auto shown = this->s().list_reports(false, 10);
  EXPECT_TRUE(shown[0].deleted);
  EXPECT_EQ(shown[0].text, "");
}

TYPED_TEST(AdminStoreTest, AdminRoomsAndGroupsCountTheirMembersMessagesAndAdmins) {
  auto ann = this->add_user("ann");
  auto bob = this->add_user("bob");
  auto cy = this->add_user("cy");
  const GroupId group{
      this->sql("INSERT INTO groups (name, created_by, created_at) VALUES ('Team Blue', " +
                std::to_string(ann.id.value()) + ", 1000) RETURNING id")};
  this->sql("INSERT INTO group_members (group_id, user_id, role, joined_at) VALUES (" +
            std::to_string(group.value()) + ", " + std::to_string(bob.id.value()) +
            ", 'admin', 1000), (" + std::to_string(group.value()) + ", " +
            std::to_string(cy.id.value()) + ", 'member', 1000)");
  this->sql("INSERT INTO groups (name, created_by, created_at) VALUES ('Other', " +
            std::to_string(ann.id.value()) + ", 1000)");

  auto general = this->add_room("channel", "General", ann.id);
  auto secret = this->add_room("private", "Secret plans", bob.id, group);
  this->add_room("direct", "", ann.id);
  auto gone = this->add_room("channel", "Gone", ann.id, group);
  this->sql("UPDATE rooms SET deleted = 1 WHERE id = " + std::to_string(gone.value()));
  this->add_member(general, ann.id, "admin");
  this->add_member(general, bob.id);
  this->add_member(general, cy.id, "admin");
  this->add_member(secret, bob.id, "admin");
  this->add_message(general, ann.id, "one", 1100);
  auto two = this->add_message(general, bob.id, "two", 1200);
  this->add_message(general, bob.id, "three", 1300);
  this->sql("UPDATE messages SET deleted = 1 WHERE id = " + std::to_string(two.value()));

  auto rooms = this->s().admin_rooms("", 10);
  ASSERT_EQ(rooms.size(), 2u) << "neither direct nor deleted rooms";
  EXPECT_EQ(rooms[0].room.id, general);
  EXPECT_EQ(rooms[0].room.kind, RoomKind::kChannel);
  EXPECT_EQ(rooms[0].room.name, "General");
  EXPECT_EQ(rooms[0].room.created_by, ann.id);
  EXPECT_EQ(rooms[0].room.last_seq, 3);
  EXPECT_EQ(rooms[0].members, 3);
  EXPECT_EQ(rooms[0].messages, 2) << "a deleted message is not counted";
  EXPECT_EQ(rooms[0].last_at, 1300);
  ASSERT_EQ(rooms[0].admins.size(), 2u);
  EXPECT_EQ(rooms[0].admins[0].username, "ann");
  EXPECT_EQ(rooms[0].admins[1].username, "cy");
  EXPECT_EQ(rooms[1].room.kind, RoomKind::kPrivate);
  EXPECT_EQ(rooms[1].room.group, group);
  EXPECT_EQ(rooms[1].members, 1);
  EXPECT_EQ(rooms[1].messages, 0);
  EXPECT_EQ(this->s().admin_rooms("PLAN", 10).size(), 1u);
  EXPECT_EQ(this->s().admin_rooms("", 1).size(), 1u);
  EXPECT_TRUE(this->s().admin_rooms("%", 10).empty());

  auto groups = this->s().admin_groups("", 10);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].group.name, "Other");
  EXPECT_EQ(groups[1].group.id, group);
  EXPECT_EQ(groups[1].group.name, "Team Blue");
  EXPECT_EQ(groups[1].members, 2);
  EXPECT_EQ(groups[1].rooms, 1) << "the deleted room is not counted";
  ASSERT_EQ(groups[1].admins.size(), 1u);
  EXPECT_EQ(groups[1].admins[0].id, bob.id);
  EXPECT_EQ(this->s().admin_groups("blue", 10).size(), 1u);
}

TYPED_TEST(AdminStoreTest, HealthCountsAccountsRoomsRecentMessagesAndStoredBytes) {
  auto ann = this->add_user("ann");
  this->add_user("visitor", std::nullopt, true);
  auto room = this->add_room("channel", "General", ann.id);
  this->add_room("private", "Quiet", ann.id);
  this->add_message(room, ann.id, "old", 1000);
  this->add_message(room, ann.id, "new", 5000);
  this->add_message(room, ann.id, "newer", 6000);
  this->sql(
      "INSERT INTO blobs (sha256, size, type, kind, created_at) VALUES ('aa', 300, 'text/plain', "
      "'file', 1), ('bb', 45, 'text/plain', 'file', 1)");

  auto h = this->s().health(5000);
  EXPECT_EQ(h.users, 2) << "guests included";
  EXPECT_EQ(h.rooms, 2);
  EXPECT_EQ(h.messages_since, 2);
  EXPECT_GT(h.database_bytes, 0);
  EXPECT_EQ(h.files_bytes, 345);
}

TYPED_TEST(AdminStoreTest, APushEndpointMovesToWhoeverSubscribesItLast) {
  auto ann = this->add_user("ann");
  auto bob = this->add_user("bob");
  auto session = this->s().create_session(Session{0, ann.id, "h1", "", "", 1, 1, 100000});
  auto made = this->s().add_push_subscription(
      PushSubscription{0, ann.id, "https://push.example/1", "key", "secret", "Firefox", 10, 0});
  EXPECT_GT(made.id, 0);
  EXPECT_EQ(made.endpoint, "https://push.example/1");
  auto mine = this->s().push_subscriptions(ann.id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].id, made.id);
  EXPECT_EQ(mine[0].p256dh, "key");
  EXPECT_EQ(mine[0].auth, "secret");
  EXPECT_EQ(mine[0].user_agent, "Firefox");
  EXPECT_EQ(mine[0].created_at, 10);
  EXPECT_EQ(mine[0].session, 0) << "none recorded";

  auto bobs_session = this->s().create_session(Session{0, bob.id, "h2", "", "", 1, 1, 100000});
  auto moved = this->s().add_push_subscription(PushSubscription{
      0, bob.id, "https://push.example/1", "key2", "secret2", "Chromium", 20, bobs_session.id});
  EXPECT_EQ(moved.id, made.id) << "the same endpoint, the same subscription";
  EXPECT_TRUE(this->s().push_subscriptions(ann.id).empty());
  auto bobs = this->s().push_subscriptions(bob.id);
  ASSERT_EQ(bobs.size(), 1u);
  EXPECT_EQ(bobs[0].p256dh, "key2");
  EXPECT_EQ(bobs[0].session, bobs_session.id);

  auto second = this->s().add_push_subscription(
      PushSubscription{0, ann.id, "https://push.example/2", "k", "s", "", 30, session.id});
  EXPECT_FALSE(this->s().delete_push_subscription(bob.id, second.id)) << "not bob's";
  EXPECT_TRUE(this->s().delete_push_subscription(ann.id, second.id));
  EXPECT_FALSE(this->s().delete_push_subscription(ann.id, second.id));
  EXPECT_TRUE(this->s().delete_push_subscription(UserId{}, made.id)) << "0: whoever's";
  EXPECT_TRUE(this->s().push_subscriptions(bob.id).empty());
}

TYPED_TEST(AdminStoreTest, APushSubscriptionEndsWithItsSignIn) {
  auto ann = this->add_user("ann");
  auto s1 = this->s().create_session(Session{0, ann.id, "h1", "", "", 1, 1, 200});
  auto s2 = this->s().create_session(Session{0, ann.id, "h2", "", "", 1, 1, 100000});
  auto s3 = this->s().create_session(Session{0, ann.id, "h3", "", "", 1, 1, 100000});
  this->s().add_push_subscription(PushSubscription{0, ann.id, "e1", "k", "a", "", 1, s1.id});
  this->s().add_push_subscription(PushSubscription{0, ann.id, "e2", "k", "a", "", 1, s2.id});
  this->s().add_push_subscription(PushSubscription{0, ann.id, "e3", "k", "a", "", 1, s3.id});
  this->s().add_push_subscription(PushSubscription{0, ann.id, "e4", "k", "a", "", 1, 0});
  EXPECT_EQ(this->s().push_subscriptions(ann.id).size(), 4u);

  EXPECT_EQ(this->s().delete_expired_sessions(300), 1);
  EXPECT_TRUE(this->s().delete_session(ann.id, s2.id));
  auto left = this->s().push_subscriptions(ann.id);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].endpoint, "e3");
  EXPECT_EQ(left[1].endpoint, "e4") << "one made before sessions were recorded stays";
  EXPECT_EQ(this->s().delete_sessions(ann.id, 0), 1);
  ASSERT_EQ(this->s().push_subscriptions(ann.id).size(), 1u);
}

TYPED_TEST(AdminStoreTest, PushGoesToActiveMembersAmongThoseAsked) {
  auto ann = this->add_user("ann");
  auto bob = this->add_user("bob");
  auto cy = this->add_user("cy");
  auto dee = this->add_user("dee");
  auto room = this->add_room("channel", "General", ann.id);
  this->add_member(room, ann.id);
  this->add_member(room, bob.id);
  this->add_member(room, cy.id);
  this->sql("UPDATE members SET notify = 0 WHERE user_id = " + std::to_string(bob.id.value()));
  this->sql("UPDATE members SET muted = 1 WHERE user_id = " + std::to_string(cy.id.value()));

  auto members = this->s().push_members(room, {bob.id, cy.id, dee.id});
  std::sort(members.begin(), members.end(),
            [](const PushMember& a, const PushMember& b) { return a.user < b.user; });
  ASSERT_EQ(members.size(), 2u) << "dee is no member";
  EXPECT_EQ(members[0].user, bob.id);
  EXPECT_FALSE(members[0].notify);
  EXPECT_FALSE(members[0].muted);
  EXPECT_EQ(members[1].user, cy.id);
  EXPECT_TRUE(members[1].notify);
  EXPECT_TRUE(members[1].muted);

  ASSERT_TRUE(this->s().set_user_flags(bob.id, std::nullopt, true));
  EXPECT_EQ(this->s().push_members(room, {bob.id, cy.id}).size(), 1u) << "bob is deactivated";
  EXPECT_TRUE(this->s().push_members(room, {}).empty());
}

TYPED_TEST(AdminStoreTest, AProvidersAccountLinksToOneParleyAccount) {
  auto ann = this->add_user("ann");
  auto bob = this->add_user("bob");
  auto linked = this->s().link_identity(Identity{"google", "sub-1", ann.id, "ann@gmail.test", 10});
  ASSERT_TRUE(linked);
  EXPECT_EQ(linked->subject, "sub-1");
  auto taken = this->s().link_identity(Identity{"google", "sub-1", bob.id, "", 20});
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, core::Errc::kConflict);
  ASSERT_TRUE(this->s().link_identity(Identity{"facebook", "sub-1", ann.id, "", 30}));

  auto found = this->s().find_identity("google", "sub-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user, ann.id);
  EXPECT_EQ(found->email, "ann@gmail.test");
  EXPECT_EQ(found->linked_at, 10);
  EXPECT_FALSE(this->s().find_identity("google", "sub-2"));
  auto list = this->s().identities(ann.id);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].provider, "facebook");
  EXPECT_EQ(list[1].provider, "google");

  EXPECT_FALSE(this->s().unlink_identity(bob.id, "google"));
  EXPECT_TRUE(this->s().unlink_identity(ann.id, "google"));
  EXPECT_FALSE(this->s().find_identity("google", "sub-1"));
  EXPECT_TRUE(this->s().link_identity(Identity{"google", "sub-1", bob.id, "", 40}));
}

TYPED_TEST(AdminStoreTest, AnOidcStateIsTakenOnceAndOnlyWhileFresh) {
  auto ann = this->add_user("ann");
  this->s().create_oidc_state(OidcState{"s1", "google", "nonce", "verifier", ann.id, 1000});
  this->s().create_oidc_state(OidcState{"s2", "google", "n2", "v2", UserId{}, 1000});
  auto st = this->s().take_oidc_state("s1", 500);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->state_hash, "s1");
  EXPECT_EQ(st->provider, "google");
  EXPECT_EQ(st->nonce, "nonce");
  EXPECT_EQ(st->verifier, "verifier");
  EXPECT_EQ(st->link_user, ann.id);
  EXPECT_EQ(st->created_at, 1000);
  EXPECT_FALSE(this->s().take_oidc_state("s1", 500)) << "once";
  EXPECT_FALSE(this->s().take_oidc_state("s2", 1000)) << "too old";
  EXPECT_FALSE(this->s().take_oidc_state("s2", 0)) << "and a stale one is gone once asked for";

  this->s().create_oidc_state(OidcState{"s3", "google", "n", "v", UserId{}, 2000});
  this->s().create_oidc_state(OidcState{"s4", "google", "n", "v", UserId{}, 2000 + 3600001});
  EXPECT_FALSE(this->s().take_oidc_state("s3", 0)) << "states an hour older are dropped";
  EXPECT_TRUE(this->s().take_oidc_state("s4", 0));
}

TYPED_TEST(AdminStoreTest, AnOidcLinkStaysUntilDeleted) {
  auto ann = this->add_user("ann");
  this->s().create_oidc_link(OidcLink{"t1", "google", "sub", "ann@x.test", ann.id, 1000});
  auto link = this->s().find_oidc_link("t1", 500);
  ASSERT_TRUE(link);
  EXPECT_EQ(link->token_hash, "t1");
  EXPECT_EQ(link->provider, "google");
  EXPECT_EQ(link->subject, "sub");
  EXPECT_EQ(link->email, "ann@x.test");
  EXPECT_EQ(link->user, ann.id);
  EXPECT_EQ(link->created_at, 1000);
  EXPECT_TRUE(this->s().find_oidc_link("t1", 500)) << "a wrong password may be retried";
  EXPECT_FALSE(this->s().find_oidc_link("t1", 1000)) << "too old";
  this->s().delete_oidc_link("t1");
  EXPECT_FALSE(this->s().find_oidc_link("t1", 500));

  this->s().create_oidc_link(OidcLink{"t2", "google", "sub", "e", ann.id, 1000});
  this->s().create_oidc_link(OidcLink{"t3", "google", "sub", "e", ann.id, 1000 + 3600001});
  EXPECT_FALSE(this->s().find_oidc_link("t2", 0)) << "links an hour older are dropped";
  EXPECT_TRUE(this->s().find_oidc_link("t3", 0));
}

// Two nodes: two PgStores on one database, each with its own connections.
class PgClusterAdminTest : public ::testing::Test {
 protected:
  parley::testing::PostgresServer server;
  std::string url = server.database("cluster");
  PgStore a{url};
  PgStore b{url};

  // Runs `fn(store, i)` on `threads` threads, half on each node, released together.
  template <class F>
  void at_once(int threads, F fn) {
    std::latch start(threads);
    std::vector<std::thread> running;
    for (int i = 0; i < threads; ++i) {
      running.emplace_back([&, i] {
        start.arrive_and_wait();
        fn(i % 2 ? b : a, i);
      });
    }
    for (auto& t : running) t.join();
  }
};

TEST_F(PgClusterAdminTest, AnInvitationTakenFromBothNodesAtOnceIsTakenExactlyItsUses) {
  auto ann = a.create_user(NewUser{"ann", std::nullopt, "h", "Ann", false, 1});
  ASSERT_TRUE(ann);
  for (int round = 0; round < 10; ++round) {
    auto code = "code-" + std::to_string(round);
    const int uses = 1 + round % 4;
    a.create_invite(Invite{code, ann->id, 1, 10000, uses, 0, {}, std::nullopt});
    std::atomic<int> taken{0};
    at_once(8, [&](PgStore& node, int) {
      for (int i = 0; i < 3; ++i) {
        if (node.take_invite(code, 5000)) ++taken;
      }
    });
    EXPECT_EQ(taken.load(), uses) << "round " << round;
    EXPECT_FALSE(b.find_invite(code, 5000));
    b.give_back_invite(code);
    EXPECT_EQ(a.find_invite(code, 5000)->uses, uses - 1);
  }
}

TEST_F(PgClusterAdminTest, TwoAdminsDemotingEachOtherAtOnceLeaveOne) {
  auto ann = a.create_user(NewUser{"ann", std::nullopt, "h", "Ann", false, 1});
  auto bob = b.create_user(NewUser{"bob", std::nullopt, "h", "Bob", false, 1});
  ASSERT_TRUE(ann && bob);
  for (int round = 0; round < 20; ++round) {
    ASSERT_TRUE(a.set_user_flags(ann->id, true, false));
    ASSERT_TRUE(b.set_user_flags(bob->id, true, false));
    std::atomic<int> done{0};
    // Demoting or deactivating: either leaves the other as the last active admin.
    at_once(2, [&](PgStore& node, int i) {
      auto flags = round % 2 ? node.set_user_flags(i ? bob->id : ann->id, false, std::nullopt)
                             : node.set_user_flags(i ? bob->id : ann->id, std::nullopt, true);
      if (flags) ++done;
    });
    EXPECT_EQ(done.load(), 1) << "round " << round;
    std::int64_t total = 0;
    int active = 0;
    for (const auto& u : a.list_users("", 0, 10, total)) active += u.is_admin && !u.deactivated;
    EXPECT_EQ(active, 1) << "round " << round;
  }
}

TEST_F(PgClusterAdminTest, AnOidcStateTakenFromBothNodesAtOnceComesBackOnce) {
  for (int round = 0; round < 20; ++round) {
    auto state = "state-" + std::to_string(round);
    a.create_oidc_state(OidcState{state, "google", "n", "v", UserId{}, 1000});
    std::atomic<int> taken{0};
    at_once(8, [&](PgStore& node, int) {
      if (node.take_oidc_state(state, 0)) ++taken;
    });
    EXPECT_EQ(taken.load(), 1) << "round " << round;
  }
}

TEST_F(PgClusterAdminTest, OneEndpointSubscribedOnBothNodesAtOnceIsOneSubscription) {
  auto ann = a.create_user(NewUser{"ann", std::nullopt, "h", "Ann", false, 1});
  auto bob = b.create_user(NewUser{"bob", std::nullopt, "h", "Bob", false, 1});
  ASSERT_TRUE(ann && bob);
  for (int round = 0; round < 10; ++round) {
    auto endpoint = "https://push.example/" + std::to_string(round);
    std::atomic<int> failed{0};
    at_once(8, [&](PgStore& node, int i) {
      try {
        node.add_push_subscription(
            PushSubscription{0, i % 2 ? bob->id : ann->id, endpoint, "k", "a", "", i, 0});
      } catch (const std::exception&) {
        ++failed;
      }
    });
    EXPECT_EQ(failed.load(), 0) << "round " << round;
    EXPECT_EQ(a.push_subscriptions(ann->id).size() + a.push_subscriptions(bob->id).size(),
              static_cast<std::size_t>(round + 1))
        << "round " << round << ": one subscription per endpoint, whoever holds it";
  }
}

}  // namespace
}  // namespace parley::store
