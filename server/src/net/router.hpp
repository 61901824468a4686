// HTTP requests and responses as plain values, and the router that maps a method and path to a
// handler. Handlers (api/) see no Beast or Asio type; they answer through a Reply callback, which
// may be called later and from any thread (e.g. after a password hash on a worker pool).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

// Bytes of a file on disk sent as a response body (downloads), read in chunks as they go out.
struct FileSlice {
  std::string path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(int s, Headers h, std::string b)
      : status(s), headers(std::move(h)), body(std::move(b)) {}

  int status = 200;
  Headers headers;
  std::string body;
  std::optional<FileSlice> file;  // when set, the body is these bytes (and `body` is ignored)

  static HttpResponse json(int status, std::string body);
  static HttpResponse text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
  // {"error": code, "message": message}: the one shape of every REST error.
  static HttpResponse error(int status, std::string_view code, std::string_view message);
  HttpResponse& with(std::string name, std::string value);
};

using Reply = std::function<void(HttpResponse)>;
using Handler = std::function<void(std::shared_ptr<const HttpRequest>, Reply)>;

// A request body handed over as it arrives, instead of read whole first (uploads). Called on the
// connection's strand, one call at a time.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // The next bytes of the body; false stops reading (finish then says why).
  virtual bool write(const char* data, std::size_t size) = 0;
  // The body ended: `complete` when every byte arrived, false when the connection broke or write
  // refused. `reply` answers (it is dropped when the connection is gone); it may run later.
  virtual void finish(bool complete, Reply reply) = 0;
};

// What a streaming route decides from the request's head alone.
struct StreamAdmission {
  std::optional<HttpResponse> refusal;  // answer this without reading the body
  std::shared_ptr<BodySink> sink;
  std::uint64_t max_bytes = 0;  // the body may be at most this long (413 beyond)
};
using StreamHandler = std::function<void(std::shared_ptr<const HttpRequest> head,
                                         std::function<void(StreamAdmission)> decide)>;

class Router {
 public:
  void add(std::string method, std::string path, Handler handler);
  // Routes every path under `prefix` (which ends in '/').
  void add_prefix(std::string method, std::string prefix, Handler handler);
  // Routes requests under `prefix` whose body is streamed to a BodySink.
  void add_stream(std::string method, std::string prefix, StreamHandler handler);

  struct Match {
    const Handler* handler = nullptr;       // null when nothing matched
    const StreamHandler* stream = nullptr;  // set instead of handler for streaming routes
    bool path_known = false;                // the path exists for another method (405, not 404)
  };
  Match find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix;
    Handler handler;
    StreamHandler stream;
  };
  std::vector<Route> routes_;
};

}  // namespace parley::net
