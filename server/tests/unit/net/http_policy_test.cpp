// Origin check, rate limiting and the headers every response carries.
#include "net/http_policy.hpp"

#include <gtest/gtest.h>

namespace parley::net {
namespace {

TEST(OriginCheck, SameOriginIsAllowed) {
  EXPECT_TRUE(origin_allowed("http://localhost:8080", "localhost:8080", false, {}));
  EXPECT_TRUE(origin_allowed("https://Chat.Example.org", "chat.example.org", true, {}));
}

TEST(OriginCheck, SchemeMustMatchTheConnection) {
  EXPECT_FALSE(origin_allowed("http://chat.example.org", "chat.example.org", true, {}));
}

TEST(OriginCheck, ForeignMissingOrNullOriginsAreRefused) {
  EXPECT_FALSE(origin_allowed("http://evil.example", "localhost:8080", false, {}));
  EXPECT_FALSE(origin_allowed("", "localhost:8080", false, {}));
  EXPECT_FALSE(origin_allowed("null", "localhost:8080", false, {}));
  EXPECT_FALSE(origin_allowed("http://localhost:8080.evil.example", "localhost:8080", false, {}));
}

TEST(OriginCheck, ConfiguredOriginsAreAllowed) {
  EXPECT_TRUE(
      origin_allowed("https://app.example", "backend:8080", false, {"https://app.example"}));
}

TEST(TokenBucket, AllowsTheBurstThenRefillsAtTheRate) {
  auto t0 = TokenBucket::Clock::now();
  TokenBucket bucket(10, 3, t0);
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0));
  EXPECT_GE(bucket.retry_after_seconds(), 1);
  EXPECT_TRUE(bucket.take(t0 + std::chrono::milliseconds(100)));
  EXPECT_FALSE(bucket.take(t0 + std::chrono::milliseconds(100)));
}

TEST(SecurityHeaders, IncludeCspNosniffReferrerAndFrameAncestors) {
  bool csp = false, nosniff = false, referrer = false;
  for (const auto& [k, v] : security_headers()) {
    if (k == "Content-Security-Policy")
      csp = v.find("frame-ancestors 'none'") != std::string_view::npos;
    if (k == "X-Content-Type-Options") nosniff = v == "nosniff";
    if (k == "Referrer-Policy") referrer = true;
  }
  EXPECT_TRUE(csp);
  EXPECT_TRUE(nosniff);
  EXPECT_TRUE(referrer);
}

}  // namespace
}  // namespace parley::net
