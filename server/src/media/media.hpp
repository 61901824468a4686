// media/: the bytes of shared files. Where uploads and content-addressed files live under the data
// directory, what a file is (detected from its content), image variants made with libvips, and
// the HTTP details of serving files (ranges, dispositions). No database here: the store keeps the
// metadata; chat/ decides who may see what.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::media {

// Decoding is bounded twice: by the size the image declares (a few bytes can declare 65535 x
// 65535), checked from its header before any pixel is decoded, and by time, checked as pixels are
// made.
inline constexpr std::int64_t kMaxImagePixels = 100'000'000;
inline constexpr std::int64_t kMaxDecodedBytes = 256LL << 20;
inline constexpr std::chrono::milliseconds kAvatarBudget{3000};
inline constexpr std::chrono::milliseconds kUploadImageBudget{8000};

// What processing found out about an uploaded file.
struct Processed {
  std::string sha256;      // hex, of the bytes uploaded
  std::uint64_t size = 0;  // of the bytes served (a cleaned image may differ from the upload)
  std::string type;        // MIME type, from the content
  std::string kind;        // image, audio, video, file
  int width = 0;
  int height = 0;
  bool animated = false;
  bool thumb = false;
  bool preview = false;
};

enum class Variant { kOriginal, kThumb, kPreview };

// SHA-256 computed as bytes arrive; can go on after a restart from the bytes on disk.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void update(const void* data, std::size_t size);
  std::string hex();  // finishes; call once
  std::uint64_t fed() const { return fed_; }

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
  std::uint64_t fed_ = 0;
};

// The files directory: data/files/tmp/<upload>.part while arriving, data/files/ab/<sha256>[.thumb|
// .preview] once processed. Thread-safe (it holds no state but the root).
class Storage {
 public:
  explicit Storage(std::filesystem::path root);  // creates the directories

  std::filesystem::path part_path(std::string_view upload_id) const;
  std::filesystem::path blob_path(std::string_view sha256, Variant v = Variant::kOriginal) const;
  // Bytes of the upload on disk so far (0 when none).
  std::uint64_t part_size(std::string_view upload_id) const;
  void remove_part(std::string_view upload_id) const;
  // Renames the part out of the way (quick) and returns where it went, for a later removal; what
  // is left there is removed by remove_set_aside (the sweep).
  std::filesystem::path set_aside_part(std::string_view upload_id) const;
  void remove_set_aside() const;
  // The content addresses of the originals on disk last modified before `before` (for finding
  // blobs a crash left without their row).
  std::vector<std::string> blobs_older_than(std::filesystem::file_time_type before) const;
  // Hashes the whole part file (after a restart lost the running hash).
  std::string hash_file(const std::filesystem::path& p) const;
  // Detects the type, makes image variants and moves the upload into its content-addressed place
  // (or drops it when that content is stored already). `declared_type` only chooses between audio
  // and video for containers that hold either (WebM, Ogg, MP4); it never makes a type executable.
  Processed finish(std::string_view upload_id, const std::string& sha256,
                   std::string_view declared_type) const;
  // Removes a blob and its variants.
  void remove_blob(std::string_view sha256) const;
  const std::filesystem::path& root() const { return root_; }
  // Time allowed to decode an upload's image and make its variants; past it the upload is kept
  // as a plain file.
  void set_image_budget(std::chrono::milliseconds b) { image_budget_ = b; }

 private:
  std::filesystem::path root_;
  std::chrono::milliseconds image_budget_ = kUploadImageBudget;
};

// The MIME type of a file from its content (libmagic), "application/octet-stream" when unknown.
std::string detect_type(const std::filesystem::path& p);
// image, audio, video or file, for a detected type.
std::string kind_of(std::string_view type);
// Whether a browser may show this type inline without any risk of running it.
bool inline_safe(std::string_view type);

// A client's file name made safe to keep and show: the last path component, no control
// characters, valid UTF-8, at most 255 bytes; "file" when nothing is left.
std::string clean_name(std::string_view raw);
// `Content-Disposition` for a name (RFC 6266: an ASCII fallback plus filename*).
std::string content_disposition(std::string_view name, bool attachment);

// One byte range of a `Range` header against a file of `size` bytes.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};
struct RangeAnswer {
  enum { kWhole, kPartial, kUnsatisfiable } outcome = kWhole;
  ByteRange range;
};
RangeAnswer parse_range(std::string_view header, std::uint64_t size);

// Images (libvips). Call once before any other image call (from main).
void init_images(const char* argv0);
// An avatar from image bytes: the centre square, at most `side` pixels, WebP, no metadata.
struct Avatar {
  enum class Refusal { kNone, kNotAnImage, kTooLarge, kTooSlow };
  std::optional<std::string> webp;  // set unless refused
  Refusal refusal = Refusal::kNone;
};
Avatar make_avatar(std::string_view bytes, int side = 256,
                   std::chrono::milliseconds budget = kAvatarBudget);

}  // namespace parley::media
