// Origin check, rate limiting and the headers every response carries.
#include "net/http_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// Behind a trusted proxy the client is the last address X-Forwarded-For names that is not a
// trusted proxy; what the client wrote itself before it, and the header from anyone else, count
// for nothing.
TEST(ClientAddress, IsForwardedOnlyThroughTrustedProxies) {
  const std::vector<std::string> proxies{"127.0.0.1", "10.0.0.2"};
  EXPECT_EQ(client_address("127.0.0.1", "203.0.113.7", proxies), "203.0.113.7");
  EXPECT_EQ(client_address("::ffff:127.0.0.1", "203.0.113.7", proxies), "203.0.113.7")
      << "an IPv4-mapped peer is its IPv4 address";
  EXPECT_EQ(client_address("127.0.0.1", "1.2.3.4, 203.0.113.7", proxies), "203.0.113.7")
      << "what the client wrote is before what the proxy appended";
  EXPECT_EQ(client_address("127.0.0.1", "203.0.113.7,10.0.0.2", proxies), "203.0.113.7")
      << "a chain of trusted proxies";
  EXPECT_EQ(client_address("127.0.0.1", " 2001:DB8::1 ", proxies), "2001:db8::1");
  EXPECT_EQ(client_address("198.51.100.9", "203.0.113.7", proxies), "198.51.100.9")
      << "a peer that is not a trusted proxy is the client, whatever it says";
  EXPECT_EQ(client_address("127.0.0.1", "203.0.113.7", {}), "127.0.0.1") << "none trusted";
  EXPECT_EQ(client_address("127.0.0.1", "", proxies), "127.0.0.1") << "no header";
  EXPECT_EQ(client_address("127.0.0.1", "unknown", proxies), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "10.0.0.2, 127.0.0.1", proxies), "127.0.0.1")
      << "only proxies: the peer";
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
