// Routing by method and path, and the JSON error shape.
#include "net/router.hpp"

#include <gtest/gtest.h>

namespace parley::net {
namespace {

Handler tagged(int* hit, int tag) {
  return [hit, tag](std::shared_ptr<const HttpRequest>, Reply) { *hit = tag; };
}

TEST(Router, MatchesMethodAndExactPath) {
  Router r;
  int hit = 0;
  r.add("GET", "/api/me", tagged(&hit, 1));
  r.add("POST", "/api/me", tagged(&hit, 2));
  auto m = r.find("POST", "/api/me");
  ASSERT_NE(m.handler, nullptr);
  (*m.handler)(nullptr, nullptr);
  EXPECT_EQ(hit, 2);
  EXPECT_EQ(r.find("GET", "/api/me/x").handler, nullptr);
}

TEST(Router, HeadUsesTheGetRoute) {
  Router r;
  int hit = 0;
  r.add("GET", "/api/x", tagged(&hit, 1));
  EXPECT_NE(r.find("HEAD", "/api/x").handler, nullptr);
}

TEST(Router, KnownPathWithOtherMethodIsReported) {
  Router r;
  int hit = 0;
  r.add("GET", "/api/x", tagged(&hit, 1));
  auto m = r.find("DELETE", "/api/x");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_FALSE(r.find("DELETE", "/api/y").path_known);
}

TEST(Router, PrefixRoutes) {
  Router r;
  int hit = 0;
  r.add_prefix("GET", "/api/files/", tagged(&hit, 7));
  EXPECT_NE(r.find("GET", "/api/files/abc").handler, nullptr);
  EXPECT_EQ(r.find("GET", "/api/filesabc").handler, nullptr);
}

TEST(HttpResponse, ErrorIsJsonWithCodeAndMessage) {
  auto res = HttpResponse::error(400, "bad_request", "Quote \" and newline \n and \x01");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body, R"({"error":"bad_request","message":"Quote \" and newline \n and \u0001"})");
}

TEST(HttpRequest, HeaderLookupIsByLowerCaseName) {
  HttpRequest req;
  req.headers = {{"origin", "http://a"}, {"host", "h"}};
  EXPECT_EQ(req.header("origin"), "http://a");
  EXPECT_EQ(req.header("cookie"), "");
}

}  // namespace
}  // namespace parley::net
