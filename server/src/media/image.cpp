// media/: what happens when an upload is complete: type detection, image variants (libvips) and
// the move into the content-addressed store. Avatars too.
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>
#include <webp/mux.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <system_error>
#include <vips/vips8>

#include "media/media.hpp"
#include "media/strip.hpp"

namespace parley::media {

namespace fs = std::filesystem;

namespace {

constexpr int kThumbWidth = 320;
constexpr int kPreviewWidth = 1280;
// Larger images are not decoded (a small file can hold a huge image): they are cleaned without
// decoding and shared as files.
constexpr std::int64_t kMaxPixels = kMaxImagePixels;

// A deadline for libvips' work: an image evaluated past it is killed (its computation fails with
// a VError). Outlives every image it watches.
class Budget {
 public:
  explicit Budget(std::chrono::milliseconds span) : at_(std::chrono::steady_clock::now() + span) {}
  Budget(const Budget&) = delete;
  Budget& operator=(const Budget&) = delete;
  // Call on an image before it is evaluated (saved, copied to memory): past the deadline already,
  // it throws; otherwise the evaluation is killed if it runs past it.
  const vips::VImage& watch(const vips::VImage& img) const {
    if (expired()) throw vips::VError("the time budget for this image is spent");
    vips_image_set_progress(img.get_image(), TRUE);
    g_signal_connect(img.get_image(), "eval", G_CALLBACK(&Budget::on_eval),
                     const_cast<Budget*>(this));
    return img;
  }
  bool expired() const { return std::chrono::steady_clock::now() > at_; }

 private:
  static void on_eval(VipsImage* image, VipsProgress*, void* self) {
    if (static_cast<const Budget*>(self)->expired()) vips_image_set_kill(image, TRUE);
  }
  std::chrono::steady_clock::time_point at_;
};

// Whether an image (from its header) is small enough to decode.
bool decodable(const vips::VImage& probe) {
  const int frame_height =
      probe.get_typeof("page-height") ? probe.get_int("page-height") : probe.height();
  const std::int64_t pixels = static_cast<std::int64_t>(probe.width()) * frame_height;
  const std::int64_t decoded =
      pixels * probe.bands() * static_cast<std::int64_t>(vips_format_sizeof(probe.format()));
  return pixels <= kMaxPixels && decoded <= kMaxDecodedBytes;
}

// Written aside under a name of its own, then renamed into place: two uploads of the same content
// finishing at once each write their own copy, and whichever rename comes last wins (same bytes).
void write_file(const fs::path& p, const void* data, std::size_t size) {
  static std::atomic<std::uint64_t> next{0};
  fs::path tmp = p;
  tmp += "." + std::to_string(next++) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, p);
}

// A copy without metadata fields. `strip` alone is not enough in libvips 8.14: its WebP saver
// still writes an EXIF chunk it builds from the image's remaining fields.
vips::VImage without_metadata(const vips::VImage& img) {
  vips::VImage out = img.copy();
  gchar** fields = vips_image_get_fields(out.get_image());
  for (int i = 0; fields[i]; ++i) {
    std::string_view f = fields[i];
    if (f.starts_with("exif-") || f.starts_with("xmp-") || f.starts_with("iptc-") ||
        f.starts_with("png-comment") || f == "orientation" || f == "jpeg-thumbnail-data" ||
        f == "gif-comment") {
      vips_image_remove(out.get_image(), fields[i]);
    }
  }
  g_strfreev(fields);
  return out;
}

// And libvips 8.14's WebP saver writes an EXIF chunk even then (orientation, resolution): the
// chunks go with libwebpmux.
std::string drop_webp_metadata(std::string bytes) {
  WebPData data{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
  WebPMux* mux = WebPMuxCreate(&data, 0);
  if (!mux) throw std::runtime_error("libwebpmux cannot read the WebP libvips made");
  WebPMuxDeleteChunk(mux, "EXIF");
  WebPMuxDeleteChunk(mux, "XMP ");
  WebPData out;
  WebPDataInit(&out);
  WebPMuxError err = WebPMuxAssemble(mux, &out);
  WebPMuxDelete(mux);
  if (err != WEBP_MUX_OK) throw std::runtime_error("libwebpmux cannot write the WebP");
  std::string clean(reinterpret_cast<const char*>(out.bytes), out.size);
  WebPDataClear(&out);
  return clean;
}

std::string encode(const vips::VImage& img, const char* suffix, vips::VOption* options,
                   const Budget& budget) {
  void* buf = nullptr;
  std::size_t size = 0;
  std::unique_ptr<vips::VOption> owned(options);  // libvips takes it in the call, not before
  vips::VImage bare = without_metadata(img);
  budget.watch(bare);
  budget.watch(img);
  bare.write_to_buffer(suffix, &buf, &size, owned.release());
  std::string out(static_cast<const char*>(buf), size);
  g_free(buf);
  return std::string_view(suffix) == ".webp" ? drop_webp_metadata(std::move(out)) : out;
}

void save(const vips::VImage& img, const char* suffix, vips::VOption* options, const fs::path& to,
          const Budget& budget) {
  std::string bytes = encode(img, suffix, options, budget);
  write_file(to, bytes.data(), bytes.size());
}

vips::VOption* clean_options(int quality) {
  // strip drops EXIF (GPS included), XMP, IPTC, comments and the colour profile: pixels are made
  // sRGB before they are saved, so the profile is not needed.
  return vips::VImage::option()->set("strip", true)->set("Q", quality);
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw std::runtime_error("cannot read " + p.string());
  return out;
}

// The upload's bytes without their metadata, decoding nothing (strip.hpp); false when the format
// is not well-formed enough to do that.
bool strip_losslessly(const fs::path& src, const fs::path& clean, std::string_view type) {
  std::string bytes = read_all(src);
  std::optional<std::string> out;
  if (type == "image/jpeg") out = strip_jpeg(bytes);
  if (type == "image/gif") out = strip_gif(bytes);
  if (type == "image/png") out = strip_png(bytes);
  if (type == "image/webp") {
    try {
      out = drop_webp_metadata(std::move(bytes));
    } catch (const std::exception&) {
      out.reset();
    }
  }
  if (!out) return false;
  write_file(clean, out->data(), out->size());
  return true;
}

// Writes the cleaned original to `clean`, and `<sha>.thumb` / `<sha>.preview` (WebP), and fills in
// `p`. False when the upload cannot be served as an image without its metadata: it is then a plain
// file (an attachment). An image too large to decode safely is cleaned without decoding and
// becomes a file too (never shown inline).
bool process_image(const fs::path& src, const fs::path& clean, const std::string& sha,
                   const Storage& storage, Processed& p, std::chrono::milliseconds time) {
  const Budget budget(time);
  try {
    vips::VImage probe = vips::VImage::new_from_file(
        src.c_str(), vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    const int pages = probe.get_typeof("n-pages") ? probe.get_int("n-pages") : 1;
    const int frame_height =
        probe.get_typeof("page-height") ? probe.get_int("page-height") : probe.height();
    if (!decodable(probe)) {
      if (!strip_losslessly(src, clean, p.type)) return false;
      p.kind = "file";
      return true;
    }
    p.width = probe.width();
    p.height = frame_height;
    if (pages > 1 && (p.type == "image/gif" || p.type == "image/webp")) {
      // Animated: served whole (without metadata) so it keeps moving; no still variants.
      p.animated = true;
      return strip_losslessly(src, clean, p.type);
    }
    // EXIF orientation applied, colours made sRGB, then the pixels saved again without any
    // metadata. Decoded once into memory (bounded above): the clean original and both variants
    // are made from the same pixels.
    vips::VImage img = vips::VImage::new_from_file(
                           src.c_str(), vips::VImage::option()->set("access", VIPS_ACCESS_RANDOM))
                           .autorot();
    if (img.get_typeof(VIPS_META_ICC_NAME)) img = img.icc_transform("srgb");
    img = budget.watch(img).copy_memory();
    p.width = img.width();
    p.height = img.height();
    bool had_exif = false;
    std::optional<std::string> stripped_png;
    if (p.type == "image/png") stripped_png = strip_png(read_all(src), &had_exif);
    if (p.type == "image/jpeg") {
      save(img, ".jpg", clean_options(90), clean, budget);
    } else if (stripped_png && !had_exif) {  // no orientation to apply: the pixels as uploaded
      write_file(clean, stripped_png->data(), stripped_png->size());
    } else if (p.type == "image/png") {
      // Level 3 instead of 6: several times faster on photos, a few percent larger.
      save(img, ".png", vips::VImage::option()->set("strip", true)->set("compression", 3), clean,
           budget);
    } else if (p.type == "image/webp") {
      save(img, ".webp", clean_options(90), clean, budget);
    } else if (!strip_losslessly(src, clean, p.type)) {  // a GIF of one frame
      return false;
    }
    // The preview from the decoded pixels, the thumbnail from the preview (fewer pixels to read).
    vips::VImage source = img;
    auto variant = [&](int width, Variant v) {
      if (p.width <= width) return false;
      vips::VImage small = source.thumbnail_image(
          width, vips::VImage::option()->set("height", width * 4)->set("size", VIPS_SIZE_DOWN));
      if (v == Variant::kPreview) small = budget.watch(small).copy_memory();
      // Effort 2 of 6: the variants are made while the uploader waits.
      save(small, ".webp", clean_options(80)->set("effort", 2), storage.blob_path(sha, v), budget);
      if (v == Variant::kPreview) source = small;
      return true;
    };
    p.preview = variant(kPreviewWidth, Variant::kPreview);
    p.thumb = variant(kThumbWidth, Variant::kThumb);
    return true;
  } catch (const vips::VError& e) {
    if (budget.expired()) {
      spdlog::warn("image not processed within {} ms ({}): kept as a file", time.count(), p.type);
    } else {
      spdlog::info("not processed as an image ({}): {}", p.type, e.what());
    }
    std::error_code ec;  // a variant made before the deadline goes with the rest
    fs::remove(storage.blob_path(sha, Variant::kPreview), ec);
    fs::remove(storage.blob_path(sha, Variant::kThumb), ec);
    return false;
  }
}

}  // namespace

// fsync of a file or a directory (so a rename into it is durable too).
static void sync_path(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + p.string() + " to sync it");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("cannot sync " + p.string());
}

void init_images(const char* argv0) {
  if (VIPS_INIT(argv0) != 0) throw std::runtime_error("libvips failed to start");
  vips_cache_set_max(0);  // every image is made once: caching only holds memory
}

Processed Storage::finish(std::string_view upload_id, const std::string& sha256,
                          std::string_view declared_type) const {
  fs::path part = part_path(upload_id);
  Processed p;
  p.sha256 = sha256;
  p.type = detect_type(part);
  // Containers that hold audio or video alike: the client says which (a voice message in WebM).
  const bool av_container = p.type == "video/webm" || p.type == "audio/webm" ||
                            p.type == "audio/ogg" || p.type == "video/ogg" ||
                            p.type == "video/mp4" || p.type == "audio/mp4";
  if (av_container) {
    std::string container = p.type.substr(p.type.find('/') + 1);
    bool audio = declared_type.starts_with("audio/");
    bool video = declared_type.starts_with("video/");
    if (audio || video) p.type = std::string(audio ? "audio/" : "video/") + container;
  }
  p.kind = kind_of(p.type);
  fs::path target = blob_path(sha256);
  fs::create_directories(target.parent_path());
  std::error_code ec;
  if (p.kind == "image") {
    fs::path clean = target;
    clean += "." + std::string(upload_id) + ".clean";
    if (process_image(part, clean, sha256, *this, p, image_budget_)) {
      fs::rename(clean, target);
      fs::remove(part, ec);
    } else {
      // Not an image libvips can read: an attachment like any file, still without its metadata
      // when the format allows that.
      p.kind = "file";
      p.width = p.height = 0;
      p.animated = p.thumb = p.preview = false;
      if (strip_losslessly(part, clean, p.type)) {
        fs::rename(clean, target);
        fs::remove(part, ec);
      } else {
        fs::remove(clean, ec);
        fs::rename(part, target);
      }
    }
  } else {
    fs::rename(part, target);
  }
  p.size = fs::file_size(target);
  // On disk before the database says the file exists (and before the uploader is told).
  sync_path(target);
  sync_path(target.parent_path());
  return p;
}

Avatar make_avatar(std::string_view bytes, int side, std::chrono::milliseconds time) {
  const Budget budget(time);
  Avatar out;
  try {
    VipsBlob* blob = vips_blob_new(nullptr, bytes.data(), bytes.size());
    struct Unref {
      VipsBlob* b;
      ~Unref() { vips_area_unref(VIPS_AREA(b)); }
    } unref{blob};
    // The header first: the limits of shared images hold before a pixel is decoded.
    vips::VImage probe = vips::VImage::new_from_buffer(
        bytes.data(), bytes.size(), "",
        vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    if (!decodable(probe)) {
      out.refusal = Avatar::Refusal::kTooLarge;
      return out;
    }
    // Shrunk on load where the format allows it (JPEG, WebP).
    vips::VImage img = vips::VImage::thumbnail_buffer(
        blob, side,
        vips::VImage::option()->set("height", side)->set("crop", VIPS_INTERESTING_CENTRE));
    out.webp = encode(img, ".webp", clean_options(85), budget);
  } catch (const vips::VError& e) {
    out.refusal = budget.expired() ? Avatar::Refusal::kTooSlow : Avatar::Refusal::kNotAnImage;
    spdlog::info("avatar refused: {}", e.what());
  }
  return out;
}

}  // namespace parley::media
