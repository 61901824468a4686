// Invitations, reports and the admin area over REST.
#include "api/admin_api.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <boost/url/params_view.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <future>

#include "api/http_util.hpp"

namespace parley::api {
namespace {

namespace json = boost::json;
using net::HttpRequest;
using net::HttpResponse;

const auto kStarted = std::chrono::steady_clock::now();

HttpResponse ok_json(int status, json::object body) {
  return HttpResponse::json(status, json::serialize(body)).with("Cache-Control", "no-store");
}

HttpResponse no_content() {
  return HttpResponse{204, {}, {}};
}

json::value brief_json(const store::UserBrief& u) {
  return json::object{
      {"id", u.id.value()}, {"username", u.username}, {"display_name", u.display_name}};
}

json::value admin_user_json(const store::User& u) {
  auto o = user_json(u).as_object();
  o["deactivated"] = u.deactivated;
  o["last_seen"] = u.last_seen ? json::value(u.last_seen) : json::value(nullptr);
  return o;
}

json::value invite_json(const auth::InviteView& v) {
  const auto& i = v.invite;
  json::array rooms;
  for (const auto& [id, name] : v.rooms)
    rooms.push_back(json::object{{"id", id.value()}, {"name", name}});
  return json::object{{"code", i.code},
                      {"url", "/register?invite=" + i.code},
                      {"max_uses", i.max_uses},
                      {"uses", i.uses},
                      {"expires_at", i.expires_at},
                      {"rooms", std::move(rooms)},
                      {"email", i.email ? json::value(*i.email) : json::value(nullptr)},
                      {"created_by", brief_json(v.creator)},
                      {"created_at", i.created_at}};
}

json::value report_json(const store::Report& r) {
  return json::object{
      {"id", r.id},
      {"message", json::object{{"id", r.message.value()},
                               {"room", r.room.value()},
                               {"room_name", r.room_name},
                               {"author", brief_json(r.author)},
                               {"text", r.text},
                               {"at", r.at},
                               {"deleted", r.deleted}}},
      {"reporter", brief_json(r.reporter)},
      {"reason", r.reason},
      {"created_at", r.created_at},
      {"resolved_at", r.resolved_at ? json::value(r.resolved_at) : json::value(nullptr)},
      {"resolved_by", r.resolved_by ? json::value(r.resolved_by.value()) : json::value(nullptr)}};
}

std::int64_t int_param(const HttpRequest& req, std::string_view key, std::int64_t fallback,
                       std::int64_t lo, std::int64_t hi) {
  auto text = query_param(req, key);
  if (text.empty()) return fallback;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    throw BadRequest{fmt::format("'{}' is {} to {}", key, lo, hi), std::string(key)};
  }
  return v;
}

// The id at the start of what follows `prefix` in the path ("/api/x/12/y" → 12), and the rest.
std::pair<std::int64_t, std::string_view> path_id(const HttpRequest& req, std::string_view prefix) {
  std::string_view rest = std::string_view(req.path).substr(prefix.size());
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
  if (ec != std::errc() || id < 1) throw BadRequest{"No such item", ""};
  return {id, rest.substr(static_cast<std::size_t>(end - rest.data()))};
}

std::optional<bool> opt_bool(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_bool())
    throw BadRequest{fmt::format("'{}' is true or false", key), std::string(key)};
  return it->value().as_bool();
}

std::optional<std::int64_t> opt_int(const json::object& o, std::string_view key, std::int64_t lo,
                                    std::int64_t hi) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_int64() || it->value().as_int64() < lo || it->value().as_int64() > hi) {
    throw BadRequest{fmt::format("'{}' is a whole number from {} to {}", key, lo, hi),
                     std::string(key)};
  }
  return it->value().as_int64();
}

struct Routes {
  net::Router& router;
  auth::AuthService& auth;
  auth::Admin& admin;
  chat::ChatService& chat;
  core::WorkerPool& pool;
  const ApiOptions& options;
  AdminApiOptions admin_options;

  void add(const char* method, const char* path, Work work, bool prefix = false) {
    add_route(router, pool, options, method, path, std::move(work), prefix);
  }
  void add_authed(const char* method, const char* path, AuthedWork work, bool prefix = false) {
    add(method, path, signed_in_only(auth, std::move(work)), prefix);
  }
  // Admins only: everyone else is refused before anything is read or changed.
  void add_admin(const char* method, const char* path, AuthedWork work, bool prefix = false) {
    add_authed(
        method, path,
        [work = std::move(work)](const HttpRequest& req, const auth::Authenticated& who) {
          if (!who.user.is_admin) return HttpResponse::error(403, "forbidden", "Admins only");
          return work(req, who);
        },
        prefix);
  }
};

void add_invite_routes(Routes& r) {
  r.add(
      "GET", "/api/invites/",
      [&r](const HttpRequest& req) {
        auto code = req.path.substr(std::string_view("/api/invites/").size());
        auto invite = r.admin.invite(code);
        if (!invite) {
          return HttpResponse::error(404, "not_found",
                                     "This invitation has expired, was used up or does not exist");
        }
        auto v = invite_json(r.admin.view(*invite)).as_object();
        json::object shown{{"code", v["code"]},
                           {"inviter", v["created_by"]},
                           {"rooms", v["rooms"]},
                           {"expires_at", v["expires_at"]}};
        shown["inviter"].as_object().erase("id");
        return ok_json(200, json::object{{"invite", std::move(shown)}});
      },
      true);

  r.add_authed(
      "POST", "/api/invites", [&r](const HttpRequest& req, const auth::Authenticated& who) {
        auto o = parse_object(req);
        auth::NewInvite n;
        n.max_uses = static_cast<int>(opt_int(o, "max_uses", 1, 1000).value_or(1));
        n.expires_hours = static_cast<int>(opt_int(o, "expires_hours", 1, 8760).value_or(168));
        n.email = opt_string(o, "email");
        if (n.email && n.email->empty()) n.email.reset();
        if (auto it = o.find("rooms"); it != o.end() && !it->value().is_null()) {
          if (!it->value().is_array() || it->value().as_array().size() > 20) {
            throw BadRequest{"'rooms' is a list of up to 20 room ids", "rooms"};
          }
          for (const auto& v : it->value().as_array()) {
            if (!v.is_int64() || v.as_int64() < 1)
              throw BadRequest{"'rooms' holds room ids", "rooms"};
            n.rooms.push_back(RoomId{v.as_int64()});
          }
        }
        auto rooms = r.chat.invitable_rooms(who.user.id, n.rooms);
        if (!rooms) return error_response(rooms.error());
        auto invite = r.admin.create_invite(who.user, n);
        if (!invite) return error_response(invite.error());
        return ok_json(201, json::object{{"invite", invite_json(r.admin.view(*invite))}});
      });

  r.add_authed("GET", "/api/invites", [&r](const HttpRequest&, const auth::Authenticated& who) {
    json::array list;
    for (const auto& i : r.admin.invites(who.user)) list.push_back(invite_json(r.admin.view(i)));
    return ok_json(200, json::object{{"invites", std::move(list)}});
  });

  r.add_authed(
      "DELETE", "/api/invites/",
      [&r](const HttpRequest& req, const auth::Authenticated& who) {
        auto code = req.path.substr(std::string_view("/api/invites/").size());
        if (!r.admin.revoke_invite(who.user, code)) {
          return HttpResponse::error(404, "not_found", "No such invitation of yours");
        }
        return no_content();
      },
      true);

  r.add_authed(
      "POST", "/api/reports", [&r](const HttpRequest& req, const auth::Authenticated& who) {
        auto o = parse_object(req);
        auto message = opt_int(o, "message", 1, std::int64_t{1} << 53);
        if (!message) throw BadRequest{"'message' is required", "message"};
        auto report = r.chat.report(who.user.id, MessageId{*message}, req_string(o, "reason"));
        if (!report) return error_response(report.error());
        return ok_json(201, json::object{{"report", report_json(*report)}});
      });
}

json::value device_json(const store::PushSubscription& s) {
  return json::object{{"id", s.id},
                      {"endpoint", s.endpoint},
                      {"user_agent", s.user_agent},
                      {"created_at", s.created_at}};
}

void add_push_routes(Routes& r) {
  r.add("GET", "/api/push/key", [&r](const HttpRequest&) {
    if (r.admin_options.push_key.empty()) {
      return HttpResponse::error(404, "not_found", "Push notifications are off on this server");
    }
    return ok_json(200, json::object{{"key", r.admin_options.push_key}});
  });
  r.add_authed("POST", "/api/push/subscriptions",
               [&r](const HttpRequest& req, const auth::Authenticated& who) {
                 auto o = parse_object(req);
                 auto keys = o.find("keys");
                 if (keys == o.end() || !keys->value().is_object()) {
                   throw BadRequest{"'keys' is the subscription's keys object", "keys"};
                 }
                 const auto& k = keys->value().as_object();
                 auto added = r.admin.add_push_device(
                     who.user, who.session.id, req_string(o, "endpoint"), req_string(k, "p256dh"),
                     req_string(k, "auth"), std::string(req.header("user-agent")));
                 if (!added) return error_response(added.error());
                 return ok_json(201, json::object{{"device", device_json(*added)}});
               });
  r.add_authed("GET", "/api/push/subscriptions",
               [&r](const HttpRequest&, const auth::Authenticated& who) {
                 json::array list;
                 for (const auto& d : r.admin.push_devices(who.user))
                   list.push_back(device_json(d));
                 return ok_json(200, json::object{{"devices", std::move(list)}});
               });
  r.add_authed(
      "DELETE", "/api/push/subscriptions/",
      [&r](const HttpRequest& req, const auth::Authenticated& who) {
        auto [id, rest] = path_id(req, "/api/push/subscriptions/");
        if (!rest.empty() || !r.admin.remove_push_device(who.user, id)) {
          return HttpResponse::error(404, "not_found", "No such device of yours");
        }
        return no_content();
      },
      true);
  r.add_authed("POST", "/api/push/test", [&r](const HttpRequest&, const auth::Authenticated& who) {
    auto allowed = r.admin.may_send_push_test(who.user);
    if (!allowed) return error_response(allowed.error());
    int n = r.admin_options.push_test ? r.admin_options.push_test(who.user.id) : 0;
    return ok_json(202, json::object{{"devices", n}});
  });
}

HttpResponse gif_search(Routes& r, const HttpRequest& req, const auth::Authenticated& who) {
  auto page =
      r.admin_options.gifs->search(who.user.id, query_param(req, "q"), query_param(req, "from"));
  if (!page) return error_response(page.error());
  json::array list;
  for (const auto& g : page->results) {
    list.push_back(json::object{{"id", g.id},
                                {"title", g.title},
                                {"url", g.url},
                                {"preview", g.preview},
                                {"width", g.width},
                                {"height", g.height}});
  }
  return ok_json(200, json::object{{"results", std::move(list)},
                                   {"next", page->next.empty() ? json::value(nullptr)
                                                               : json::value(page->next)}});
}

void add_gif_routes(Routes& r) {
  // Not through add_route: the search runs on the GIF pool, a bounded number at a time.
  static constexpr int kMaxWaiting = 16;
  auto waiting = std::make_shared<std::atomic<int>>(0);
  r.router.add(
      "GET", "/api/gifs/search",
      [&r, waiting](std::shared_ptr<const HttpRequest> req, net::Reply reply) {
        if (!r.admin_options.gifs || !r.admin_options.gifs->enabled() ||
            !r.admin_options.gif_pool) {
          return reply(HttpResponse::error(404, "not_found", "GIF search is off on this server"));
        }
        if (waiting->fetch_add(1) >= kMaxWaiting) {
          waiting->fetch_sub(1);
          return reply(HttpResponse::error(503, "busy", "GIF search is busy; try again")
                           .with("Retry-After", "1"));
        }
        r.admin_options.gif_pool->post([&r, waiting, req, reply = std::move(reply)] {
          HttpResponse res;
          try {
            res =
                signed_in_only(r.auth, [&r](const HttpRequest& q, const auth::Authenticated& who) {
                  return gif_search(r, q, who);
                })(*req);
          } catch (const std::exception& e) {
            spdlog::error("GIF search failed: {}", e.what());
            res = HttpResponse::error(500, "internal", "GIF search failed");
          }
          waiting->fetch_sub(1);
          reply(std::move(res));
        });
      });
}

void add_admin_area_routes(Routes& r) {
  r.add_admin("GET", "/api/admin/users", [&r](const HttpRequest& req, const auth::Authenticated&) {
    std::int64_t total = 0;
    auto users = r.admin.users(query_param(req, "query"),
                               static_cast<int>(int_param(req, "offset", 0, 0, 1'000'000'000)),
                               static_cast<int>(int_param(req, "limit", 50, 1, 100)), total);
    json::array list;
    for (const auto& u : users) list.push_back(admin_user_json(u));
    return ok_json(200, json::object{{"users", std::move(list)}, {"total", total}});
  });

  r.add_admin(
      "PATCH", "/api/admin/users/",
      [&r](const HttpRequest& req, const auth::Authenticated& who) {
        auto [id, rest] = path_id(req, "/api/admin/users/");
        if (!rest.empty()) return HttpResponse::error(404, "not_found", "No such route");
        auto o = parse_object(req);
        auto user = r.admin.update_user(who.user, UserId{id}, opt_bool(o, "is_admin"),
                                        opt_bool(o, "deactivated"));
        if (!user) return error_response(user.error());
        return ok_json(200, json::object{{"user", admin_user_json(*user)}});
      },
      true);

  r.add_admin(
      "POST", "/api/admin/users/",
      [&r](const HttpRequest& req, const auth::Authenticated&) {
        auto [id, rest] = path_id(req, "/api/admin/users/");
        if (rest != "/logout") return HttpResponse::error(404, "not_found", "No such route");
        auto out = r.admin.sign_out(UserId{id});
        if (!out) return error_response(out.error());
        return no_content();
      },
      true);

  r.add_admin("GET", "/api/admin/rooms", [&r](const HttpRequest& req, const auth::Authenticated&) {
    json::array list;
    for (const auto& a : r.chat.admin_rooms(query_param(req, "query"))) {
      json::array admins;
      for (const auto& u : a.admins) admins.push_back(brief_json(u));
      list.push_back(json::object{
          {"id", a.room.id.value()},
          {"kind", a.room.kind == store::RoomKind::kPrivate ? "private" : "channel"},
          {"name", a.room.name},
          {"topic", a.room.topic},
          {"members", a.members},
          {"messages", a.messages},
          {"group", a.room.group ? json::value(a.room.group.value()) : json::value(nullptr)},
          {"last_at", a.last_at},
          {"admins", std::move(admins)}});
    }
    return ok_json(200, json::object{{"rooms", std::move(list)}});
  });

  r.add_admin(
      "POST", "/api/admin/rooms/",
      [&r](const HttpRequest& req, const auth::Authenticated& who) {
        auto [room, rest] = path_id(req, "/api/admin/rooms/");
        if (rest != "/owner") return HttpResponse::error(404, "not_found", "No such route");
        auto o = parse_object(req);
        auto user = opt_int(o, "user", 1, std::int64_t{1} << 53);
        if (!user) throw BadRequest{"'user' is required", "user"};
        std::promise<core::Result<chat::Ack>> done;
        r.chat.make_room_admin(
            who.user.id, RoomId{room}, UserId{*user},
            [&done](core::Result<chat::Ack> a) { done.set_value(std::move(a)); });
        auto out = done.get_future().get();
        if (!out) return error_response(out.error());
        return no_content();
      },
      true);

  // Waits for a chat write (made on the writer thread) and answers 204 or its error.
  auto written = [](auto start) {
    std::promise<core::Result<chat::Ack>> done;
    start([&done](core::Result<chat::Ack> a) { done.set_value(std::move(a)); });
    auto out = done.get_future().get();
    if (!out) return error_response(out.error());
    return HttpResponse{204, {}, {}};
  };
  r.add_admin(
      "DELETE", "/api/admin/rooms/",
      [&r, written](const HttpRequest& req, const auth::Authenticated& who) {
        auto [room, rest] = path_id(req, "/api/admin/rooms/");
        if (!rest.empty()) return HttpResponse::error(404, "not_found", "No such route");
        return written(
            [&](auto done) { r.chat.admin_delete_room(who.user.id, RoomId{room}, done); });
      },
      true);
  r.add_admin("GET", "/api/admin/groups", [&r](const HttpRequest& req, const auth::Authenticated&) {
    json::array list;
    for (const auto& g : r.chat.admin_groups(query_param(req, "query"))) {
      json::array admins;
      for (const auto& u : g.admins) admins.push_back(brief_json(u));
      list.push_back(json::object{{"id", g.group.id.value()},
                                  {"name", g.group.name},
                                  {"members", g.members},
                                  {"rooms", g.rooms},
                                  {"admins", std::move(admins)}});
    }
    return ok_json(200, json::object{{"groups", std::move(list)}});
  });
  r.add_admin(
      "DELETE", "/api/admin/groups/",
      [&r, written](const HttpRequest& req, const auth::Authenticated& who) {
        auto [group, rest] = path_id(req, "/api/admin/groups/");
        if (!rest.empty()) return HttpResponse::error(404, "not_found", "No such route");
        return written(
            [&](auto done) { r.chat.admin_delete_group(who.user.id, GroupId{group}, done); });
      },
      true);

  r.add_admin("GET", "/api/admin/settings", [&r](const HttpRequest&, const auth::Authenticated&) {
    return ok_json(
        200, json::object{{"settings", json::object{{"registration", r.admin.registration()}}}});
  });
  r.add_admin(
      "PATCH", "/api/admin/settings", [&r](const HttpRequest& req, const auth::Authenticated&) {
        auto o = parse_object(req);
        if (auto mode = opt_string(o, "registration")) {
          auto set = r.admin.set_registration(*mode);
          if (!set) return error_response(set.error());
        }
        return ok_json(200, json::object{{"settings",
                                          json::object{{"registration", r.admin.registration()}}}});
      });

  r.add_admin("POST", "/api/admin/notice",
              [&r](const HttpRequest& req, const auth::Authenticated&) {
                auto o = parse_object(req);
                auto posted = r.admin.post_notice(req_string(o, "text"));
                if (!posted) return error_response(posted.error());
                return no_content();
              });
  r.add_admin("DELETE", "/api/admin/notice", [&r](const HttpRequest&, const auth::Authenticated&) {
    r.admin.clear_notice();
    return no_content();
  });

  r.add_admin("GET", "/api/admin/reports",
              [&r](const HttpRequest& req, const auth::Authenticated&) {
                json::array list;
                for (const auto& rep : r.chat.reports(query_param(req, "resolved") == "true")) {
                  list.push_back(report_json(rep));
                }
                return ok_json(200, json::object{{"reports", std::move(list)}});
              });
  r.add_admin(
      "PATCH", "/api/admin/reports/",
      [&r](const HttpRequest& req, const auth::Authenticated& who) {
        auto [id, rest] = path_id(req, "/api/admin/reports/");
        if (!rest.empty()) return HttpResponse::error(404, "not_found", "No such route");
        auto o = parse_object(req);
        auto resolved = opt_bool(o, "resolved");
        if (!resolved) throw BadRequest{"'resolved' is required", "resolved"};
        auto rep = r.chat.resolve_report(who.user.id, id, *resolved);
        if (!rep) return HttpResponse::error(404, "not_found", "No such report");
        return ok_json(200, json::object{{"report", report_json(*rep)}});
      },
      true);

  r.add_admin("GET", "/api/admin/health", [&r](const HttpRequest&, const auth::Authenticated&) {
    auto h = r.admin.health();
    auto [sockets, people] = r.admin_options.sockets ? r.admin_options.sockets()
                                                     : std::pair<std::size_t, std::size_t>{0, 0};
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::steady_clock::now() - kStarted)
                      .count();
    return ok_json(200, json::object{{"version", r.admin_options.version},
                                     {"uptime_s", uptime},
                                     {"connections", sockets},
                                     {"users_online", people},
                                     {"messages_last_hour", h.messages_since},
                                     {"users", h.users},
                                     {"rooms", h.rooms},
                                     {"database_bytes", h.database_bytes},
                                     {"files_bytes", h.files_bytes}});
  });
}

}  // namespace

struct AdminApi::Impl {
  Routes routes;
};

AdminApi::AdminApi(net::Router& router, auth::AuthService& auth, auth::Admin& admin,
                   chat::ChatService& chat, core::WorkerPool& pool, const ApiOptions& options,
                   AdminApiOptions admin_options)
    : impl_(std::make_unique<Impl>(
          Impl{Routes{router, auth, admin, chat, pool, options, std::move(admin_options)}})) {
  add_invite_routes(impl_->routes);
  add_admin_area_routes(impl_->routes);
  add_push_routes(impl_->routes);
  add_gif_routes(impl_->routes);
}

AdminApi::~AdminApi() = default;

}  // namespace parley::api
