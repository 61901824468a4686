// libFuzzer target for an HTTP request head as the server reads it: Beast's parser (header limit as
// configured), then what the server makes of a head: the target through Boost.URL's origin-form
// parser, its path resolved against a web root (never a file outside it), Accept-Encoding,
// If-None-Match and the WebSocket Origin check. Built and run by scripts/fuzz.sh (`make fuzz`).
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "net/http_policy.hpp"
#include "net/static_files.hpp"

namespace {

namespace http = boost::beast::http;
namespace fs = std::filesystem;

const fs::path& web_root() {
  static const fs::path root = [] {
    fs::path r = fs::temp_directory_path() / "parley-http-fuzz-root";
    fs::create_directories(r / "assets");
    std::ofstream(r / "index.html") << "<!doctype html>";
    std::ofstream(r / "assets" / "app.js") << "1";
    std::ofstream(r.parent_path() / "parley-http-fuzz-secret.txt") << "secret";
    return fs::canonical(r);
  }();
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const parley::net::StaticFiles files(web_root());
  http::request_parser<http::empty_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(0);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& req = parser.get();
  auto url = boost::urls::parse_origin_form(req.target());
  if (url) {
    std::string path = url->path();
    const auto accept = req[http::field::accept_encoding];
    if (auto file = files.resolve(path, accept)) {
      // Whatever the path, a file served lies under the web root.
      std::error_code fec;
      auto real = fs::weakly_canonical(file->path, fec);
      auto rel = real.lexically_relative(web_root());
      if (fec || rel.empty() || *rel.begin() == "..") std::abort();
    }
    (void)parley::net::accepts_encoding(accept, "br");
  }
  (void)parley::net::etag_matches(req[http::field::if_none_match], "\"abc\"");
  (void)parley::net::origin_allowed(req[http::field::origin], req[http::field::host], false,
                                    {"https://chat.example.org"});
  return 0;
}
