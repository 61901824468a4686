// Builds Config with CLI11. Precedence: flags > PARLEY_* environment > TOML file > defaults.
// CLI11 alone would let the file win over the environment, so environment values are turned into
// flags placed before the real ones (later flags win; the file only fills what is still unset).
#include "config/config.hpp"

#include "core/address.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace parley::config {
namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

// "--read-timeout" -> "PARLEY_READ_TIMEOUT"
std::string env_name(const std::string& flag) {
  std::string out = "PARLEY_";
  for (char c : flag.substr(2)) out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return out;
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

ParseOutcome parse(int argc, const char* const* argv, const EnvLookup& env) {
  Config c;
  CLI::App app{
      "Parley: a self-hosted web chat server.\n"
      "Settings come from defaults, then the TOML file given by --config, then PARLEY_*\n"
      "environment variables, then these flags (each later source wins).",
      "parley"};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_config("--config", "", "TOML file with any of the options below (key = value)");
  app.allow_config_extras(
      CLI::config_extras_mode::error);  // a misspelt key is an error, not ignored
  app.set_version_flag("--version", "parley 0.1.0");

  std::vector<std::string> flags;  // every option that can come from the environment
  auto add = [&](const std::string& flag, auto& target, const std::string& help) {
    // The variable is named in the help text only: its value is injected below, through `env`.
    auto* opt =
        app.add_option(flag, target, help + " [env " + env_name(flag) + "]")->capture_default_str();
    flags.push_back(flag);
    return opt;
  };

  std::vector<std::string> origins, proxies, stun, turn, gif_hosts, oidc;

  std::string default_rooms = "general";
  double read_timeout = c.limits.read_timeout.count();
  double idle_timeout = c.limits.idle_timeout.count();
  double first_byte_timeout = c.limits.first_byte_timeout.count();
  double write_timeout = c.limits.write_timeout.count();
  double ping_interval = c.limits.ws_ping_interval.count();
  double pong_timeout = c.limits.ws_pong_timeout.count();
  double grace = c.shutdown_grace.count();

  add("--host", c.host, "Address to listen on (0.0.0.0 for every interface)");
  add("--port", c.port, "TCP port; 0 picks a free one and prints it");
  add("--data-dir", c.data_dir, "Directory for the database and uploaded files");
  add("--web-root", c.web_root, "Directory of the built client (index.html and assets)");
  add("--tls-cert", c.tls_cert, "PEM certificate chain; with --tls-key serves HTTPS and WSS");
  add("--tls-key", c.tls_key, "PEM private key for --tls-cert");
  add("--allowed-origins", origins,
      "Comma-separated origins (https://chat.example.org) allowed to open the WebSocket, "
      "besides the page's own origin")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add("--trusted-proxies", proxies,
      "Comma-separated addresses of reverse proxies (127.0.0.1) whose X-Forwarded-For names the "
      "client, for the per-address limits")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add("--log-level", c.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  add("--threads", c.threads, "I/O threads; 0 means one per CPU core")->check(CLI::Range(0u, 256u));
  add("--store", c.store,
      "postgres://user@host/db: keep everything in this PostgreSQL database, which the nodes of a "
      "cluster share (docs/deploy.md); default: SQLite in --data-dir")
      ->check([](const std::string& v) {
        return v.empty() || v.starts_with("postgres://") || v.starts_with("postgresql://")
                   ? std::string()
                   : std::string("--store takes postgres://... (or nothing, for SQLite)");
      });
  add("--bus", c.bus,
      "redis://host:port: nodes of a cluster exchange events and presence through this Redis "
      "(docs/deploy.md); default: this node alone");
  add("--shutdown-grace", grace, "Seconds to finish in-flight work on SIGTERM")
      ->check(CLI::Range(0.0, 60.0));
  add("--max-header-bytes", c.limits.max_header_bytes, "Largest request line + headers")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 20));
  add("--max-body-bytes", c.limits.max_body_bytes, "Largest REST request body")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  add("--requests-per-second", c.limits.requests_per_second,
      "Sustained request rate allowed per connection")
      ->check(CLI::PositiveNumber);
  add("--request-burst", c.limits.request_burst, "Burst of requests allowed per connection")
      ->check(CLI::PositiveNumber);
  add("--read-timeout", read_timeout, "Seconds for a whole request to arrive (slowloris guard)")
      ->check(CLI::PositiveNumber);
  add("--idle-timeout", idle_timeout, "Seconds a keep-alive connection may sit idle")
      ->check(CLI::PositiveNumber);
  add("--first-byte-timeout", first_byte_timeout,
      "Seconds a new connection has to start its first request")
      ->check(CLI::PositiveNumber);
  add("--write-timeout", write_timeout, "Seconds for a response to drain to a slow reader")
      ->check(CLI::PositiveNumber);
  add("--ws-max-message-bytes", c.limits.ws_max_message_bytes, "Largest WebSocket message")
      ->check(CLI::Range(std::size_t{16}, std::size_t{16} << 20));
  add("--message-max-bytes", c.limits.message_max_bytes, "Longest chat message text, in bytes")
      ->check(CLI::Range(std::size_t{16}, std::size_t{1} << 20));
  add("--presence-room-members", c.limits.presence_room_members,
      "Rooms of up to this many members tell them when one comes online or goes offline")
      ->check(CLI::Range(0, 1 << 20));
  add("--ws-queue-frames", c.limits.ws_queue_frames,
      "Outbound frames queued per WebSocket before a stalled client is dropped")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  add("--ws-queue-bytes", c.limits.ws_queue_bytes,
      "Outbound bytes queued per WebSocket before a stalled client is dropped")
      ->check(CLI::Range(std::size_t{64} << 10, std::size_t{1} << 32));
  add("--ws-ping-interval", ping_interval, "Seconds between server pings on an idle WebSocket")
      ->check(CLI::PositiveNumber);
  add("--ws-pong-timeout", pong_timeout, "Seconds a WebSocket peer has to answer a ping")
      ->check(CLI::PositiveNumber);
  add("--ws-coalesce-ms", c.limits.ws_coalesce_ms,
      "Milliseconds a busy WebSocket gathers frames between two writes (0: write at once)")
      ->check(CLI::Range(0.0, 1000.0));
  add("--max-connections", c.limits.max_connections, "Open connections accepted at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  add("--max-connections-per-address", c.limits.max_connections_per_address,
      "Open connections accepted at once from one address (0: no limit; raise it behind a "
      "reverse proxy, where every client has the proxy's address)");
  add("--metrics-token", c.metrics_token,
      "Bearer token that opens GET /metrics to other hosts (loopback clients need none)");
  auto& f = c.files;
  add("--upload-max-bytes", f.max_bytes, "Largest file a user may upload")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
  add("--upload-quota-bytes", f.quota_bytes, "File storage per user, in bytes (0: unlimited)");
  add("--uploads-per-minute", f.uploads_per_minute, "Uploads a user may start per minute")
      ->check(CLI::Range(0.1, 100000.0));
  add("--files-sweep-seconds", f.sweep_seconds,
      "Seconds between sweeps that reclaim deleted files and stalled uploads")
      ->check(CLI::Range(0.05, 86400.0));

  auto& calls = c.calls;
  add("--stun", stun, "Comma-separated STUN URLs (stun:stun.example.org:3478) for calls")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add("--turn", turn,
      "Comma-separated TURN URLs (turn:turn.example.org:3478?transport=udp) for calls; needs "
      "--turn-secret")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add("--turn-secret", calls.turn_secret,
      "The secret shared with coturn (static-auth-secret): TURN credentials are made from it");
  add("--turn-ttl", calls.turn_ttl_seconds, "Seconds a TURN credential stays valid")
      ->check(CLI::Range(60.0, 30.0 * 86400));
  add("--ring-timeout-ms", calls.ring_timeout_ms,
      "Milliseconds a direct call rings before it ends as missed")
      ->check(CLI::Range(100.0, 600000.0));
  add("--call-grace-ms", calls.call_grace_ms,
      "Milliseconds a call keeps a peer whose socket closed (it may reconnect)")
      ->check(CLI::Range(100.0, 600000.0));

  auto& a = c.accounts;
  add("--public-url", a.public_url,
      "Address people use to reach Parley (https://chat.example.org), for links in e-mails; "
      "default: derived from --host and --port");
  app.add_flag("--guest-signin,!--no-guest-signin", a.guest_signin,
               "Allow guest sign-in with a generated name [env PARLEY_GUEST_SIGNIN]");
  flags.push_back("--guest-signin");
  add("--registration", a.registration,
      "Who may create an account until an admin changes it: open, invite (with an invitation) "
      "or closed")
      ->check(CLI::IsMember({"open", "invite", "closed"}));
  add("--default-rooms", default_rooms,
      "Comma-separated channels every new account joins (the first account creates them); "
      "\"\" for none");
  add("--gif-provider", c.gifs.provider, "GIF search: giphy or tenor (\"\" = off)")
      ->check(CLI::IsMember({"", "giphy", "tenor"}));
  add("--gif-api-key", c.gifs.api_key, "The GIF provider's API key (kept on the server)");
  add("--gif-api-url", c.gifs.api_url,
      "The GIF provider's search endpoint, when not its usual one (a compatible service)");
  add("--gif-media-hosts", gif_hosts,
      "Comma-separated hosts the provider serves GIFs from (allowed in the page's CSP); default: "
      "the provider's")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add("--oidc-provider", oidc,
      "A sign-in provider: id=NAME,issuer=URL,client-id=ID,client-secret=SECRET[,name=LABEL] "
      "(preset=google fills the issuer and label; preset=facebook uses Facebook Login and the "
      "Graph API, no issuer); repeat for more")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--oidc-allow-http", c.oidc_allow_http,
               "Accept sign-in providers over http (tests only)");
  flags.push_back("--oidc-allow-http");
  add("--push-subject", c.push.subject,
      "How push services reach this server's admin (mailto:you@example.org), sent with Web Push");
  app.add_flag("--push-any-endpoint", c.push.any_endpoint,
               "Accept Web Push endpoints over http or on local addresses (tests only)");
  flags.push_back("--push-any-endpoint");
  add("--argon2-ops", a.argon2_ops, "Argon2id passes per password hash")
      ->check(CLI::Range(1u, 20u));
  add("--argon2-mem-kib", a.argon2_mem_kib, "Argon2id memory per password hash, in KiB")
      ->check(CLI::Range(8u, 4u * 1024 * 1024));
  add("--session-days", a.session_days, "Days a session lives without use (renewed while used)")
      ->check(CLI::Range(0.01, 3650.0));
  add("--auth-attempts-per-minute", a.auth_attempts_per_minute,
      "Sign-in, registration and reset attempts allowed per address per minute")
      ->check(CLI::Range(1.0, 1e6));
  add("--smtp-url", a.smtp_url,
      "SMTP server for e-mail (smtp://host:587, smtps://host:465); without it links are logged");
  add("--smtp-user", a.smtp_user, "SMTP user name");
  add("--smtp-password", a.smtp_password, "SMTP password");
  add("--smtp-from", a.smtp_from, "Sender of Parley's e-mails");
  app.add_flag("--smtp-require-tls", a.smtp_require_tls,
               "Refuse to send e-mail over smtp:// without STARTTLS [env PARLEY_SMTP_REQUIRE_TLS]");
  flags.push_back("--smtp-require-tls");

  // Environment values become flags ahead of the real ones, so real flags still win.
  std::vector<std::string> args;
  args.emplace_back(argc > 0 ? argv[0] : "parley");
  auto on_command_line = [&](const std::string& flag) {
    for (int i = 1; i < argc; ++i) {
      std::string_view a = argv[i];
      if (a == flag || (a.starts_with(flag) && a.size() > flag.size() && a[flag.size()] == '='))
        return true;
    }
    return false;
  };
  // An empty variable counts as unset (as CLI11's own environment support has it).
  for (const auto& f : flags) {
    auto v = env(env_name(f));
    if (v && !v->empty() && !on_command_line(f)) args.push_back(f + "=" + *v);
  }
  if (auto v = env("PARLEY_CONFIG"); v && !v->empty() && !on_command_line("--config")) {
    args.push_back("--config=" + *v);
  }
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  std::vector<const char*> cargv;
  for (const auto& a : args) cargv.push_back(a.c_str());

  // CLI11 (Debian's) crashes on an option given an empty or unterminated list in the config file
  // (`host = []`, `host =[x`; found by config_fuzz): such a key is refused here, before it parses.
  std::string config_file;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i].starts_with("--config=")) config_file = args[i].substr(9);
    if (args[i] == "--config" && i + 1 < args.size()) config_file = args[i + 1];
  }
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (in) {
      try {
        for (const auto& item : app.get_config_formatter()->from_config(in)) {
          const bool ours = std::find(flags.begin(), flags.end(), "--" + item.name) != flags.end();
          if (ours && item.inputs.empty()) {
            return ParseOutcome{std::nullopt, 2,
                                "config file " + config_file + ": '" + item.name +
                                    "' has no value (an empty or unterminated list?)\n"};
          }
        }
      } catch (const CLI::ParseError&) {
        // app.parse below reports it
      }
    }
  }

  try {
    app.parse(static_cast<int>(cargv.size()), cargv.data());
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    int code = app.exit(e, out, err);
    return ParseOutcome{std::nullopt, code, out.str() + err.str()};
  }

  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return ParseOutcome{std::nullopt, 2, "--tls-cert and --tls-key must be given together\n"};
  }
  for (const auto& item : origins) {
    for (auto& o : split_list(item)) c.allowed_origins.push_back(std::move(o));
  }
  for (const auto& item : proxies) {
    for (const auto& p : split_list(item)) {
      auto address = core::canonical_address(p);
      if (!address) {
        return ParseOutcome{std::nullopt, 2,
                            "--trusted-proxies: '" + p + "' is not an IP address\n"};
      }
      c.trusted_proxies.push_back(std::move(*address));
    }
  }
  c.accounts.default_rooms = split_list(default_rooms);
  for (const auto& item : oidc) {
    OidcProviderConfig p;
    std::string preset;
    for (const auto& kv : split_list(item)) {
      auto eq = kv.find('=');
      std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
      if (k == "id")
        p.id = v;
      else if (k == "name")
        p.name = v;
      else if (k == "issuer")
        p.issuer = v;
      else if (k == "client-id")
        p.client_id = v;
      else if (k == "client-secret")
        p.client_secret = v;
      else if (k == "preset")
        preset = v;
      else if (k == "authorize-url")
        p.authorize_url = v;
      else if (k == "token-url")
        p.token_url = v;
      else if (k == "userinfo-url")
        p.userinfo_url = v;
      else
        return ParseOutcome{std::nullopt, 2, "--oidc-provider: unknown key '" + k + "'\n"};
    }
    if (preset == "google") {
      if (p.issuer.empty()) p.issuer = "https://accounts.google.com";
      if (p.name.empty()) p.name = "Google";
      if (p.id.empty()) p.id = "google";
    } else if (preset == "facebook") {
      // Facebook Login's dialog and token endpoint, and the Graph API's `me` (a Graph API version
      // Meta supports; override the URLs when it retires).
      p.facebook = true;
      if (p.id.empty()) p.id = "facebook";
      if (p.name.empty()) p.name = "Facebook";
      if (p.authorize_url.empty()) p.authorize_url = "https://www.facebook.com/v21.0/dialog/oauth";
      if (p.token_url.empty()) p.token_url = "https://graph.facebook.com/v21.0/oauth/access_token";
      if (p.userinfo_url.empty()) p.userinfo_url = "https://graph.facebook.com/v21.0/me";
      p.issuer = "https://www.facebook.com";
    } else if (!preset.empty()) {
      return ParseOutcome{std::nullopt, 2, "--oidc-provider: unknown preset '" + preset + "'\n"};
    }
    if (p.name.empty()) p.name = p.id;
    bool id_ok =
        !p.id.empty() && p.id.size() <= 32 &&
        p.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
    if (!p.facebook &&
        !(p.authorize_url.empty() && p.token_url.empty() && p.userinfo_url.empty())) {
      return ParseOutcome{std::nullopt, 2,
                          "--oidc-provider: authorize-url, token-url and userinfo-url are for "
                          "preset=facebook (OpenID providers are discovered from their issuer)\n"};
    }
    if (!id_ok || p.issuer.empty() || p.client_id.empty() || p.client_secret.empty()) {
      return ParseOutcome{std::nullopt, 2,
                          "--oidc-provider needs id (a-z, 0-9, -), issuer, client-id and "
                          "client-secret\n"};
    }
    c.oidc.push_back(std::move(p));
  }
  for (const auto& item : gif_hosts) {
    for (auto& h : split_list(item)) c.gifs.media_hosts.push_back(std::move(h));
  }
  for (const auto& item : stun) {
    for (auto& u : split_list(item)) c.calls.stun.push_back(std::move(u));
  }
  for (const auto& item : turn) {
    for (auto& u : split_list(item)) c.calls.turn.push_back(std::move(u));
  }
  if (!c.calls.turn.empty() && c.calls.turn_secret.empty()) {
    return ParseOutcome{std::nullopt, 2, "--turn needs --turn-secret\n"};
  }
  c.limits.read_timeout = Seconds{read_timeout};
  c.limits.idle_timeout = Seconds{idle_timeout};
  c.limits.first_byte_timeout = Seconds{first_byte_timeout};
  c.limits.write_timeout = Seconds{write_timeout};
  c.limits.ws_ping_interval = Seconds{ping_interval};
  c.limits.ws_pong_timeout = Seconds{pong_timeout};
  c.shutdown_grace = Seconds{grace};
  return ParseOutcome{std::move(c), 0, {}};
}

}  // namespace parley::config
