// Field rules.
#include "auth/validation.hpp"

#include "auth/common_passwords.hpp"

#include <gtest/gtest.h>

namespace parley::auth {
namespace {

TEST(Validation, Usernames) {
  EXPECT_FALSE(check_username("alice"));
  EXPECT_FALSE(check_username("a.b_c-9"));
  EXPECT_TRUE(check_username("ab"));
  EXPECT_TRUE(check_username(std::string(33, 'a')));
  EXPECT_TRUE(check_username("_alice"));
  EXPECT_TRUE(check_username("al ice"));
  EXPECT_TRUE(check_username("alicé"));
}

TEST(Validation, PasswordsNeedLengthAndRarity) {
  EXPECT_FALSE(check_password("correct horse", "bob"));
  EXPECT_TRUE(check_password("short", "bob"));
  EXPECT_TRUE(check_password("password", "bob"));
  EXPECT_TRUE(check_password("QWERTYUIOP", "bob"));  // common, whatever the case
  EXPECT_TRUE(check_password("bobthebuilder", "BobTheBuilder"));
  EXPECT_TRUE(check_password(std::string(1025, 'x'), "bob"));
  EXPECT_TRUE(check_password("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "bob"));
  EXPECT_FALSE(check_password("пароль-пароль", "bob"));  // 8+ characters of UTF-8
}

TEST(Validation, CommonPasswordListHasAThousandEntries) {
  EXPECT_GE(common_passwords().size(), 990u);  // 1,000 less duplicates after lower-casing
  EXPECT_TRUE(is_common_password("123456"));
  EXPECT_TRUE(is_common_password("letmein"));
  EXPECT_FALSE(is_common_password("this is not common at all"));
}

TEST(Validation, Emails) {
  EXPECT_FALSE(check_email("a@example.org"));
  EXPECT_TRUE(check_email("a@b"));
  EXPECT_TRUE(check_email("@example.org"));
  EXPECT_TRUE(check_email("a@@example.org"));
  EXPECT_TRUE(check_email("a b@example.org"));
  EXPECT_TRUE(check_email("a@example.org\r\nBcc: x@y.z"));
  EXPECT_TRUE(check_email("Eve <eve@evil.example>@example.org"));
  EXPECT_TRUE(check_email("a@example.org,b@example.org"));
  EXPECT_TRUE(check_email("\"quoted\"@example.org"));
}

TEST(Validation, DisplayNamesAndAbout) {
  EXPECT_FALSE(check_display_name("Zoë 🎉"));
  EXPECT_TRUE(check_display_name(std::string(65, 'x')));
  EXPECT_TRUE(check_display_name("line\nbreak"));
  EXPECT_FALSE(check_about(std::string(1000, 'x')));
  EXPECT_TRUE(check_about(std::string(1001, 'x')));
}

}  // namespace
}  // namespace parley::auth
