// Serving the built client: URL path -> file on disk, content type, ETag, cache policy, the
// pre-compressed .br/.gz sibling when the browser accepts it, and the SPA fallback to index.html.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace parley::net {

struct StaticFile {
  std::filesystem::path path;    // what to send (maybe the .br or .gz sibling)
  std::string content_type;      // of the original file
  std::string content_encoding;  // "", "br" or "gzip"
  std::string etag;              // strong, differs per encoding
  std::string cache_control;
  std::string csp;  // a Content-Security-Policy of its own; empty: the page's
  std::uint64_t size = 0;
};

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  // `url_path` is percent-decoded. Returns nothing for paths that must 404: unsafe ones, missing
  // files that look like files (have an extension), and anything when the root has no index.html.
  std::optional<StaticFile> resolve(std::string_view url_path,
                                    std::string_view accept_encoding) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::optional<StaticFile> describe(const std::filesystem::path& file,
                                     std::string_view accept_encoding,
                                     std::string cache_control) const;
  std::filesystem::path root_;
};

std::string_view mime_type(
    std::string_view extension);  // ".js" -> "text/javascript; charset=utf-8"

// Whether an Accept-Encoding header value allows `coding` (honours q=0).
bool accepts_encoding(std::string_view header, std::string_view coding);

// Whether an If-None-Match header value matches `etag` (a list, or "*").
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace parley::net
