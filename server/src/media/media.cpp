// media/: storage paths, hashing, type detection, names and ranges. Image work is in image.cpp.
#include "media/media.hpp"

#include <fmt/format.h>
#include <magic.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "core/text.hpp"

namespace parley::media {

namespace fs = std::filesystem;

// ---- hashing -----------------------------------------------------------------------------------

struct Hasher::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Hasher::Hasher() : ctx_(std::make_unique<Ctx>()) {
  if (!ctx_->md || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 is not available");
  }
}

Hasher::~Hasher() = default;

void Hasher::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(ctx_->md, data, size);
  fed_ += size;
}

std::string Hasher::hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_->md, digest.data(), &n);
  std::string out;
  out.reserve(n * 2);
  for (unsigned i = 0; i < n; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

// ---- storage -----------------------------------------------------------------------------------

Storage::Storage(fs::path root) : root_(std::move(root)) {
  fs::create_directories(root_ / "tmp");
}

fs::path Storage::part_path(std::string_view upload_id) const {
  return root_ / "tmp" / (std::string(upload_id) + ".part");
}

fs::path Storage::blob_path(std::string_view sha256, Variant v) const {
  std::string name(sha256);
  if (v == Variant::kThumb) name += ".thumb";
  if (v == Variant::kPreview) name += ".preview";
  return root_ / std::string(sha256.substr(0, 2)) / name;
}

std::uint64_t Storage::part_size(std::string_view upload_id) const {
  std::error_code ec;
  auto n = fs::file_size(part_path(upload_id), ec);
  return ec ? 0 : n;
}

void Storage::remove_part(std::string_view upload_id) const {
  std::error_code ec;
  fs::remove(part_path(upload_id), ec);
}

std::string Storage::hash_file(const fs::path& p) const {
  Hasher h;
  std::ifstream in(p, std::ios::binary);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) h.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  return h.hex();
}

fs::path Storage::set_aside_part(std::string_view upload_id) const {
  fs::path aside = root_ / "tmp" / (std::string(upload_id) + ".gone");
  fs::rename(part_path(upload_id), aside);
  return aside;
}

void Storage::remove_set_aside() const {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_ / "tmp", ec)) {
    if (e.path().extension() == ".gone") fs::remove(e.path(), ec);
  }
}

std::vector<std::string> Storage::blobs_older_than(fs::file_time_type before) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(root_, ec)) {
    auto prefix = dir.path().filename().string();
    if (!dir.is_directory() || prefix.size() != 2 || prefix == "tm") continue;
    for (const auto& e : fs::directory_iterator(dir.path(), ec)) {
      auto name = e.path().filename().string();
      bool original = name.size() == 64 && name.starts_with(prefix) &&
                      name.find_first_not_of("0123456789abcdef") == std::string::npos;
      std::error_code t;
      if (original && e.last_write_time(t) < before && !t) out.push_back(name);
    }
  }
  return out;
}

void Storage::remove_blob(std::string_view sha256) const {
  std::error_code ec;
  for (auto v : {Variant::kOriginal, Variant::kThumb, Variant::kPreview}) {
    fs::remove(blob_path(sha256, v), ec);
  }
}

// ---- types -------------------------------------------------------------------------------------

namespace {

// One libmagic handle per thread: a handle is not safe to share.
struct Magic {
  magic_t cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS);
  Magic() {
    if (!cookie || magic_load(cookie, nullptr) != 0) {
      spdlog::error("libmagic: cannot load its database: {}",
                    cookie ? magic_error(cookie) : "out of memory");
    }
  }
  ~Magic() {
    if (cookie) magic_close(cookie);
  }
};

}  // namespace

std::string detect_type(const fs::path& p) {
  thread_local Magic magic;
  const char* type = magic.cookie ? magic_file(magic.cookie, p.c_str()) : nullptr;
  if (!type || !*type) return "application/octet-stream";
  return type;
}

std::string kind_of(std::string_view type) {
  // AVIF is not among them: its metadata cannot be taken out here, so it is shared as a file.
  static constexpr std::string_view kImages[] = {"image/jpeg", "image/png", "image/gif",
                                                 "image/webp"};
  for (auto t : kImages) {
    if (type == t) return "image";
  }
  if (type.starts_with("audio/")) return "audio";
  if (type.starts_with("video/")) return "video";
  return "file";
}

bool inline_safe(std::string_view type) {
  return kind_of(type) != "file" || type == "text/plain";
}

// ---- names -------------------------------------------------------------------------------------

std::string clean_name(std::string_view raw) {
  auto slash = raw.find_last_of("/\\");
  if (slash != std::string_view::npos) raw.remove_prefix(slash + 1);
  std::string out;
  out.reserve(raw.size());
  // Keep valid UTF-8 sequences, replace anything else (and control characters) with '_'.
  std::size_t i = 0;
  while (i < raw.size()) {
    auto c = static_cast<unsigned char>(raw[i]);
    std::size_t len = core::utf8_sequence_length(c);
    std::string_view piece = len && i + len <= raw.size() ? raw.substr(i, len) : raw.substr(i, 1);
    bool valid = len != 0 && piece.size() == len && core::utf8_length(piece) == 1 &&
                 !core::has_control(piece, false);
    if (valid && len == 1 && c < 0x20) valid = false;
    std::size_t step = valid ? len : 1;
    // Direction marks and overrides would let "gnp.exe" pass for "exe.png".
    if (valid && len == 3 && c == 0xe2) {
      auto b1 = static_cast<unsigned char>(piece[1]);
      auto b2 = static_cast<unsigned char>(piece[2]);
      if ((b1 == 0x80 && (b2 == 0x8e || b2 == 0x8f || (b2 >= 0xaa && b2 <= 0xae))) ||
          (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9)) {
        valid = false;
      }
    }
    out += valid ? piece : std::string_view("_");
    i += step;
  }
  auto first = out.find_first_not_of(" .");
  out = first == std::string::npos ? std::string() : out.substr(first);
  while (!out.empty() && (out.back() == ' ')) out.pop_back();
  if (out.size() > 255) {  // cut at a character boundary, keeping the extension when short
    auto dot = out.rfind('.');
    std::string ext = dot != std::string::npos && out.size() - dot <= 16 ? out.substr(dot) : "";
    std::size_t keep = 255 - ext.size();
    while (keep > 0 && (static_cast<unsigned char>(out[keep]) & 0xc0) == 0x80) --keep;
    out = out.substr(0, keep) + ext;
  }
  return out.empty() ? "file" : out;
}

std::string content_disposition(std::string_view name, bool attachment) {
  std::string ascii;
  std::string encoded;
  for (unsigned char c : name) {
    ascii += c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? static_cast<char>(c) : '_';
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += fmt::format("%{:02X}", c);
    }
  }
  return fmt::format("{}; filename=\"{}\"; filename*=UTF-8''{}",
                     attachment ? "attachment" : "inline", ascii, encoded);
}

// ---- ranges ------------------------------------------------------------------------------------

RangeAnswer parse_range(std::string_view h, std::uint64_t size) {
  RangeAnswer whole;
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  h = trim(h);
  if (!h.starts_with("bytes=")) return whole;  // another unit: ignore the header (RFC 9110)
  h.remove_prefix(6);
  if (h.find(',') != std::string_view::npos) return whole;  // several ranges: send it all
  auto dash = h.find('-');
  if (dash == std::string_view::npos) return whole;
  auto num = [](std::string_view s, std::uint64_t& v) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
  };
  std::string_view a = trim(h.substr(0, dash));
  std::string_view b = trim(h.substr(dash + 1));
  RangeAnswer out;
  out.outcome = RangeAnswer::kPartial;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (a.empty()) {  // the last N bytes
    std::uint64_t n = 0;
    if (!num(b, n)) return whole;
    if (n == 0 || size == 0) return RangeAnswer{RangeAnswer::kUnsatisfiable, {}};
    n = std::min(n, size);
    out.range = {size - n, n};
    return out;
  }
  if (!num(a, first)) return whole;
  if (b.empty()) {
    last = size ? size - 1 : 0;
  } else if (!num(b, last) || last < first) {
    return whole;  // syntactically invalid: ignore
  }
  if (first >= size) return RangeAnswer{RangeAnswer::kUnsatisfiable, {}};
  last = std::min(last, size - 1);
  out.range = {first, last - first + 1};
  return out;
}

}  // namespace parley::media
