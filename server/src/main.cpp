// The composition root: reads the configuration, builds the store, services and server, runs them.
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>
#include <thread>

#include "api/accounts_api.hpp"
#include "api/admin_api.hpp"
#include "api/files_api.hpp"
#include "auth/admin.hpp"
#include "auth/service.hpp"
#include "bus/bus.hpp"
#include "bus/redis_bus.hpp"
#include "chat/files.hpp"
#include "chat/service.hpp"
#include "config/config.hpp"
#include "core/base64.hpp"
#include "core/timer_thread.hpp"
#include "core/worker_pool.hpp"
#include "gateway/gateway.hpp"
#include "gateway/push_notifier.hpp"
#include "gateway/rtc_commands.hpp"
#include "gateway/transfer_commands.hpp"
#include "hub/hub.hpp"
#include "media/gifs.hpp"
#include "media/media.hpp"
#include "net/http_policy.hpp"
#include "net/metrics.hpp"
#include "net/router.hpp"
#include "net/server.hpp"
#include "net/websocket.hpp"
#include "notify/mailer.hpp"
#include "notify/push_sender.hpp"
#include "protocol/frames.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace {

using namespace parley;

auth::Options auth_options(const config::Config& c, unsigned short port) {
  const auto& a = c.accounts;
  auth::Options o;
  o.cost = auth::HashCost{a.argon2_ops, static_cast<std::size_t>(a.argon2_mem_kib) * 1024};
  o.session_ttl_ms = static_cast<core::Millis>(a.session_days * 24 * 3600 * 1000);
  o.guest_signin = a.guest_signin;
  o.registration = a.registration;
  o.attempts_per_address = a.auth_attempts_per_minute;
  o.address_refill_ms = static_cast<core::Millis>(60000 / a.auth_attempts_per_minute);
  o.public_url = a.public_url;
  if (o.public_url.empty()) {
    std::string host = c.host == "0.0.0.0" || c.host == "::" ? "localhost" : c.host;
    o.public_url = fmt::format("{}://{}:{}", c.tls() ? "https" : "http", host, port);
  }
  while (!o.public_url.empty() && o.public_url.back() == '/') o.public_url.pop_back();
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  auto outcome = config::parse(argc, argv, config::process_env());
  if (!outcome.config) {
    (outcome.exit_code == 0 ? std::cout : std::cerr) << outcome.output;
    return outcome.exit_code;
  }
  const config::Config& config = *outcome.config;
  // Logs go to stderr; stdout carries only the "listening on" line.
  spdlog::set_default_logger(spdlog::stderr_color_mt("parley"));
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");

  try {
    media::init_images(argv[0]);
    std::filesystem::path data = config.data_dir;
    std::filesystem::create_directories(data);
    if (!std::filesystem::exists(std::filesystem::path(config.web_root) / "index.html")) {
      spdlog::warn("no client at {}/index.html: build it with `make web`; pages will 404",
                   config.web_root);
    }
    // One machine: SQLite in the data directory. A cluster's nodes share PostgreSQL.
    std::unique_ptr<store::SqliteStore> sqlite;
    std::unique_ptr<store::PgStore> postgres;
    if (config.store.empty())
      sqlite = std::make_unique<store::SqliteStore>(data / "parley.db");
    else
      postgres = std::make_unique<store::PgStore>(config.store);
    store::Store& store = sqlite ? static_cast<store::Store&>(*sqlite) : *postgres;
    // Blocking work (SQLite, Argon2id, SMTP) runs here, never on the I/O threads.
    core::WorkerPool pool(std::max(2u, std::thread::hardware_concurrency()));
    const auto& a = config.accounts;
    notify::Mailer mailer(
        {a.smtp_url, a.smtp_user, a.smtp_password, a.smtp_from, a.smtp_require_tls});
    if (mailer.logs_only())
      spdlog::info("no --smtp-url: e-mails (with their links) are written to this log");

    // Chat: the writer hands committed events to the stream; its lanes put them on the bus; the
    // bus hands them to this node's hub, whose lanes (one per I/O thread) put them on sockets.
    const unsigned io_threads =
        config.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : config.threads;
    // One node alone: a local bus. A cluster's nodes share Redis (--bus redis://...).
    std::unique_ptr<bus::Bus> bus_owner;
    bus::RedisBus* redis = nullptr;
    if (config.bus.empty()) {
      bus_owner = std::make_unique<bus::LocalBus>();
    } else {
      std::string why;
      auto redis_options = bus::parse_redis_url(config.bus, &why);
      if (!redis_options) {
        spdlog::critical("--bus: {}", why);
        return 2;
      }
      auto r = std::make_unique<bus::RedisBus>(*redis_options);
      redis = r.get();
      bus_owner = std::move(r);
    }
    bus::Bus& bus = *bus_owner;
    hub::Hub hub(redis ? redis->node() : 1, io_threads);
    bus.subscribe([&hub](const bus::Message& m) { hub.deliver(m); });
    gateway::EventStream stream(bus);
    chat::Options chat_options;
    chat_options.max_text_bytes = config.limits.message_max_bytes;
    chat_options.presence_up_to = config.limits.presence_room_members;
    chat::ChatService chat(store, stream, chat_options);
    auth::AuthService* auth_service = nullptr;  // made once the port is known, before any request
    gateway::Gateway ws(chat, stream, hub, bus, pool, [&](auto upgrade, auto done) {
      api::admit_signed_in(
          *auth_service, pool, std::move(upgrade), [done = std::move(done)](net::WsAdmission a) {
            if (a.principal) {
              auto who = std::static_pointer_cast<const auth::Authenticated>(a.principal);
              a.principal = std::make_shared<const gateway::Principal>(gateway::Principal{
                  who->user.id, who->session.id, who->user.username, who->user.display_name});
            }
            done(std::move(a));
          });
    });
    ws.set_limits({config.limits.message_max_bytes, config.limits.ws_max_message_bytes,
                   config.files.max_bytes});

    // Calls: signalling relayed between the tabs in a call; timers for rings and grace periods.
    core::TimerThread timers;
    rtc::IceOptions ice{config.calls.stun, config.calls.turn, config.calls.turn_secret,
                        static_cast<std::int64_t>(config.calls.turn_ttl_seconds)};
    rtc::Options call_options;
    call_options.ring_timeout =
        std::chrono::milliseconds(static_cast<std::int64_t>(config.calls.ring_timeout_ms));
    call_options.grace =
        std::chrono::milliseconds(static_cast<std::int64_t>(config.calls.call_grace_ms));
    gateway::RtcCommands rtc(chat, bus, hub, pool, ice, call_options, timers.schedule());
    rtc.install(ws.commands());
    rtc.follow(stream);
    gateway::TransferCommands transfers(chat, bus, hub.node(), pool, ice, rtc::TransferOptions{},
                                        timers.schedule());
    transfers.install(ws.commands());
    transfers.follow(stream);
    net::Metrics metrics;
    // Web Push to people with no open tab (mentions, direct messages, calls).
    notify::VapidKey vapid = notify::VapidKey::load_or_create(data / "vapid.pem");
    notify::PushOptions push_options;
    push_options.subject =
        config.push.subject.empty()
            ? "mailto:admin@" + (config.host == "0.0.0.0" ? std::string("localhost") : config.host)
            : config.push.subject;
    push_options.gone = [&store](std::int64_t id) { store.delete_push_subscription(UserId{}, id); };
    push_options.any_endpoint = config.push.any_endpoint;
    notify::PushSender push_sender(vapid, push_options);
    gateway::PushNotifier notifier(
        store, bus, push_sender,
        {&metrics.counter("parley_push_events_total", "Room events the push notifier looked at."),
         &metrics.counter("parley_push_skipped_online_total",
                          "People not sent a push because a tab of theirs was open."),
         &metrics.counter("parley_push_queued_total", "Push messages handed to the sender.")});
    notifier.follow(stream);
    if (redis) {
      redis->on_offline([&ws](UserId user) { ws.went_offline_elsewhere(user); });
      redis->on_node_gone([&rtc, &transfers](bus::NodeId node) {
        rtc.node_gone(node);
        transfers.node_gone(node);
      });
      redis->on_resync([&ws] { ws.resync_all(); });
    }
    ws.on_closed([&rtc, &transfers](bus::ConnectionId conn) {
      rtc.closed(conn);
      transfers.closed(conn);
    });

    net::Router router;
    net::Server server(config, router, ws, metrics);
    unsigned short port = server.listen();
    const core::Post on_io = [&server](std::function<void()> fn) { server.post(std::move(fn)); };
    stream.start(on_io);
    hub.start(on_io);

    auth::Options options = auth_options(config, port);
    options.sessions_ended = [&ws](UserId user, store::SessionId only) {
      ws.sessions_ended(user, only);
    };
    options.renamed = [&chat](const store::User& u) { chat.user_renamed(u.id, u.display_name); };
    options.avatar_changed = [&ws](const store::User& u) {
      ws.profile_changed(u.id, u.display_name, u.avatar);
    };
    options.failed_logins =
        &metrics.counter("parley_login_failures_total", "Failed sign-in attempts.");
    // A cluster's nodes count sign-in attempts together: spread over the nodes, they are as many.
    if (redis) {
      options.limiter = [redis](std::string_view name, double burst, std::int64_t refill_ms) {
        return redis->limiter(name, burst, refill_ms);
      };
    }
    auth::AuthService auth(store, options, [&pool, &mailer](core::Email e) {
      pool.post([&mailer, e = std::move(e)] { (void)mailer.send(e); });
    });
    auth_service = &auth;
    api::ApiOptions api_options{config.https(), config.allowed_origins, data / "avatars", {}, {},
                                nullptr};
    // Finishing uploads (hashing, images) and avatars run apart from the REST pool, two at a
    // time, one per user at a time, users in turns; a bounded number wait (then 429/503).
    core::WorkerPool media_pool(2);
    core::FairQueue heavy(media_pool, 2, 64, 4);
    api_options.welcome = [&chat, &config](const auth::SignedIn& in) {
      std::promise<void> stored;
      chat.welcome(in.user.id, config.accounts.default_rooms,
                   in.invite ? in.invite->created_by : UserId{},
                   in.invite ? in.invite->rooms : std::vector<RoomId>{},
                   [&stored, &in](const core::Result<chat::Ack>& r) {
                     if (!r) {
                       spdlog::error("joining {}'s first rooms failed: {}", in.user.username,
                                     r.error().message);
                     }
                     stored.set_value();
                   });
      stored.get_future().wait();
    };
    media::GifOptions gif_options;
    gif_options.provider = config.gifs.provider;
    gif_options.api_key = config.gifs.api_key;
    gif_options.api_url = config.gifs.api_url;
    gif_options.media_hosts = config.gifs.media_hosts;
    media::GifSearch gifs(gif_options);
    net::allow_images_from(gifs.csp_sources());
    api_options.gif_hosts = gifs.csp_sources();
    std::vector<auth::OidcProvider> oidc_providers;
    for (const auto& p : config.oidc) {
      oidc_providers.push_back(
          {p.id, p.name, p.issuer, p.client_id, p.client_secret,
           p.facebook ? auth::OidcProvider::Kind::kFacebook : auth::OidcProvider::Kind::kOpenId,
           p.authorize_url, p.token_url, p.userinfo_url});
    }
    auth::OidcSignIn oidc(store, auth, std::move(oidc_providers), options.public_url,
                          config.oidc_allow_http);
    api_options.oidc = &oidc;
    api::AccountsApi accounts(router, auth, pool, heavy, api_options);
    // The admin area, invitations, reports; a server-wide notice reaches every socket.
    auto notice_frame = [](const std::optional<auth::Notice>& n) {
      return protocol::encode_notice(n ? std::optional<std::string>(n->text) : std::nullopt,
                                     n ? n->at : 0);
    };
    auth::Admin admin(
        store, auth,
        [&pool, &mailer](core::Email e) {
          pool.post([&mailer, e = std::move(e)] { (void)mailer.send(e); });
        },
        [&ws, notice_frame](const std::optional<auth::Notice>& n) {
          ws.set_after_hello(n ? notice_frame(n) : std::string());
          ws.broadcast(notice_frame(n));
        });
    if (auto n = admin.notice()) ws.set_after_hello(notice_frame(n));
    admin.allow_any_push_endpoint(config.push.any_endpoint);
    api::AdminApiOptions admin_api_options;
    admin_api_options.version = std::string(gateway::kVersion);
    admin_api_options.push_key = core::base64url(vapid.public_raw());
    admin_api_options.push_test = [&notifier](UserId user) { return notifier.send_test(user); };
    admin_api_options.sockets = [&ws] { return ws.open_sockets(); };
    admin_api_options.gifs = &gifs;
    core::WorkerPool gif_pool(2);
    admin_api_options.gif_pool = &gif_pool;
    api::AdminApi admin_api(router, auth, admin, chat, pool, api_options, admin_api_options);
    media::Storage storage(data / "files");
    chat::FileOptions file_options;
    file_options.max_bytes = static_cast<std::int64_t>(config.files.max_bytes);
    file_options.quota_bytes = static_cast<std::int64_t>(config.files.quota_bytes);
    chat::FileRules file_rules(store, file_options);
    api::FilesApi files(
        router, auth, pool, media_pool, heavy, file_rules, storage, api_options,
        api::FilesApiOptions{config.files.uploads_per_minute, config.files.sweep_seconds});

    // The one line a wrapper (tests, scripts) waits for to learn the port when --port=0.
    std::printf("parley listening on %s://%s:%u\n", config.tls() ? "https" : "http",
                config.host.c_str(), port);
    std::fflush(stdout);
    if (sqlite)
      spdlog::info("data in {} (schema {}), client from {}", config.data_dir,
                   sqlite->schema_version(), config.web_root);
    else
      spdlog::info("data in PostgreSQL (schema {}), files in {}, client from {}",
                   postgres->schema_version(), config.data_dir, config.web_root);
    server.run();
    timers.stop();  // no ring or grace timer fires into the services being torn down
    media_pool.join();
    pool.join();  // finish what the last requests started while the services still exist
    gif_pool.join();
    // and the last chat writes, while their listeners exist
    if (sqlite) sqlite->stop_chat_writer();
    if (postgres) postgres->stop_chat_writer();
    if (redis) redis->stop();  // nothing more from other nodes into what is torn down next
    spdlog::info("stopped");
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
  return 0;
}
