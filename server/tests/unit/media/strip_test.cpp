// Lossless metadata removal (media/strip.cpp) on hand-made files: what must go goes, the rest is
// kept byte for byte, and malformed input is refused rather than half-copied.
#include "media/strip.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::media {
namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s += static_cast<char>(b);
  return s;
}

std::string segment(int marker, const std::string& payload) {
  auto n = payload.size() + 2;
  return bytes({0xff, marker, static_cast<int>(n >> 8), static_cast<int>(n & 0xff)}) + payload;
}

// EXIF (little-endian TIFF) with Orientation = 6 and a GPS IFD pointer, plus the text "GPSDATA".
std::string exif_app1() {
  std::string tiff = bytes({'I',  'I',  0x2a, 0, 8, 0, 0, 0,               // header, IFD0 at 8
                            2,    0,                                       // two entries
                            0x12, 0x01, 3,    0, 1, 0, 0, 0, 6,  0, 0, 0,  // Orientation = 6
                            0x25, 0x88, 4,    0, 1, 0, 0, 0, 38, 0, 0, 0,  // GPS IFD at 38
                            0,    0,    0,    0});
  tiff += "GPSDATA";
  return segment(0xe1, std::string("Exif\0\0", 6) + tiff);
}

const std::string kScan =
    bytes({0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0}) + "\x12\x34\xff\x00\x56" + bytes({0xff, 0xd9});

TEST(StripJpeg, DropsExifAndCommentsKeepsOrientationTablesAndData) {
  std::string jfif = segment(0xe0, std::string("JFIF\0\1\1\0\0\1\0\1\0\0", 14));
  std::string icc = segment(0xe2, std::string("ICC_PROFILE\0\1\1profile", 22));
  std::string dqt = segment(0xdb, std::string(65, '\x01'));
  std::string in = bytes({0xff, 0xd8}) + jfif + exif_app1() + segment(0xfe, "taken at home") + icc +
                   segment(0xed, "Photoshop 3.0 IPTC") + dqt + kScan;
  auto out = strip_jpeg(in);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->find("GPSDATA"), std::string::npos);
  EXPECT_EQ(out->find("taken at home"), std::string::npos);
  EXPECT_EQ(out->find("Photoshop"), std::string::npos);
  EXPECT_NE(out->find(jfif), std::string::npos);
  EXPECT_NE(out->find(icc), std::string::npos);
  EXPECT_TRUE(out->ends_with(dqt + kScan)) << "tables and image data unchanged";
  // The orientation survives as a minimal big-endian EXIF block before the tables.
  auto exif = out->find(std::string("Exif\0\0MM", 8));
  ASSERT_NE(exif, std::string::npos);
  EXPECT_LT(exif, out->find(dqt));
  EXPECT_NE(out->find(bytes({0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0, 6})), std::string::npos);
}

TEST(StripJpeg, WithoutOrientationNoExifIsWritten) {
  std::string in = bytes({0xff, 0xd8}) + segment(0xe1, "http://ns.adobe.com/xap/1.0/ <x:gps/>") +
                   segment(0xdb, std::string(65, '\x01')) + kScan;
  auto out = strip_jpeg(in);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->find("Exif"), std::string::npos);
  EXPECT_EQ(out->find("gps"), std::string::npos);
}

TEST(StripJpeg, RefusesMalformed) {
  EXPECT_FALSE(strip_jpeg("not a jpeg").has_value());
  EXPECT_FALSE(strip_jpeg(bytes({0xff, 0xd8, 0xff, 0xe1, 0x40, 0x00, 1, 2})).has_value());
  EXPECT_FALSE(strip_jpeg(bytes({0xff, 0xd8}) + segment(0xdb, "x")).has_value()) << "no scan";
}

TEST(StripGif, DropsCommentsAndXmpKeepsLoopFramesAndTiming) {
  std::string head =
      std::string("GIF89a") + bytes({1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255});
  std::string loop = bytes({0x21, 0xff, 0x0b}) + "NETSCAPE2.0" + bytes({3, 1, 0, 0, 0});
  std::string xmp =
      bytes({0x21, 0xff, 0x0b}) + "XMP DataXMP" + bytes({9}) + "GPS 48.85" + bytes({0});
  std::string comment = bytes({0x21, 0xfe, 5}) + "home!" + bytes({0});
  std::string gce = bytes({0x21, 0xf9, 4, 0, 10, 0, 0, 0});
  std::string frame = bytes({0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0});
  std::string in = head + loop + xmp + comment + gce + frame + gce + frame + bytes({0x3b});
  auto out = strip_gif(in);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, head + loop + gce + frame + gce + frame + bytes({0x3b}));
  EXPECT_FALSE(strip_gif(head + gce + frame).has_value()) << "no trailer";
  EXPECT_FALSE(strip_gif("GIF89a").has_value());
}

// A few bytes declaring a 65535 x 65535 screen around a 1 x 1 frame: browsers would allocate the
// screen. The cleaned GIF's screen is the frames' extent.
TEST(StripGif, TheLogicalScreenIsCutToTheFrames) {
  std::string head =
      std::string("GIF89a") + bytes({0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0, 0, 0, 255, 255, 255});
  std::string frame = bytes({0x2c, 2, 0, 3, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0});
  auto out = strip_gif(head + frame + bytes({0x3b}));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->substr(6, 4), bytes({3, 0, 4, 0})) << "left 2 + width 1, top 3 + height 1";
  EXPECT_EQ(out->substr(10), head.substr(10) + frame + bytes({0x3b}));
}

TEST(StripPng, KeepsPixelChunksAndSaysWhenThereWasExif) {
  auto chunk = [](const std::string& type, const std::string& data) {
    auto n = data.size();
    return bytes({0, 0, static_cast<int>(n >> 8), static_cast<int>(n & 0xff)}) + type + data +
           std::string(4, '\x7f');
  };
  std::string sig = "\x89PNG\r\n\x1a\n";
  std::string ihdr = chunk("IHDR", std::string(13, '\x01'));
  std::string idat = chunk("IDAT", "pixels");
  std::string iend = chunk("IEND", "");
  bool had_exif = true;
  auto plain = strip_png(sig + ihdr + chunk("tEXt", "Comment\0home") + idat + iend, &had_exif);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(*plain, sig + ihdr + idat + iend);
  EXPECT_FALSE(had_exif);
  auto with_exif = strip_png(sig + ihdr + chunk("eXIf", "MM\0*GPS") + idat + iend, &had_exif);
  ASSERT_TRUE(with_exif.has_value());
  EXPECT_EQ(with_exif->find("GPS"), std::string::npos);
  EXPECT_TRUE(had_exif);
  EXPECT_FALSE(strip_png(sig + ihdr + idat).has_value()) << "no IEND";
  EXPECT_FALSE(strip_png(sig + std::string("\xff\xff\xff\xff") + "IDAT").has_value());
}

}  // namespace
}  // namespace parley::media
