// Account endpoints. Every state-changing call needs the CSRF token (double-submit: the
// parley_csrf cookie, which another site can neither read nor set for us, echoed in X-CSRF-Token)
// and, when the browser sends one, a same-origin Origin header.
#include "api/accounts_api.hpp"
#include "api/http_util.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <boost/url/params_view.hpp>

#include <cctype>
#include <charconv>
#include <fstream>

#include "auth/tokens.hpp"
#include "media/media.hpp"
#include "net/http_policy.hpp"

namespace parley::api {
namespace json = boost::json;
using net::HttpRequest;
using net::HttpResponse;

// ---- HTTP and JSON helpers (shared with the other APIs: api/http_util.hpp) -------------

HttpResponse error_response(const core::Error& e) {
  static constexpr std::pair<core::Errc, std::pair<int, const char*>> kMap[] = {
      {core::Errc::kInvalid, {400, "invalid"}},
      {core::Errc::kNotFound, {404, "not_found"}},
      {core::Errc::kForbidden, {403, "forbidden"}},
      {core::Errc::kConflict, {409, "conflict"}},
      {core::Errc::kUnauthorized, {401, "unauthorized"}},
      {core::Errc::kRateLimited, {429, "rate_limited"}},
      {core::Errc::kTooLarge, {413, "too_large"}},
      {core::Errc::kInternal, {500, "internal"}},
  };
  int status = 500;
  const char* code = "internal";
  for (const auto& [errc, m] : kMap) {
    if (errc == e.code) std::tie(status, code) = m;
  }
  json::object body{{"error", code}, {"message", e.message}};
  if (!e.field.empty()) body["field"] = e.field;
  auto res = HttpResponse::json(status, json::serialize(body));
  if (e.code == core::Errc::kRateLimited)
    res.with("Retry-After", std::to_string(std::max(1, e.retry_after)));
  return res;
}

HttpResponse bad_request(const BadRequest& b) {
  return error_response(core::make_error(core::Errc::kInvalid, b.message, b.field));
}

// Parses a JSON object body; throws BadRequest with a message that says what is wrong.
json::object parse_object(const HttpRequest& req) {
  return parse_object_text(req.body);
}

json::value user_json(const store::User& u) {
  json::object o{{"id", u.id.value()},
                 {"username", u.username},
                 {"display_name", u.display_name},
                 {"about", u.about},
                 {"email_confirmed", u.email_confirmed},
                 {"is_admin", u.is_admin},
                 {"is_guest", u.is_guest},
                 {"created_at", u.created_at}};
  o["email"] = u.email ? json::value(*u.email) : json::value(nullptr);
  o["avatar_url"] =
      u.avatar.empty() ? json::value(nullptr) : json::value("/api/avatars/" + u.avatar);
  return o;
}

void add_route(net::Router& router, core::WorkerPool& pool, const ApiOptions& options,
               const char* method, const char* path, Work work, bool prefix) {
  net::Handler h = [&pool, &options, work = std::move(work)](std::shared_ptr<const HttpRequest> req,
                                                             net::Reply reply) {
    if (auto refusal = csrf_refusal(*req, options)) return reply(std::move(*refusal));
    pool.post([work, req, reply = std::move(reply)] {
      try {
        reply(work(*req));
      } catch (const BadRequest& b) {
        reply(bad_request(b));
      } catch (const std::exception& e) {
        spdlog::error("{} {} failed: {}", req->method, req->path, e.what());
        reply(HttpResponse::error(500, "internal", "Something went wrong on the server"));
      }
    });
  };
  prefix ? router.add_prefix(method, path, std::move(h)) : router.add(method, path, std::move(h));
}

Work signed_in_only(auth::AuthService& auth, AuthedWork work) {
  return [&auth, work = std::move(work)](const HttpRequest& req) {
    auto who = auth.authenticate(cookie_value(req.header("cookie"), kSessionCookie));
    if (!who) return HttpResponse::error(401, "unauthorized", "Sign in first");
    return work(req, *who);
  };
}

std::string query_param(const HttpRequest& req, std::string_view key) {
  for (auto p : boost::urls::params_view(req.query)) {
    if (p.key == key) return p.value;
  }
  return {};
}

namespace {

json::value settings_json(const std::string& stored) {
  return json::parse(auth::AuthService::effective_settings(stored));
}

auth::Client client_of(const HttpRequest& req) {
  return auth::Client{req.remote_address, std::string(req.header("user-agent"))};
}

// ---- cookies and CSRF --------------------------------------------------------------------

struct Cookies {
  const ApiOptions& options;
  std::string attributes(std::string_view same_site) const {
    return fmt::format("; Path=/; SameSite={}{}", same_site,
                       options.secure_cookies ? "; Secure" : "");
  }
  std::string session(const std::string& token, core::Millis ttl_ms) const {
    return fmt::format("{}={}; Max-Age={}; HttpOnly{}", kSessionCookie, token, ttl_ms / 1000,
                       attributes("Lax"));
  }
  std::string clear_session() const {
    return fmt::format("{}=; Max-Age=0; HttpOnly{}", kSessionCookie, attributes("Lax"));
  }
  // Binds a sign-in with a provider to this browser for 10 minutes (only the OIDC routes see it).
  std::string oidc(const std::string& state) const {
    return fmt::format("parley_oidc={}; Max-Age=600; HttpOnly; Path=/api/auth/oidc; SameSite=Lax{}",
                       state, options.secure_cookies ? "; Secure" : "");
  }
  std::string clear_oidc() const {
    return fmt::format("parley_oidc=; Max-Age=0; HttpOnly; Path=/api/auth/oidc; SameSite=Lax{}",
                       options.secure_cookies ? "; Secure" : "");
  }
  // A provider's sign-in waiting for an existing account's password (only its route sees it).
  std::string oidc_link(const std::string& token) const {
    return fmt::format(
        "parley_oidc_link={}; Max-Age=600; HttpOnly; Path=/api/auth/oidc-link; SameSite=Lax{}",
        token, options.secure_cookies ? "; Secure" : "");
  }
  std::string clear_oidc_link() const {
    return fmt::format(
        "parley_oidc_link=; Max-Age=0; HttpOnly; Path=/api/auth/oidc-link; SameSite=Lax{}",
        options.secure_cookies ? "; Secure" : "");
  }
  std::string csrf(const std::string& token) const {
    // Readable by the page's own script (not HttpOnly): it echoes the value in X-CSRF-Token.
    return fmt::format("{}={}; Max-Age=31536000{}", kCsrfCookie, token, attributes("Strict"));
  }
};

}  // namespace

bool mutating(const HttpRequest& req) {
  return req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
         req.method == "DELETE";
}

std::optional<HttpResponse> csrf_refusal(const HttpRequest& req, const ApiOptions& options) {
  if (!mutating(req)) return std::nullopt;
  auto origin = req.header("origin");
  if (!origin.empty() &&
      !net::origin_allowed(origin, req.header("host"), req.secure, options.allowed_origins)) {
    return HttpResponse::error(403, "csrf", "Cross-site request refused");
  }
  std::string cookie = cookie_value(req.header("cookie"), kCsrfCookie);
  auto header = req.header(kCsrfHeader);
  if (cookie.empty() || !auth::constant_time_equal(cookie, header)) {
    return HttpResponse::error(403, "csrf",
                               "Missing or wrong CSRF token: reload the page and try again");
  }
  return std::nullopt;
}

namespace {

// ---- handler plumbing --------------------------------------------------------------------

struct Routes {
  net::Router& router;
  auth::AuthService& auth;
  core::WorkerPool& pool;
  core::FairQueue& heavy;
  const ApiOptions& options;
  Cookies cookies{options};

  void add(const char* method, const char* path, Work work, bool prefix = false) {
    add_route(router, pool, options, method, path, std::move(work), prefix);
  }

  void add_authed(const char* method, const char* path, AuthedWork work, bool prefix = false) {
    add(method, path, signed_in_only(auth, std::move(work)), prefix);
  }

  // An avatar from the request's image: a centred 256 px square as WebP, no metadata.
  HttpResponse store_avatar(const HttpRequest& req, const auth::Authenticated& who);

  HttpResponse signed_in(int status, const auth::SignedIn& s) {
    json::object body{{"user", user_json(s.user)}, {"settings", settings_json(s.user.settings)}};
    return HttpResponse::json(status, json::serialize(body))
        .with("Set-Cookie", cookies.session(s.token, auth.options().session_ttl_ms))
        .with("Cache-Control", "no-store");
  }

  template <class T>
  HttpResponse user_or_error(const core::Result<T>& r) {
    if (!r) return error_response(r.error());
    return HttpResponse::json(200, json::serialize(json::object{{"user", user_json(*r)}}));
  }
};

// Sniffs an image type from its first bytes; never trusts the declared type.
const char* image_extension(std::string_view data) {
  if (data.starts_with("\x89PNG\r\n\x1a\n")) return "png";
  if (data.starts_with("\xff\xd8\xff")) return "jpg";
  if (data.starts_with("GIF87a") || data.starts_with("GIF89a")) return "gif";
  if (data.size() > 12 && data.starts_with("RIFF") && data.substr(8, 4) == "WEBP") return "webp";
  return nullptr;
}

HttpResponse Routes::store_avatar(const HttpRequest& req, const auth::Authenticated& who) {
  // Sniffed from the content, then made a centred square of 256 px as WebP by libvips, without
  // any metadata (GPS and all).
  if (!image_extension(req.body)) {
    return HttpResponse::error(415, "unsupported_type",
                               "Avatars are PNG, JPEG, GIF or WebP images");
  }
  auto avatar = media::make_avatar(req.body);
  using Refusal = media::Avatar::Refusal;
  if (avatar.refusal == Refusal::kTooLarge || avatar.refusal == Refusal::kTooSlow) {
    return HttpResponse::error(422, "image_too_large",
                               "This image is too large to use as an avatar: try a smaller one");
  }
  if (!avatar.webp) {
    return HttpResponse::error(415, "unsupported_type",
                               "Avatars are PNG, JPEG, GIF or WebP images");
  }
  const std::string& webp = *avatar.webp;
  std::string name = auth::token_hash(webp).substr(0, 32) + ".webp";
  std::filesystem::create_directories(options.avatar_dir);
  auto path = options.avatar_dir / name;
  if (!std::filesystem::exists(path)) {
    // Written aside and renamed into place only when complete: no half avatar is served.
    auto tmp = path;
    tmp += "." + auth::random_token() + ".part";
    std::ofstream out(tmp, std::ios::binary);
    out.write(webp.data(), static_cast<std::streamsize>(webp.size()));
    out.close();
    if (!out) {
      std::filesystem::remove(tmp);
      return HttpResponse::error(500, "internal", "Could not store the avatar");
    }
    std::filesystem::rename(tmp, path);
  }
  return user_or_error(
      auth.update_profile(who, store::ProfileUpdate{std::nullopt, std::nullopt, name}));
}

}  // namespace

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view item = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    auto eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name)
      return std::string(item.substr(eq + 1));
  }
  return {};
}

void admit_signed_in(auth::AuthService& auth, core::WorkerPool& pool,
                     std::shared_ptr<const HttpRequest> upgrade,
                     std::function<void(net::WsAdmission)> done) {
  pool.post([&auth, upgrade = std::move(upgrade), done = std::move(done)] {
    net::WsAdmission admission;
    try {
      auto who = auth.authenticate(cookie_value(upgrade->header("cookie"), kSessionCookie));
      if (who) {
        admission.principal = std::make_shared<const auth::Authenticated>(std::move(*who));
      } else {
        admission.refusal = HttpResponse::error(401, "unauthorized", "Sign in first");
      }
    } catch (const std::exception& e) {
      spdlog::error("WebSocket admission failed: {}", e.what());
      admission.refusal =
          HttpResponse::error(500, "internal", "Something went wrong on the server");
    }
    done(std::move(admission));
  });
}

struct AccountsApi::Impl {
  Impl(net::Router& router, auth::AuthService& auth, core::WorkerPool& pool, core::FairQueue& heavy,
       ApiOptions opts)
      : options(std::move(opts)), routes{router, auth, pool, heavy, options} {}
  ApiOptions options;
  Routes routes;
};

AccountsApi::~AccountsApi() = default;

AccountsApi::AccountsApi(net::Router& router, auth::AuthService& auth, core::WorkerPool& pool,
                         core::FairQueue& heavy, ApiOptions options)
    : impl_(std::make_unique<Impl>(router, auth, pool, heavy, std::move(options))) {
  auto& r = impl_->routes;

  // The page's first call: who is signed in, their settings, and the CSRF token.
  r.add("GET", "/api/session", [&r](const HttpRequest& req) {
    std::string csrf = cookie_value(req.header("cookie"), kCsrfCookie);
    bool fresh = csrf.size() < 32;
    if (fresh) csrf = auth::random_token();
    auto who = r.auth.authenticate(cookie_value(req.header("cookie"), kSessionCookie));
    json::object body{{"csrf", csrf},
                      {"user", who ? user_json(who->user) : json::value(nullptr)},
                      {"settings", who ? settings_json(who->user.settings) : json::value(nullptr)},
                      {"guest_signin", r.auth.options().guest_signin},
                      {"registration", r.auth.registration_mode()},
                      {"gifs", json::value_from(r.options.gif_hosts)}};
    auto res = HttpResponse::json(200, json::serialize(body)).with("Cache-Control", "no-store");
    if (fresh) res.with("Set-Cookie", r.cookies.csrf(csrf));
    if (who) {
      auto token = cookie_value(req.header("cookie"), kSessionCookie);
      res.with("Set-Cookie",
               r.cookies.session(token, who->session.expires_at - who->session.last_seen));
    }
    return res;
  });

  r.add("POST", "/api/auth/register", [&r](const HttpRequest& req) {
    auto o = parse_object(req);
    auth::Registration reg{req_string(o, "username"), req_string(o, "password"),
                           opt_string(o, "email"), opt_string(o, "display_name"),
                           opt_string(o, "invite")};
    if (reg.email && reg.email->empty()) reg.email.reset();
    if (reg.invite && reg.invite->empty()) reg.invite.reset();
    auto out = r.auth.register_user(reg, client_of(req));
    if (!out) return error_response(out.error());
    if (r.options.welcome) r.options.welcome(*out);
    return r.signed_in(201, *out);
  });

  // Sign-in with an OpenID provider (docs/api.md): the browser is sent there and comes back.
  r.add("GET", "/api/auth/oidc/providers", [&r](const HttpRequest&) {
    json::array list;
    if (r.options.oidc) {
      for (const auto& p : r.options.oidc->providers()) {
        list.push_back(json::object{{"id", p.id}, {"name", p.name}});
      }
    }
    return HttpResponse::json(200, json::serialize(json::object{{"providers", std::move(list)}}));
  });
  r.add(
      "GET", "/api/auth/oidc/",
      [&r](const HttpRequest& req) {
        auto rest = std::string_view(req.path).substr(std::string_view("/api/auth/oidc/").size());
        auto slash = rest.find('/');
        std::string id(rest.substr(0, slash));
        std::string_view step = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
        auto back_to = [](std::string location) {
          return HttpResponse{
              302, {{"Location", std::move(location)}, {"Cache-Control", "no-store"}}, {}};
        };
        auto refused = [&](const std::string& why) {
          std::string q;
          for (unsigned char ch : why) {
            q += std::isalnum(ch) || ch == ' '
                     ? std::string(1, static_cast<char>(ch == ' ' ? '+' : ch))
                     : fmt::format("%{:02X}", ch);
          }
          return back_to("/login?oidc_error=" + q).with("Set-Cookie", r.cookies.clear_oidc());
        };
        if (!r.options.oidc) return HttpResponse::error(404, "not_found", "No such provider");
        if (step == "start") {
          UserId link;
          if (query_param(req, "link") == "1") {
            auto who = r.auth.authenticate(cookie_value(req.header("cookie"), kSessionCookie));
            if (!who) return back_to("/login");
            link = who->user.id;
          }
          auto started = r.options.oidc->start(id, link);
          if (!started) return refused(started.error().message);
          return back_to(started->redirect).with("Set-Cookie", r.cookies.oidc(started->state));
        }
        if (step == "callback") {
          if (!query_param(req, "error").empty())
            return refused("The sign-in was cancelled at the provider");
          auto done = r.options.oidc->finish(
              id, query_param(req, "code"), query_param(req, "state"),
              cookie_value(req.header("cookie"), "parley_oidc"), client_of(req));
          if (!done) return refused(done.error().message);
          if (done->linked) {
            return back_to("/profile?linked=" + id).with("Set-Cookie", r.cookies.clear_oidc());
          }
          if (!done->link_token.empty()) {
            return back_to("/login?link=" + id)
                .with("Set-Cookie", r.cookies.oidc_link(done->link_token))
                .with("Set-Cookie", r.cookies.clear_oidc());
          }
          const auto& s = *done->signed_in;
          return back_to("/")
              .with("Set-Cookie", r.cookies.session(s.token, r.auth.options().session_ttl_ms))
              .with("Set-Cookie", r.cookies.clear_oidc());
        }
        return HttpResponse::error(404, "not_found", "No such route");
      },
      true);
  // The provider's e-mail address belongs to an account: its password links them (docs/api.md).
  r.add("GET", "/api/auth/oidc-link", [&r](const HttpRequest& req) {
    if (!r.options.oidc) return HttpResponse::error(404, "not_found", "No such sign-in");
    auto l = r.options.oidc->pending_link(cookie_value(req.header("cookie"), "parley_oidc_link"));
    if (!l) return error_response(l.error());
    return HttpResponse::json(200, json::serialize(json::object{{"provider", l->provider_name},
                                                                {"username", l->username},
                                                                {"email", l->email}}))
        .with("Cache-Control", "no-store");
  });
  r.add("POST", "/api/auth/oidc-link", [&r](const HttpRequest& req) {
    if (!r.options.oidc) return HttpResponse::error(404, "not_found", "No such sign-in");
    auto o = parse_object(req);
    auto out = r.options.oidc->confirm_link(cookie_value(req.header("cookie"), "parley_oidc_link"),
                                            req_string(o, "password"), client_of(req));
    if (!out) return error_response(out.error());
    return r.signed_in(200, *out).with("Set-Cookie", r.cookies.clear_oidc_link());
  });
  r.add_authed("GET", "/api/me/identities",
               [&r](const HttpRequest&, const auth::Authenticated& who) {
                 json::array list;
                 if (r.options.oidc) {
                   for (const auto& i : r.options.oidc->identities(who.user.id)) {
                     list.push_back(json::object{
                         {"provider", i.provider}, {"email", i.email}, {"linked_at", i.linked_at}});
                   }
                 }
                 return HttpResponse::json(
                     200, json::serialize(json::object{{"identities", std::move(list)}}));
               });
  r.add_authed(
      "DELETE", "/api/me/identities/",
      [&r](const HttpRequest& req, const auth::Authenticated& who) {
        if (!r.options.oidc) return HttpResponse::error(404, "not_found", "Not linked");
        std::string provider = req.path.substr(std::string_view("/api/me/identities/").size());
        auto out = r.options.oidc->unlink(who.user, provider);
        if (!out) return error_response(out.error());
        return HttpResponse{204, {}, {}};
      },
      true);

  r.add("POST", "/api/auth/guest", [&r](const HttpRequest& req) {
    auto out = r.auth.sign_in_guest(client_of(req));
    return out ? r.signed_in(201, *out) : error_response(out.error());
  });

  r.add("POST", "/api/auth/login", [&r](const HttpRequest& req) {
    auto o = parse_object(req);
    auto out = r.auth.login(req_string(o, "login"), req_string(o, "password"), client_of(req));
    return out ? r.signed_in(200, *out) : error_response(out.error());
  });

  r.add("POST", "/api/auth/logout", [&r](const HttpRequest& req) {
    if (auto who = r.auth.authenticate(cookie_value(req.header("cookie"), kSessionCookie)))
      r.auth.logout(*who);
    // The browser's cache may hold files of rooms this person could see: not for the next one.
    return HttpResponse{
        204, {{"Set-Cookie", r.cookies.clear_session()}, {"Clear-Site-Data", "\"cache\""}}, {}};
  });

  r.add_authed("POST", "/api/auth/logout-all",
               [&r](const HttpRequest&, const auth::Authenticated& who) {
                 r.auth.logout_everywhere(who);
                 return HttpResponse{204, {{"Set-Cookie", r.cookies.clear_session()}}, {}};
               });

  r.add("POST", "/api/auth/confirm-email", [&r](const HttpRequest& req) {
    auto o = parse_object(req);
    return r.user_or_error(r.auth.confirm_email(req_string(o, "token")));
  });

  r.add("POST", "/api/auth/forgot-password", [&r](const HttpRequest& req) {
    auto o = parse_object(req);
    std::string login = req_string(o, "login");
    auto out = r.auth.begin_password_reset(login, client_of(req));
    if (!out) return error_response(out.error());
    r.pool.post([&r, login] { r.auth.send_password_reset(login); });
    return HttpResponse::json(202, R"({"status":"sent if the account has an e-mail address"})");
  });

  r.add("POST", "/api/auth/reset-password", [&r](const HttpRequest& req) {
    auto o = parse_object(req);
    auto out = r.auth.reset_password(req_string(o, "token"), req_string(o, "password"));
    if (!out) return error_response(out.error());
    return HttpResponse{204, {}, {}};
  });

  r.add_authed("GET", "/api/me", [](const HttpRequest&, const auth::Authenticated& who) {
    return HttpResponse::json(200, json::serialize(json::object{{"user", user_json(who.user)}}));
  });

  r.add_authed("PATCH", "/api/me", [&r](const HttpRequest& req, const auth::Authenticated& who) {
    auto o = parse_object(req);
    store::ProfileUpdate u{opt_string(o, "display_name"), opt_string(o, "about"), std::nullopt};
    return r.user_or_error(r.auth.update_profile(who, u));
  });

  r.add_authed("PUT", "/api/me/email",
               [&r](const HttpRequest& req, const auth::Authenticated& who) {
                 auto o = parse_object(req);
                 auto email = opt_string(o, "email");
                 if (email && email->empty()) email.reset();
                 return r.user_or_error(r.auth.change_email(who, email, req_string(o, "password")));
               });

  r.add_authed(
      "PUT", "/api/me/password", [&r](const HttpRequest& req, const auth::Authenticated& who) {
        auto o = parse_object(req);
        auto out = r.auth.change_password(who, req_string(o, "current_password"),
                                          req_string(o, "new_password"), client_of(req));
        if (!out) return error_response(out.error());
        return HttpResponse{
            204,
            {{"Set-Cookie", r.cookies.session(out->token, r.auth.options().session_ttl_ms)}},
            {}};
      });

  r.add_authed("GET", "/api/me/settings", [](const HttpRequest&, const auth::Authenticated& who) {
    return HttpResponse::json(200, json::serialize(settings_json(who.user.settings)));
  });

  r.add_authed("PATCH", "/api/me/settings",
               [&r](const HttpRequest& req, const auth::Authenticated& who) {
                 parse_object(req);  // a clear 400 for malformed JSON before the rules
                 auto out = r.auth.update_settings(who, req.body);
                 if (!out) return error_response(out.error());
                 return HttpResponse::json(200, *out);
               });

  r.add_authed("GET", "/api/me/sessions", [&r](const HttpRequest&, const auth::Authenticated& who) {
    json::array list;
    for (const auto& s : r.auth.sessions(who)) {
      list.push_back(json::object{{"id", s.id},
                                  {"user_agent", s.user_agent},
                                  {"ip", s.ip},
                                  {"created_at", s.created_at},
                                  {"last_seen", s.last_seen},
                                  {"current", s.id == who.session.id}});
    }
    return HttpResponse::json(200, json::serialize(json::object{{"sessions", list}}));
  });

  r.add_authed(
      "DELETE", "/api/me/sessions/",
      [&r](const HttpRequest& req, const auth::Authenticated& who) {
        std::string id_text = req.path.substr(std::string_view("/api/me/sessions/").size());
        store::SessionId id = 0;
        auto [p, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
        if (ec != std::errc{} || p != id_text.data() + id_text.size()) {
          return HttpResponse::error(404, "not_found", "No such session");
        }
        auto out = r.auth.revoke_session(who, id);
        if (!out) return error_response(out.error());
        HttpResponse res{204, {}, {}};
        if (id == who.session.id) res.with("Set-Cookie", r.cookies.clear_session());
        return res;
      },
      true);

  // Decoded on the heavy queue (one image per user at a time, apart from the REST pool): a
  // declared size beyond the limits of shared images is refused before any pixel is decoded, and
  // decoding stops at a time budget.
  r.router.add(
      "POST", "/api/me/avatar", [&r](std::shared_ptr<const HttpRequest> req, net::Reply reply) {
        if (auto refusal = csrf_refusal(*req, r.options)) return reply(std::move(*refusal));
        r.pool.post([&r, req, reply = std::move(reply)]() mutable {
          try {
            auto who = r.auth.authenticate(cookie_value(req->header("cookie"), kSessionCookie));
            if (!who) return reply(HttpResponse::error(401, "unauthorized", "Sign in first"));
            auto shared_reply = std::make_shared<net::Reply>(std::move(reply));
            auto posted = r.heavy.post(who->user.id.value(), [&r, req, who = *who, shared_reply] {
              try {
                (*shared_reply)(r.store_avatar(*req, who));
              } catch (const std::exception& e) {
                spdlog::error("storing an avatar failed: {}", e.what());
                (*shared_reply)(HttpResponse::error(500, "internal", "Could not store the avatar"));
              }
            });
            if (posted != core::FairQueue::Posted::kQueued) {
              auto res =
                  HttpResponse::error(posted == core::FairQueue::Posted::kKeyFull ? 429 : 503,
                                      "busy", "Images are being processed: try again shortly");
              (*shared_reply)(std::move(res.with("Retry-After", "2")));
            }
          } catch (const std::exception& e) {
            spdlog::error("POST /api/me/avatar failed: {}", e.what());
            reply(HttpResponse::error(500, "internal", "Something went wrong on the server"));
          }
        });
      });

  r.add(
      "GET", "/api/avatars/",
      [&r](const HttpRequest& req) {
        std::string name = req.path.substr(std::string_view("/api/avatars/").size());
        auto dot = name.find('.');
        bool ok = dot == 32 && name.find_first_not_of("0123456789abcdef") == 32;
        std::string ext = ok ? name.substr(dot + 1) : "";
        static const std::pair<const char*, const char*> kTypes[] = {{"png", "image/png"},
                                                                     {"jpg", "image/jpeg"},
                                                                     {"gif", "image/gif"},
                                                                     {"webp", "image/webp"}};
        const char* type = nullptr;
        for (auto [e, t] : kTypes) {
          if (ext == e) type = t;
        }
        std::ifstream in(r.options.avatar_dir / name, std::ios::binary);
        if (!type || !in) return HttpResponse::error(404, "not_found", "No such avatar");
        std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return HttpResponse::text(200, std::move(data), type)
            .with("Cache-Control", "public, max-age=31536000, immutable");
      },
      true);
}

}  // namespace parley::api
