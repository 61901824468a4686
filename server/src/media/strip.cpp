// Lossless metadata removal for JPEG, GIF and PNG (see strip.hpp).
#include "media/strip.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace parley::media {
namespace {

std::uint16_t be16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(s[at]) << 8) |
                                    static_cast<unsigned char>(s[at + 1]));
}

// The orientation (1-8) in an EXIF APP1 payload ("Exif\0\0" + TIFF), 0 when absent.
int exif_orientation(std::string_view app1) {
  if (app1.size() < 14 || app1.substr(0, 6) != std::string_view("Exif\0\0", 6)) return 0;
  std::string_view tiff = app1.substr(6);
  bool little = tiff.substr(0, 2) == "II";
  if (!little && tiff.substr(0, 2) != "MM") return 0;
  auto u16 = [&](std::size_t at) -> std::uint32_t {
    if (at + 2 > tiff.size()) return 0;
    auto a = static_cast<unsigned char>(tiff[at]);
    auto b = static_cast<unsigned char>(tiff[at + 1]);
    return little ? (b << 8 | a) : (a << 8 | b);
  };
  auto u32 = [&](std::size_t at) -> std::uint32_t {
    return little ? (u16(at + 2) << 16 | u16(at)) : (u16(at) << 16 | u16(at + 2));
  };
  std::size_t ifd = u32(4);
  if (ifd + 2 > tiff.size()) return 0;
  std::uint32_t entries = u16(ifd);
  for (std::uint32_t i = 0; i < entries; ++i) {
    std::size_t e = ifd + 2 + i * 12;
    if (e + 12 > tiff.size()) return 0;
    if (u16(e) == 0x0112) {
      auto v = static_cast<int>(u16(e + 8));
      return v >= 1 && v <= 8 ? v : 0;
    }
  }
  return 0;
}

// A minimal big-endian EXIF APP1 segment holding only the orientation.
std::string orientation_segment(int orientation) {
  static constexpr unsigned char kHead[] = {
      0xff, 0xe1, 0x00, 0x22,                          // APP1, length 34
      'E',  'x',  'i',  'f',  0,    0,                 // EXIF
      'M',  'M',  0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,  // TIFF, IFD0 at 8
      0x00, 0x01,                                      // one entry
      0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,  // Orientation, SHORT, 1 value
  };
  std::string out(reinterpret_cast<const char*>(kHead), sizeof kHead);
  out += std::string("\0", 1);
  out += static_cast<char>(orientation);
  out += std::string(2, '\0');  // value padding
  out += std::string(4, '\0');  // no next IFD
  return out;
}

}  // namespace

std::optional<std::string> strip_jpeg(std::string_view in) {
  if (in.size() < 4 || static_cast<unsigned char>(in[0]) != 0xff ||
      static_cast<unsigned char>(in[1]) != 0xd8) {
    return std::nullopt;
  }
  std::string out(in.substr(0, 2));
  int orientation = 0;
  bool wrote_orientation = false;
  std::size_t i = 2;
  while (i + 4 <= in.size()) {
    if (static_cast<unsigned char>(in[i]) != 0xff) return std::nullopt;
    auto marker = static_cast<unsigned char>(in[i + 1]);
    if (marker == 0xff) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      out.append(in.substr(i, 2));
      i += 2;
      continue;
    }
    std::size_t length = be16(in, i + 2);
    if (length < 2 || i + 2 + length > in.size()) return std::nullopt;
    std::string_view segment = in.substr(i, 2 + length);
    std::string_view payload = segment.substr(4);
    bool drop =
        marker == 0xe1 || (marker >= 0xe3 && marker <= 0xed) || marker == 0xef || marker == 0xfe;
    if (marker == 0xe1 && !orientation) orientation = exif_orientation(payload);
    if (marker == 0xda) {  // start of scan: the rest is image data
      if (orientation > 1 && !wrote_orientation) out += orientation_segment(orientation);
      out.append(in.substr(i));
      return out;
    }
    // The orientation goes where EXIF was: after the APPn segments, before the tables.
    bool app = (marker >= 0xe0 && marker <= 0xef) || marker == 0xfe;
    if (!app && orientation > 1 && !wrote_orientation) {
      out += orientation_segment(orientation);
      wrote_orientation = true;
    }
    if (!drop) out.append(segment);
    i += 2 + length;
  }
  return std::nullopt;  // no image data
}

std::optional<std::string> strip_gif(std::string_view in) {
  if (in.size() < 13 || (in.substr(0, 6) != "GIF87a" && in.substr(0, 6) != "GIF89a")) {
    return std::nullopt;
  }
  auto byte = [&](std::size_t at) { return static_cast<unsigned char>(in[at]); };
  std::size_t i = 13;
  if (byte(10) & 0x80) i += 3u * (1u << ((byte(10) & 0x07) + 1));  // global colour table
  if (i > in.size()) return std::nullopt;
  std::string out(in.substr(0, i));
  // Sub-blocks from `at` up to and including the terminator; npos when cut short.
  auto blocks_end = [&](std::size_t at) {
    while (at < in.size()) {
      std::size_t n = byte(at);
      if (n == 0) return at + 1;
      at += 1 + n;
    }
    return std::string_view::npos;
  };
  // The logical screen is made as large as the frames and no larger: browsers allocate what it
  // declares (65535 x 65535 from a few bytes) before drawing anything.
  unsigned right = 0, bottom = 0;
  auto u16 = [&](std::size_t at) { return unsigned{byte(at)} | (unsigned{byte(at + 1)} << 8); };
  while (i < in.size()) {
    unsigned char kind = byte(i);
    if (kind == 0x3b) {  // trailer
      out += static_cast<char>(kind);
      if (right == 0 || bottom == 0) return std::nullopt;  // no frame
      right = std::min(right, 0xffffu);
      bottom = std::min(bottom, 0xffffu);
      out[6] = static_cast<char>(right & 0xff);
      out[7] = static_cast<char>(right >> 8);
      out[8] = static_cast<char>(bottom & 0xff);
      out[9] = static_cast<char>(bottom >> 8);
      return out;
    }
    if (kind == 0x2c) {  // image: descriptor, local colour table, LZW size, data
      if (i + 10 > in.size()) return std::nullopt;
      right = std::max(right, u16(i + 1) + u16(i + 5));
      bottom = std::max(bottom, u16(i + 3) + u16(i + 7));
      std::size_t at = i + 10;
      if (byte(i + 9) & 0x80) at += 3u * (1u << ((byte(i + 9) & 0x07) + 1));
      at += 1;  // LZW minimum code size
      std::size_t end = at <= in.size() ? blocks_end(at) : std::string_view::npos;
      if (end == std::string_view::npos) return std::nullopt;
      out.append(in.substr(i, end - i));
      i = end;
      continue;
    }
    if (kind != 0x21 || i + 2 > in.size()) return std::nullopt;
    unsigned char label = byte(i + 1);
    std::size_t end = blocks_end(i + 2);
    if (end == std::string_view::npos) return std::nullopt;
    bool keep = label == 0xf9;  // graphic control (frame timing, transparency)
    if (label == 0xff && i + 14 <= in.size()) {
      std::string_view app = in.substr(i + 3, 11);
      keep = app == "NETSCAPE2.0" || app == "ANIMEXTS1.0";  // looping
    }
    if (keep) out.append(in.substr(i, end - i));
    i = end;
  }
  return std::nullopt;
}

std::optional<std::string> strip_png(std::string_view in, bool* had_exif) {
  static constexpr std::array<std::string_view, 12> kKeep = {"IHDR", "PLTE", "IDAT", "IEND",
                                                             "tRNS", "gAMA", "cHRM", "sRGB",
                                                             "iCCP", "sBIT", "bKGD", "pHYs"};
  static constexpr std::array<std::string_view, 3> kAnimation = {"acTL", "fcTL", "fdAT"};
  if (had_exif) *had_exif = false;
  if (in.size() < 8 || in.substr(0, 8) != "\x89PNG\r\n\x1a\n") return std::nullopt;
  std::string out(in.substr(0, 8));
  std::size_t i = 8;
  while (i + 12 <= in.size()) {
    std::uint32_t length = (std::uint32_t{static_cast<unsigned char>(in[i])} << 24) |
                           (std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 16) |
                           (std::uint32_t{static_cast<unsigned char>(in[i + 2])} << 8) |
                           static_cast<unsigned char>(in[i + 3]);
    if (length > in.size() - i - 12) return std::nullopt;
    std::string_view type = in.substr(i + 4, 4);
    bool keep = false;
    for (auto k : kKeep) keep = keep || k == type;
    for (auto k : kAnimation) keep = keep || k == type;
    if (type == "eXIf" && had_exif) *had_exif = true;
    if (keep) out.append(in.substr(i, 12 + length));
    i += 12 + length;
    if (type == "IEND") return out;
  }
  return std::nullopt;
}

}  // namespace parley::media
