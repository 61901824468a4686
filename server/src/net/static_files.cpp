// Static file resolution. Kept free of Beast so it is unit-tested directly.
#include "net/static_files.hpp"

#include "net/http_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <system_error>
#include <utility>

namespace parley::net {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

// Rejects anything that could leave the root or confuse the filesystem.
bool safe_path(std::string_view p) {
  if (p.empty() || p.front() != '/') return false;
  if (p.find('\0') != std::string_view::npos || p.find('\\') != std::string_view::npos)
    return false;
  size_t pos = 0;
  while (pos <= p.size()) {
    size_t next = p.find('/', pos);
    if (next == std::string_view::npos) next = p.size();
    std::string_view seg = p.substr(pos, next - pos);
    if (seg == ".." || seg == ".") return false;
    if (!seg.empty() && seg.front() == '.') return false;  // no dotfiles
    pos = next + 1;
  }
  return true;
}

}  // namespace

std::string_view mime_type(std::string_view ext) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".avif", "image/avif"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".mp3", "audio/mpeg"},
      {".ogg", "audio/ogg"},
      {".webm", "video/webm"},
  }};
  for (const auto& [e, t] : kTypes) {
    if (iequals(e, ext)) return t;
  }
  return "application/octet-stream";
}

bool accepts_encoding(std::string_view header, std::string_view coding) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    std::string_view name = trim(item.substr(0, item.find(';')));
    if (!iequals(name, coding) && name != "*") continue;
    size_t q = item.find("q=");
    if (q == std::string_view::npos) return true;
    std::string_view qv = trim(item.substr(q + 2));
    return !(qv == "0" || qv.starts_with("0.000") || qv == "0." || qv == "0.0" || qv == "0.00");
  }
  return false;
}

bool etag_matches(std::string_view inm, std::string_view etag) {
  if (trim(inm) == "*") return true;
  while (!inm.empty()) {
    size_t comma = inm.find(',');
    std::string_view item = trim(inm.substr(0, comma));
    inm = comma == std::string_view::npos ? std::string_view{} : inm.substr(comma + 1);
    if (item.starts_with("W/")) item.remove_prefix(2);  // weak comparison, as RFC 9110 asks for 304
    if (item == etag) return true;
  }
  return false;
}

StaticFiles::StaticFiles(fs::path root) {
  std::error_code ec;
  root_ = fs::weakly_canonical(fs::absolute(root, ec), ec);
  if (ec) root_ = std::move(root);
}

std::optional<StaticFile> StaticFiles::describe(const fs::path& file,
                                                std::string_view accept_encoding,
                                                std::string cache_control) const {
  std::error_code ec;
  auto status = fs::status(file, ec);
  if (ec || !fs::is_regular_file(status)) return std::nullopt;

  StaticFile out;
  out.content_type = std::string(mime_type(file.extension().string()));
  out.cache_control = std::move(cache_control);
  out.path = file;
  // Pre-compressed siblings are made at build time (web/scripts/compress.mjs).
  for (auto [coding, suffix] : {std::pair{"br", ".br"}, std::pair{"gzip", ".gz"}}) {
    if (!accepts_encoding(accept_encoding, coding)) continue;
    fs::path sibling = file;
    sibling += suffix;
    if (fs::is_regular_file(sibling, ec)) {
      out.path = sibling;
      out.content_encoding = coding;
      break;
    }
  }
  out.size = fs::file_size(out.path, ec);
  if (ec) return std::nullopt;
  auto mtime = fs::last_write_time(out.path, ec).time_since_epoch();
  out.etag = fmt::format("\"{:x}-{:x}{}{}\"", out.size,
                         static_cast<std::uint64_t>(
                             std::chrono::duration_cast<std::chrono::microseconds>(mtime).count()),
                         out.content_encoding.empty() ? "" : "-", out.content_encoding);
  return out;
}

std::optional<StaticFile> StaticFiles::resolve(std::string_view url_path,
                                               std::string_view accept_encoding) const {
  if (!safe_path(url_path)) return std::nullopt;
  std::string_view rel = url_path.substr(1);
  if (!rel.empty() && rel.back() != '/') {
    fs::path candidate = root_ / fs::path(std::string(rel));
    // A symlink must not lead out of the root.
    std::error_code ec;
    fs::path real = fs::weakly_canonical(candidate, ec);
    auto [end, _] = std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
    if (!ec && end == root_.end()) {
      bool hashed = rel.starts_with("assets/");
      if (auto f =
              describe(real, accept_encoding, std::string(hashed ? kImmutable : kRevalidate))) {
        // The direct transfer's worker hashes with WebAssembly (web/src/rtc/transfer-worker.ts;
        // Vite names the chunk after that file).
        if (rel.starts_with("assets/transfer-worker-") && rel.ends_with(".js"))
          f->csp = std::string(wasm_worker_csp());
        return f;
      }
    }
    // A missing path with an extension is a missing file, not a client route.
    std::string_view last = rel.substr(rel.rfind('/') + 1);
    if (last.find('.') != std::string_view::npos) return std::nullopt;
  }
  // "/", "/rooms/42" and other client routes: the app shell, always revalidated.
  return describe(root_ / "index.html", accept_encoding, std::string(kRevalidate));
}

}  // namespace parley::net
