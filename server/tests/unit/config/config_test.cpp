// Config layering: defaults <- TOML file <- PARLEY_* environment <- flags.
#include "config/config.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

namespace parley::config {
namespace {

struct FakeEnv {
  std::map<std::string, std::string> vars;
  EnvLookup lookup() const {
    return [this](const std::string& n) -> std::optional<std::string> {
      auto it = vars.find(n);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

ParseOutcome run(std::vector<std::string> args, const FakeEnv& env = {}) {
  args.insert(args.begin(), "parley");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  return parse(static_cast<int>(argv.size()), argv.data(), env.lookup());
}

std::filesystem::path write_file(const std::string& name, const std::string& text) {
  // Per process: ctest runs tests in parallel.
  auto p = std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p;
}

TEST(Config, DefaultsWithoutAnySource) {
  auto out = run({});
  ASSERT_TRUE(out.config) << out.output;
  EXPECT_EQ(out.config->port, 8080);
  EXPECT_EQ(out.config->data_dir, "./data");
  EXPECT_FALSE(out.config->tls());
}

TEST(Config, FlagsOverrideEnvironmentWhichOverridesFile) {
  auto file = write_file("parley_cfg_test.toml",
                         "port = 1111\nhost = \"0.0.0.0\"\ndata-dir = \"/from/file\"\n"
                         "web-root = \"/w\"\n");
  FakeEnv env{{{"PARLEY_PORT", "2222"}, {"PARLEY_DATA_DIR", "/from/env"}}};
  auto out = run({"--config", file.string(), "--port", "3333"}, env);
  ASSERT_TRUE(out.config) << out.output;
  EXPECT_EQ(out.config->port, 3333);             // flag wins
  EXPECT_EQ(out.config->data_dir, "/from/env");  // env beats file
  EXPECT_EQ(out.config->host, "0.0.0.0");        // file beats default
  EXPECT_EQ(out.config->web_root, "/w");         // dashed keys as in the flags
  std::filesystem::remove(file);
}

TEST(Config, ConfigFileCanComeFromEnvironment) {
  auto file = write_file("parley_cfg_env.toml", "port = 4444\n");
  FakeEnv env{{{"PARLEY_CONFIG", file.string()}}};
  auto out = run({}, env);
  ASSERT_TRUE(out.config) << out.output;
  EXPECT_EQ(out.config->port, 4444);
  std::filesystem::remove(file);
}

TEST(Config, AllowedOriginsAreACommaSeparatedList) {
  auto out = run({"--allowed-origins", "https://a.example, https://b.example"});
  ASSERT_TRUE(out.config) << out.output;
  EXPECT_EQ(out.config->allowed_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
}

TEST(Config, TrustedProxiesAreAddressesInOneSpellingEach) {
  auto out = run({"--trusted-proxies", "127.0.0.1, ::ffff:10.0.0.2,2001:DB8::1"});
  ASSERT_TRUE(out.config) << out.output;
  EXPECT_EQ(out.config->trusted_proxies,
            (std::vector<std::string>{"127.0.0.1", "10.0.0.2", "2001:db8::1"}));
  auto bad = run({"--trusted-proxies", "127.0.0.1,proxy.internal"});
  EXPECT_FALSE(bad.config);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("'proxy.internal' is not an IP address"), std::string::npos)
      << bad.output;
}

TEST(Config, OriginsFromATomlArray) {
  auto file = write_file("parley_cfg_origins.toml",
                         "allowed-origins = [\"https://a.example\", \"https://b.example\"]\n");
  auto out = run({"--config", file.string()});
  ASSERT_TRUE(out.config) << out.output;
  EXPECT_EQ(out.config->allowed_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
  std::filesystem::remove(file);
}

TEST(Config, EmptyEnvironmentVariablesAreIgnored) {
  FakeEnv env{{{"PARLEY_TLS_CERT", ""}, {"PARLEY_PORT", ""}}};
  auto out = run({"--tls-key", "/k.pem", "--tls-cert", "/c.pem"}, env);
  ASSERT_TRUE(out.config) << out.output;
  EXPECT_EQ(out.config->tls_cert, "/c.pem");
  EXPECT_EQ(out.config->port, 8080);
}

TEST(Config, FlagReplacesTheEnvironmentListInsteadOfAddingToIt) {
  FakeEnv env{{{"PARLEY_ALLOWED_ORIGINS", "https://env.example"}}};
  auto out = run({"--allowed-origins", "https://flag.example"}, env);
  ASSERT_TRUE(out.config) << out.output;
  EXPECT_EQ(out.config->allowed_origins, (std::vector<std::string>{"https://flag.example"}));
}

TEST(Config, UnknownKeysInTheFileAreRefused) {
  auto file = write_file("parley_cfg_unknown.toml", "web_rooot = \"/w\"\n");
  auto out = run({"--config", file.string()});
  EXPECT_FALSE(out.config);
  EXPECT_NE(out.output.find("web_rooot"), std::string::npos) << out.output;
  std::filesystem::remove(file);
}

// CLI11 crashed (SIGSEGV) on a one-value option given an empty or unterminated list; found by
// config_fuzz. Refused with a message instead.
TEST(Config, AnEmptyOrUnterminatedListIsRefusedNotACrash) {
  for (const char* text : {"host = []\n", "host = [ ]\n", "host =[s\n", "port = []\n"}) {
    auto file = write_file("parley_cfg_empty_list.toml", text);
    auto out = run({"--config", file.string()});
    EXPECT_FALSE(out.config) << text;
    EXPECT_NE(out.exit_code, 0) << text;
    EXPECT_NE(out.output.find("has no value"), std::string::npos) << text << out.output;
    std::filesystem::remove(file);
  }
  auto file = write_file("parley_cfg_list.toml", "allowed-origins = [\"https://a.example\"]\n");
  auto out = run({"--config", file.string()});
  ASSERT_TRUE(out.config) << out.output;
  EXPECT_EQ(out.config->allowed_origins.size(), 1u);
  std::filesystem::remove(file);
}

TEST(Config, NegativeSizesAreRefused) {
  EXPECT_FALSE(run({"--max-body-bytes", "-1"}).config);
  EXPECT_FALSE(run({"--ws-max-message-bytes", "0"}).config);
}

TEST(Config, DurationsAreSeconds) {
  auto out = run({"--read-timeout", "0.25", "--ws-ping-interval", "5"});
  ASSERT_TRUE(out.config) << out.output;
  EXPECT_DOUBLE_EQ(out.config->limits.read_timeout.count(), 0.25);
  EXPECT_DOUBLE_EQ(out.config->limits.ws_ping_interval.count(), 5.0);
}

TEST(Config, HelpExplainsEveryOptionAndExitsZero) {
  auto out = run({"--help"});
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 0);
  for (const char* flag : {"--host", "--port", "--data-dir", "--config", "--tls-cert", "--tls-key",
                           "--allowed-origins", "PARLEY_PORT"}) {
    EXPECT_NE(out.output.find(flag), std::string::npos) << flag;
  }
}

TEST(Config, BadValuesAreRefusedWithAMessage) {
  auto out = run({"--port", "not-a-number"});
  EXPECT_FALSE(out.config);
  EXPECT_NE(out.exit_code, 0);
  EXPECT_FALSE(out.output.empty());
  EXPECT_FALSE(run({"--log-level", "loud"}).config);
  EXPECT_FALSE(run({"--no-such-flag"}).config);
}

TEST(Config, TlsNeedsBothCertificateAndKey) {
  auto out = run({"--tls-cert", "/tmp/cert.pem"});
  EXPECT_FALSE(out.config);
  EXPECT_NE(out.output.find("together"), std::string::npos);
  auto both = run({"--tls-cert", "/c.pem", "--tls-key", "/k.pem"});
  ASSERT_TRUE(both.config);
  EXPECT_TRUE(both.config->tls());
}

TEST(Config, SignInProviderPresets) {
  auto out = run({"--oidc-provider", "preset=google,client-id=g,client-secret=gs",
                  "--oidc-provider", "preset=facebook,client-id=f,client-secret=fs"});
  ASSERT_TRUE(out.config) << out.output;
  ASSERT_EQ(out.config->oidc.size(), 2u);
  const auto& google = out.config->oidc[0];
  EXPECT_EQ(google.id, "google");
  EXPECT_EQ(google.issuer, "https://accounts.google.com");
  EXPECT_FALSE(google.facebook);
  const auto& facebook = out.config->oidc[1];
  EXPECT_EQ(facebook.id, "facebook");
  EXPECT_EQ(facebook.name, "Facebook");
  EXPECT_TRUE(facebook.facebook);
  EXPECT_TRUE(facebook.authorize_url.starts_with("https://www.facebook.com/"));
  EXPECT_TRUE(facebook.token_url.starts_with("https://graph.facebook.com/"));
  EXPECT_TRUE(facebook.userinfo_url.ends_with("/me"));
  // Endpoints are Facebook's to override; an OpenID provider is discovered from its issuer.
  auto wrong =
      run({"--oidc-provider",
           "id=x,issuer=https://id.example,client-id=a,client-secret=b,token-url=https://t"});
  EXPECT_FALSE(wrong.config);
  EXPECT_NE(wrong.output.find("preset=facebook"), std::string::npos);
}

}  // namespace
}  // namespace parley::config
