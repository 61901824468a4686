#include "media/gifs.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

#include "core/text.hpp"

namespace parley::media {
namespace {

namespace json = boost::json;
using core::Errc;
using core::make_error;

constexpr std::size_t kMaxAnswer = 4 << 20;
constexpr int kPage = 24;

size_t collect(char* data, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() + size * n > kMaxAnswer) return 0;
  s->append(data, size * n);
  return size * n;
}

std::string escape(CURL* curl, const std::string& s) {
  char* e = curl_easy_escape(curl, s.data(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

// Whether `url` is on one of `hosts` (https unless a host names its scheme): a GIF from anywhere
// else is left out.
bool on_hosts(const std::string& url, const std::vector<std::string>& hosts) {
  for (const auto& h : hosts) {
    std::string prefix = h.find("://") != std::string::npos ? h : "https://" + h;
    if (url.rfind(prefix + "/", 0) == 0) return true;
  }
  return false;
}

const json::value* at_path(const json::value& v, std::initializer_list<const char*> path) {
  const json::value* cur = &v;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->as_object().find(key);
    if (it == cur->as_object().end()) return nullptr;
    cur = &it->value();
  }
  return cur;
}

std::string str_at(const json::value& v, std::initializer_list<const char*> path) {
  auto* x = at_path(v, path);
  return x && x->is_string() ? std::string(x->as_string()) : std::string();
}

// A whole number from 0 to 1,000,000 (Giphy sends some as strings: "200"); 0 otherwise.
int int_at(const json::value& v, std::initializer_list<const char*> path) {
  auto* x = at_path(v, path);
  std::int64_t n = 0;
  if (x && x->is_int64()) n = x->as_int64();
  if (x && x->is_string()) {
    auto s = x->as_string();
    std::from_chars(s.data(), s.data() + s.size(), n);
  }
  return static_cast<int>(std::clamp<std::int64_t>(n, 0, 1'000'000));
}

}  // namespace

GifSearch::GifSearch(GifOptions options) : options_(std::move(options)) {
  if (options_.api_url.empty()) {
    options_.api_url = options_.provider == "tenor" ? "https://tenor.googleapis.com/v2/search"
                                                    : "https://api.giphy.com/v1/gifs/search";
  }
  if (options_.media_hosts.empty()) {
    options_.media_hosts =
        options_.provider == "tenor"
            ? std::vector<std::string>{"media.tenor.com"}
            : std::vector<std::string>{"media.giphy.com",  "media0.giphy.com", "media1.giphy.com",
                                       "media2.giphy.com", "media3.giphy.com", "media4.giphy.com",
                                       "i.giphy.com"};
  }
  static const bool init = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)init;
}

std::vector<std::string> GifSearch::csp_sources() const {
  std::vector<std::string> out;
  if (!enabled()) return out;
  for (const auto& h : options_.media_hosts) {
    out.push_back(h.find("://") == std::string::npos ? "https://" + h : h);
  }
  return out;
}

std::optional<GifPage> GifSearch::parse(const std::string& provider, const std::string& body,
                                        const std::vector<std::string>& media_hosts) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  GifPage page;
  if (provider == "tenor") {
    auto* results = at_path(v, {"results"});
    if (!results || !results->is_array()) return std::nullopt;
    for (const auto& r : results->as_array()) {
      Gif g{str_at(r, {"id"}),
            str_at(r, {"content_description"}),
            str_at(r, {"media_formats", "gif", "url"}),
            str_at(r, {"media_formats", "tinygif", "url"}),
            0,
            0};
      auto* dims = at_path(r, {"media_formats", "gif", "dims"});
      if (dims && dims->is_array() && dims->as_array().size() == 2 &&
          dims->as_array()[0].is_int64() && dims->as_array()[1].is_int64()) {
        g.width =
            static_cast<int>(std::clamp<std::int64_t>(dims->as_array()[0].as_int64(), 0, 10000));
        g.height =
            static_cast<int>(std::clamp<std::int64_t>(dims->as_array()[1].as_int64(), 0, 10000));
      }
      if (g.preview.empty()) g.preview = g.url;
      if (!g.id.empty() && on_hosts(g.url, media_hosts) && on_hosts(g.preview, media_hosts)) {
        page.results.push_back(std::move(g));
      }
    }
    page.next = str_at(v, {"next"});
  } else {
    auto* data = at_path(v, {"data"});
    if (!data || !data->is_array()) return std::nullopt;
    for (const auto& r : data->as_array()) {
      Gif g{str_at(r, {"id"}),
            str_at(r, {"title"}),
            str_at(r, {"images", "fixed_height", "url"}),
            str_at(r, {"images", "fixed_height_small", "url"}),
            int_at(r, {"images", "fixed_height", "width"}),
            int_at(r, {"images", "fixed_height", "height"})};
      if (g.preview.empty()) g.preview = g.url;
      if (!g.id.empty() && on_hosts(g.url, media_hosts) && on_hosts(g.preview, media_hosts)) {
        page.results.push_back(std::move(g));
      }
    }
    int offset = int_at(v, {"pagination", "offset"});
    int count = int_at(v, {"pagination", "count"});
    int total = int_at(v, {"pagination", "total_count"});
    if (count > 0 && offset + count < total) page.next = std::to_string(offset + count);
  }
  return page;
}

core::Result<GifPage> GifSearch::search(UserId user, const std::string& query,
                                        const std::string& from) {
  if (!enabled()) return make_error(Errc::kNotFound, "GIF search is off on this server");
  auto n = core::utf8_length(query);
  if (n == 0 || n > 100 || core::has_control(query)) {
    return make_error(Errc::kInvalid, "'q' is 1 to 100 characters", "q");
  }
  if (from.size() > 64 || from.find_first_of("&?#= ") != std::string::npos) {
    return make_error(Errc::kInvalid, "'from' is the previous page's 'next'", "from");
  }
  std::string key = query + '\n' + from;
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && now - it->second.at < options_.cache_for) return it->second.page;
    auto [limit, fresh] = limits_.try_emplace(user, options_.per_user_per_minute / 60.0,
                                              options_.per_user_per_minute);
    if (!limit->second.take(now)) {
      auto e = make_error(Errc::kRateLimited, "Too many GIF searches; try again in a moment");
      e.retry_after = limit->second.retry_after_seconds();
      return e;
    }
    if (limits_.size() > 10000) limits_.clear();  // a bound; limits restart for everyone
  }

  CURL* curl = curl_easy_init();
  if (!curl) return make_error(Errc::kInternal, "GIF search failed");
  std::string url = options_.api_url;
  url += url.find('?') == std::string::npos ? '?' : '&';
  if (options_.provider == "tenor") {
    url += "key=" + escape(curl, options_.api_key) + "&q=" + escape(curl, query) +
           "&limit=" + std::to_string(kPage) + "&media_filter=gif,tinygif&contentfilter=medium";
    if (!from.empty()) url += "&pos=" + escape(curl, from);
  } else {
    url += "api_key=" + escape(curl, options_.api_key) + "&q=" + escape(curl, query) +
           "&limit=" + std::to_string(kPage) + "&rating=" + escape(curl, options_.rating);
    if (!from.empty()) url += "&offset=" + escape(curl, from);
  }
  curl_easy_cleanup(curl);
  std::string body = fetch(url);
  auto page = parse(options_.provider, body, options_.media_hosts);
  if (!page) {
    spdlog::warn("GIF search: the provider's answer was not understood ({} bytes)", body.size());
    return make_error(Errc::kInternal, "GIF search failed; try again later");
  }
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(key); it != cache_.end()) {
    order_.erase(it->second.order);
    cache_.erase(it);
  }
  order_.push_back(key);
  cache_[key] = Cached{*page, now, std::prev(order_.end())};
  while (cache_.size() > options_.cache_entries) {
    cache_.erase(order_.front());
    order_.pop_front();
  }
  return *page;
}

std::string GifSearch::fetch(const std::string& url) {
  std::string out;
  CURL* curl = curl_easy_init();
  if (!curl) return out;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options_.timeout_s);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, options_.timeout_s);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (status != 200) {
    spdlog::warn("GIF search: the provider answered {}", status);
    return {};
  }
  return out;
}

}  // namespace parley::media
