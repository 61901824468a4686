// Config: every setting of the server in one struct, layered defaults <- TOML file (--config) <-
// PARLEY_* environment variables <- command-line flags. Parsed once in main and passed down.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace parley::config {

using Seconds = std::chrono::duration<double>;

struct Limits {
  std::size_t max_header_bytes = 16 * 1024;  // request line + headers
  std::size_t max_body_bytes = 1024 * 1024;  // REST bodies (uploads have their own limit)
  double requests_per_second = 100;          // per connection, sustained
  double request_burst = 200;                // per connection, bucket size
  Seconds read_timeout{10};                  // a whole request must arrive within this (slowloris)
  Seconds idle_timeout{60};                  // keep-alive connection with no request
  Seconds first_byte_timeout{5};             // a new connection's first request must start
  Seconds write_timeout{30};                 // a response must drain within this
  std::size_t ws_max_message_bytes = 64 * 1024;
  std::size_t ws_queue_frames = 8192;     // outbound frames queued per socket before we drop it
  std::size_t ws_queue_bytes = 8u << 20;  // and bytes: a socket that does not read pins no more
  Seconds ws_ping_interval{30};  // server pings; the peer must answer within ws_pong_timeout
  Seconds ws_pong_timeout{10};
  // A socket written to less than this ago waits for the rest of it before its next write, so a
  // busy room costs one system call per socket per interval rather than one per message. 0: off.
  double ws_coalesce_ms = 10;
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_address = 256;  // 0: no limit (behind a proxy, all share one)
  std::size_t message_max_bytes = 16 * 1024;      // chat message text
  // Rooms of up to this many members tell them of each other's presence unasked; in larger ones
  // each announcement would reach everyone, so clients watch whom they show.
  int presence_room_members = 100;
};

struct Accounts {
  std::string public_url;  // how people reach this server, for links in e-mails; "" = derived
  bool guest_signin = false;
  std::string registration = "open";  // open, invite or closed, until an admin changes it
  std::vector<std::string> default_rooms = {"general"};  // channels every new account joins
  unsigned argon2_ops = 2;                               // libsodium INTERACTIVE
  unsigned argon2_mem_kib = 65536;                       // 64 MiB, libsodium INTERACTIVE
  double session_days = 30;                              // renewed while used
  double auth_attempts_per_minute = 30;  // login/register/reset attempts per address
  std::string smtp_url;  // smtp://host:587 or smtps://host:465; "" = log e-mails instead
  std::string smtp_user;
  std::string smtp_password;
  std::string smtp_from = "Parley <parley@localhost>";
  bool smtp_require_tls = false;  // smtp:// upgrades with STARTTLS when offered; this insists
};

struct Files {
  std::size_t max_bytes = std::size_t{100} << 20;   // one upload
  std::size_t quota_bytes = std::size_t{10} << 30;  // per user; 0 = none
  double uploads_per_minute = 60;
  double sweep_seconds = 600;
};

// WebRTC calls: ICE servers handed to browsers, and the call timers.
struct Calls {
  std::vector<std::string> stun;  // stun:host:port URLs
  std::vector<std::string> turn;  // turn:host:port?transport=udp URLs (with turn_secret)
  std::string turn_secret;        // coturn's --static-auth-secret
  double turn_ttl_seconds = 24 * 3600;
  double ring_timeout_ms = 45000;  // a direct call nobody answers ends as missed
  double call_grace_ms = 8000;     // a peer whose socket closed stays this long (a reconnect)
};

struct Gifs {
  std::string provider;  // giphy, tenor, or "" (off)
  std::string api_key;
  std::string api_url;                   // "" = the provider's search endpoint
  std::vector<std::string> media_hosts;  // "" = the provider's
};

struct OidcProviderConfig {
  std::string id, name, issuer, client_id, client_secret;
  bool facebook = false;  // preset=facebook: OAuth 2.0 and the Graph API, not OpenID Connect
  std::string authorize_url, token_url, userinfo_url;  // Facebook's, unless overridden
};

struct Push {
  std::string subject;        // VAPID contact (mailto: or https:); "" = mailto:admin@<host>
  bool any_endpoint = false;  // accept http and local push endpoints (tests only)
};

struct Config {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0 = pick a free port and print it
  std::string data_dir = "./data";
  std::string web_root = "web/dist";
  std::string tls_cert;  // PEM certificate chain; with tls_key, serves HTTPS and WSS only
  std::string tls_key;
  std::vector<std::string> allowed_origins;  // besides the page's own origin
  // Reverse proxies whose X-Forwarded-For names the client (canonical addresses): the per-address
  // limits then see each client, not the proxy.
  std::vector<std::string> trusted_proxies;
  std::string log_level = "info";
  unsigned threads = 0;  // I/O threads; 0 = one per core
  std::string store;     // "" = SQLite in data_dir; postgres://... = a cluster's shared store
  std::string bus;       // "" = this node alone; redis://host:port = a cluster's bus
  Seconds shutdown_grace{1.5};
  // GET /metrics answers loopback clients (not through a proxy) and, when set, requests with
  // `Authorization: Bearer <metrics_token>`; anyone else gets 404.
  std::string metrics_token;
  Limits limits;
  Accounts accounts;
  Push push;
  std::vector<OidcProviderConfig> oidc;  // sign-in providers
  bool oidc_allow_http = false;          // http issuers (tests only)
  Gifs gifs;
  Files files;
  Calls calls;

  bool tls() const { return !tls_cert.empty() && !tls_key.empty(); }
  // People reach the server over https: its own TLS, or a TLS proxy in front (--public-url
  // https://...). Cookies are Secure and HSTS is sent then.
  bool https() const { return tls() || accounts.public_url.starts_with("https://"); }
};

// Looks up an environment variable; injected so tests need not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

struct ParseOutcome {
  std::optional<Config> config;  // empty when the process should exit (help, version, error)
  int exit_code = 0;
  std::string output;  // help text or the error to print
};

ParseOutcome parse(int argc, const char* const* argv, const EnvLookup& env);

}  // namespace parley::config
