// Static file resolution: types, caching policy, pre-compressed siblings, SPA fallback, safety.
#include "net/static_files.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <vector>

namespace parley::net {
namespace {
namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = base_.path() / "root";
    fs::create_directories(root_ / "assets");
    put("index.html", "<!doctype html>");
    put("assets/app-1234.js", "console.log(1)");
    put("assets/app-1234.js.br", "BR");
    put("assets/app-1234.js.gz", "GZ");
    put("favicon.svg", "<svg/>");
    put(".env", "secret");
    fs::create_directories(root_.parent_path() / "outside");
    std::ofstream(root_.parent_path() / "outside" / "secret.txt") << "x";
  }
  void put(const std::string& rel, const std::string& text) { std::ofstream(root_ / rel) << text; }
  testing::TempDir base_{"parley_static"};
  fs::path root_;
};

TEST_F(StaticFilesTest, ServesAFileWithItsTypeAndRevalidation) {
  StaticFiles files(root_);
  auto f = files.resolve("/favicon.svg", "");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->content_type, "image/svg+xml");
  EXPECT_EQ(f->cache_control, "no-cache");
  EXPECT_EQ(f->size, 6u);
  EXPECT_EQ(f->etag.front(), '"');
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutable) {
  auto f = StaticFiles(root_).resolve("/assets/app-1234.js", "");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(f->cache_control.find("immutable"), std::string::npos);
  EXPECT_EQ(f->content_encoding, "");
}

TEST_F(StaticFilesTest, OnlyTheTransferWorkerMayCompileWebAssembly) {
  put("assets/transfer-worker-ab12.js", "hash()");
  StaticFiles files(root_);
  auto worker = files.resolve("/assets/transfer-worker-ab12.js", "");
  ASSERT_TRUE(worker);
  EXPECT_NE(worker->csp.find("script-src 'self' 'wasm-unsafe-eval';"), std::string::npos);
  EXPECT_NE(worker->csp.find("object-src 'none'"), std::string::npos);
  auto app = files.resolve("/assets/app-1234.js", "");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->csp, "");  // the page's, which has no 'wasm-unsafe-eval'
  EXPECT_EQ(files.resolve("/", "")->csp, "");
}

TEST_F(StaticFilesTest, PrefersBrotliThenGzipWhenAccepted) {
  StaticFiles files(root_);
  auto br = files.resolve("/assets/app-1234.js", "gzip, deflate, br");
  ASSERT_TRUE(br);
  EXPECT_EQ(br->content_encoding, "br");
  EXPECT_EQ(br->path.filename(), "app-1234.js.br");
  EXPECT_EQ(br->content_type, "text/javascript; charset=utf-8");
  auto gz = files.resolve("/assets/app-1234.js", "gzip");
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->content_encoding, "gzip");
  EXPECT_NE(gz->etag, br->etag);
  auto refused = files.resolve("/assets/app-1234.js", "br;q=0, gzip;q=0");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->content_encoding, "");
}

TEST_F(StaticFilesTest, ClientRoutesFallBackToIndex) {
  StaticFiles files(root_);
  for (const char* route : {"/", "/rooms/42", "/settings/"}) {
    auto f = files.resolve(route, "");
    ASSERT_TRUE(f) << route;
    EXPECT_EQ(f->path.filename(), "index.html") << route;
    EXPECT_EQ(f->content_type, "text/html; charset=utf-8");
  }
}

TEST_F(StaticFilesTest, MissingFilesWithAnExtensionAre404) {
  EXPECT_FALSE(StaticFiles(root_).resolve("/assets/missing.js", ""));
}

TEST_F(StaticFilesTest, UnsafePathsAreRefused) {
  StaticFiles files(root_);
  for (const std::string& p : std::vector<std::string>{
           "/../outside/secret.txt", "/assets/../../outside/secret.txt", "/.env", "/a\\b.js",
           std::string("/index.html\0.js", 15), "relative.html"}) {
    EXPECT_FALSE(files.resolve(p, "")) << p;
  }
}

TEST_F(StaticFilesTest, SymlinkOutOfTheRootIsRefused) {
  fs::create_symlink(root_.parent_path() / "outside" / "secret.txt", root_ / "link.txt");
  EXPECT_FALSE(StaticFiles(root_).resolve("/link.txt", ""));
}

TEST(AcceptEncoding, ParsesListsAndQualities) {
  EXPECT_TRUE(accepts_encoding("gzip, br", "br"));
  EXPECT_TRUE(accepts_encoding("GZIP", "gzip"));
  EXPECT_FALSE(accepts_encoding("gzip", "br"));
  EXPECT_FALSE(accepts_encoding("br;q=0", "br"));
  EXPECT_TRUE(accepts_encoding("br;q=0.5", "br"));
  EXPECT_TRUE(accepts_encoding("*", "br"));
  EXPECT_FALSE(accepts_encoding("", "br"));
}

TEST(EtagMatch, HandlesListsWeakAndStar) {
  EXPECT_TRUE(etag_matches("\"a\"", "\"a\""));
  EXPECT_TRUE(etag_matches("\"x\", W/\"a\"", "\"a\""));
  EXPECT_TRUE(etag_matches("*", "\"a\""));
  EXPECT_FALSE(etag_matches("\"b\"", "\"a\""));
  EXPECT_FALSE(etag_matches("", "\"a\""));
}

}  // namespace
}  // namespace parley::net
