// GIF search through a configurable provider (Giphy's or Tenor's search API, or anything that
// answers in one of their formats), proxied so the API key stays on the server: results cached
// for a while, each user limited, answers normalised to one shape. Blocking (HTTP): run on a pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/token_bucket.hpp"

namespace parley::media {

struct GifOptions {
  std::string provider;  // "giphy", "tenor" or "" (off)
  std::string api_key;
  std::string api_url;                   // the search endpoint; "" = the provider's own
  std::vector<std::string> media_hosts;  // where the GIFs are served from (CSP img-src)
  std::string rating = "g";
  std::chrono::seconds cache_for{600};
  std::size_t cache_entries = 500;
  double per_user_per_minute = 30;
  long timeout_s = 5;
};

struct Gif {
  std::string id;
  std::string title;
  std::string url;      // the GIF to send and show
  std::string preview;  // a smaller one for the picker
  int width = 0;
  int height = 0;
};

struct GifPage {
  std::vector<Gif> results;
  std::string next;  // where the next page starts ("" at the end)
};

class GifSearch {
 public:
  explicit GifSearch(GifOptions options);
  bool enabled() const { return !options_.provider.empty(); }
  const GifOptions& options() const { return options_; }
  // The media hosts as CSP sources ("https://media.giphy.com ...").
  std::vector<std::string> csp_sources() const;

  // kInvalid for an empty or long query, kRateLimited past the user's limit, kInternal when the
  // provider failed (logged).
  core::Result<GifPage> search(UserId user, const std::string& query, const std::string& from);

  // The provider's answer as one page (exposed for tests); nothing when it is not one.
  static std::optional<GifPage> parse(const std::string& provider, const std::string& body,
                                      const std::vector<std::string>& media_hosts);

 private:
  std::string fetch(const std::string& url);

  GifOptions options_;
  std::mutex mu_;
  struct Cached {
    GifPage page;
    std::chrono::steady_clock::time_point at;
    std::list<std::string>::iterator order;
  };
  std::unordered_map<std::string, Cached> cache_;
  std::list<std::string> order_;  // oldest first
  std::unordered_map<UserId, core::TokenBucket> limits_;
};

}  // namespace parley::media
