// HTTP requests and responses as plain values, and the router that maps a method and path to a
// handler. Handlers (api/) see no Beast or Asio type; they answer through a Reply callback, which
// may be called later and from any thread (e.g. after a password hash on a worker pool).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // as sent: "/api/x?y=1"
  std::string path;    // percent-decoded path: "/api/x"
  std::string query;   // undecoded query without '?': "y=1"
  Headers headers;     // names lower-case
  std::string body;
  std::string remote_address;
  bool secure = false;  // arrived over TLS

  // First value of a header (name in lower case), or "" when absent.
  std::string_view header(std::string_view lower_name) const;
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;

  static HttpResponse json(int status, std::string body);
  static HttpResponse text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
  // {"error": code, "message": message}: the one shape of every REST error.
  static HttpResponse error(int status, std::string_view code, std::string_view message);
  HttpResponse& with(std::string name, std::string value);
};

using Reply = std::function<void(HttpResponse)>;
using Handler = std::function<void(std::shared_ptr<const HttpRequest>, Reply)>;

class Router {
 public:
  void add(std::string method, std::string path, Handler handler);
  // Routes every path under `prefix` (which ends in '/').
  void add_prefix(std::string method, std::string prefix, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched
    bool path_known = false;           // the path exists for another method (405, not 404)
  };
  Match find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace parley::net
