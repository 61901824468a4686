// Router and the plain HTTP value types.
#include "net/router.hpp"

#include <boost/json.hpp>

namespace parley::net {

std::string_view HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

HttpResponse HttpResponse::json(int status, std::string body) {
  return HttpResponse{status, {{"Content-Type", "application/json"}}, std::move(body)};
}

HttpResponse HttpResponse::text(int status, std::string body, std::string content_type) {
  return HttpResponse{status, {{"Content-Type", std::move(content_type)}}, std::move(body)};
}

HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message) {
  return json(status,
              boost::json::serialize(boost::json::object{{"error", code}, {"message", message}}));
}

HttpResponse& HttpResponse::with(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

void Router::add(std::string method, std::string path, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(path), false, std::move(handler), {}});
}

void Router::add_prefix(std::string method, std::string prefix, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(prefix), true, std::move(handler), {}});
}

void Router::add_stream(std::string method, std::string prefix, StreamHandler handler) {
  routes_.push_back(Route{std::move(method), std::move(prefix), true, {}, std::move(handler)});
}

Router::Match Router::find(std::string_view method, std::string_view path) const {
  Match m;
  for (const auto& r : routes_) {
    bool hit = r.prefix ? path.starts_with(r.path) : path == r.path;
    if (!hit) continue;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      if (r.stream) {
        m.stream = &r.stream;
      } else {
        m.handler = &r.handler;
      }
      return m;
    }
    m.path_known = true;
  }
  return m;
}

}  // namespace parley::net
