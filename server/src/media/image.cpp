// media/: what happens when an upload is complete: type detection, image variants (libvips) and
// the move into the content-addressed store. Avatars too.
#include <spdlog/spdlog.h>

#include <webp/mux.h>
#include <cstdio>
#include <fstream>
#include <system_error>
#include <vips/vips8>

#include "media/media.hpp"

namespace parley::media {

namespace fs = std::filesystem;

namespace {

constexpr int kThumbWidth = 320;
constexpr int kPreviewWidth = 1280;
constexpr std::int64_t kMaxPixels = 200'000'000;  // bigger images stay plain files

void write_file(const fs::path& p, const void* data, std::size_t size) {
  fs::path tmp = p;
  tmp += ".tmp";
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

std::string encode(const vips::VImage& img, const char* suffix, vips::VOption* options) {
  void* buf = nullptr;
  std::size_t size = 0;
  without_metadata(img).write_to_buffer(suffix, &buf, &size, options);
  std::string out(static_cast<const char*>(buf), size);
  g_free(buf);
  return std::string_view(suffix) == ".webp" ? drop_webp_metadata(std::move(out)) : out;
}

void save(const vips::VImage& img, const char* suffix, vips::VOption* options, const fs::path& to) {
  std::string bytes = encode(img, suffix, options);
  write_file(to, bytes.data(), bytes.size());
}

vips::VOption* clean_options(int quality) {
  // strip drops EXIF (GPS included), XMP, IPTC and comments; the colour profile is kept apart.
  return vips::VImage::option()->set("strip", true)->set("Q", quality);
}

// Makes `<sha>.thumb` / `<sha>.preview` (WebP) and the cleaned original at `clean`. Returns false
// when libvips cannot read it as an image (it is then kept as a plain file).
bool process_image(const fs::path& src, const fs::path& clean, const std::string& sha,
                   const Storage& storage, Processed& p) {
  try {
    vips::VImage probe = vips::VImage::new_from_file(
        src.c_str(), vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    int pages = probe.get_typeof("n-pages") ? probe.get_int("n-pages") : 1;
    if (static_cast<std::int64_t>(probe.width()) * probe.height() > kMaxPixels) return false;
    if (pages > 1 && (p.type == "image/gif" || p.type == "image/webp")) {
      // Animated: served whole so it keeps moving; no variants.
      p.animated = true;
      p.width = probe.width();
      p.height = probe.get_typeof("page-height") ? probe.get_int("page-height") : probe.height();
      std::error_code ec;
      fs::copy_file(src, clean, fs::copy_options::overwrite_existing, ec);
      if (ec) throw std::runtime_error(ec.message());
      return true;
    }
    // EXIF orientation applied, then the pixels saved again without any metadata.
    vips::VImage img = vips::VImage::new_from_file(src.c_str()).autorot();
    p.width = img.width();
    p.height = img.height();
    if (p.type == "image/jpeg") {
      save(img, ".jpg", clean_options(90), clean);
    } else if (p.type == "image/png") {
      save(img, ".png", vips::VImage::option()->set("strip", true), clean);
    } else if (p.type == "image/webp") {
      save(img, ".webp", clean_options(90), clean);
    } else {  // GIF (one frame) and AVIF carry no EXIF that matters: keep the bytes
      std::error_code ec;
      fs::copy_file(src, clean, fs::copy_options::overwrite_existing, ec);
      if (ec) throw std::runtime_error(ec.message());
    }
    auto variant = [&](int width, Variant v) {
      if (p.width <= width) return false;
      vips::VImage small = vips::VImage::thumbnail(
          clean.c_str(), width,
          vips::VImage::option()->set("height", width * 4)->set("size", VIPS_SIZE_DOWN));
      save(small, ".webp", clean_options(80), storage.blob_path(sha, v));
      return true;
    };
    p.thumb = variant(kThumbWidth, Variant::kThumb);
    p.preview = variant(kPreviewWidth, Variant::kPreview);
    return true;
  } catch (const vips::VError& e) {
    spdlog::info("not processed as an image ({}): {}", p.type, e.what());
    return false;
  }
}

}  // namespace

void init_images(const char* argv0) {
  if (VIPS_INIT(argv0) != 0) throw std::runtime_error("libvips failed to start");
  vips_cache_set_max(0);  // every image is made once: caching only holds memory
  vips_concurrency_set(1);
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
    clean += ".clean";
    if (process_image(part, clean, sha256, *this, p)) {
      fs::rename(clean, target);
      fs::remove(part, ec);
    } else {
      fs::remove(clean, ec);
      p.kind = "file";  // not an image libvips can read: an attachment like any file
      fs::rename(part, target);
    }
  } else {
    fs::rename(part, target);
  }
  p.size = fs::file_size(target);
  return p;
}

std::optional<std::string> make_avatar(std::string_view bytes, int side) {
  try {
    VipsBlob* blob = vips_blob_new(nullptr, bytes.data(), bytes.size());
    struct Unref {
      VipsBlob* b;
      ~Unref() { vips_area_unref(VIPS_AREA(b)); }
    } unref{blob};
    vips::VImage img = vips::VImage::thumbnail_buffer(
        blob, side,
        vips::VImage::option()->set("height", side)->set("crop", VIPS_INTERESTING_CENTRE));
    return encode(img, ".webp", clean_options(85));
  } catch (const vips::VError& e) {
    spdlog::info("avatar refused: {}", e.what());
    return std::nullopt;
  }
}

}  // namespace parley::media
