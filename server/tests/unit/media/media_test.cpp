// media/: names made safe, Content-Disposition, Range parsing, type detection from content, and
// what finishing an upload does with real files (libmagic and libvips, no fakes).
#include "media/media.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <vips/vips8>

#include "temp_dir.hpp"

namespace parley::media {
namespace {

// A PNG of the given size carrying a tEXt comment, encoded by libvips.
std::string make_test_png(int w, int h) {
  vips::VImage img = vips::VImage::black(w, h, vips::VImage::option()->set("bands", 3)) + 128;
  img = img.cast(VIPS_FORMAT_UCHAR).copy();
  img.set("png-comment-0-note", "secret place");
  void* buf = nullptr;
  std::size_t size = 0;
  img.write_to_buffer(".png", &buf, &size);
  std::string out(static_cast<const char*>(buf), size);
  g_free(buf);
  return out;
}

TEST(CleanName, KeepsOnlyTheLastComponentWithoutControls) {
  EXPECT_EQ(clean_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(clean_name("C:\\Users\\x\\report.pdf"), "report.pdf");
  EXPECT_EQ(clean_name(std::string("a\0b.txt", 7)), "a_b.txt");
  EXPECT_EQ(clean_name("tab\there\n.txt"), "tab_here_.txt");
  EXPECT_EQ(clean_name(".."), "file");
  EXPECT_EQ(clean_name(""), "file");
  EXPECT_EQ(clean_name("  .hidden "), "hidden");
  EXPECT_EQ(clean_name("caf\xc3\xa9.png"), "caf\xc3\xa9.png");
  EXPECT_EQ(clean_name("bad\xff\xfe.png"), "bad__.png");
  EXPECT_EQ(clean_name("\xe2\x80\xaegnp.exe"), "_gnp.exe");  // right-to-left override
}

TEST(CleanName, LongNamesAreCutAtACharacterKeepingTheExtension) {
  std::string long_name;
  for (int i = 0; i < 5000; ++i) long_name += "\xc3\xa9";  // 10,000 bytes
  long_name += ".jpeg";
  auto n = clean_name(long_name);
  EXPECT_LE(n.size(), 255u);
  EXPECT_TRUE(n.ends_with(".jpeg"));
  EXPECT_EQ(n.substr(0, n.size() - 5).size() % 2, 0u) << "a character was split";
}

TEST(ContentDisposition, AsciiFallbackAndEncodedName) {
  EXPECT_EQ(content_disposition("a \"b\".txt", true),
            "attachment; filename=\"a _b_.txt\"; filename*=UTF-8''a%20%22b%22.txt");
  EXPECT_EQ(content_disposition("caf\xc3\xa9.png", false),
            "inline; filename=\"caf__.png\"; filename*=UTF-8''caf%C3%A9.png");
}

TEST(Range, ParsesOneRange) {
  auto r = parse_range("bytes=0-9", 100);
  EXPECT_EQ(r.outcome, RangeAnswer::kPartial);
  EXPECT_EQ(r.range.first, 0u);
  EXPECT_EQ(r.range.length, 10u);
  r = parse_range("bytes=90-", 100);
  EXPECT_EQ(r.range.first, 90u);
  EXPECT_EQ(r.range.length, 10u);
  r = parse_range("bytes=-5", 100);
  EXPECT_EQ(r.range.first, 95u);
  EXPECT_EQ(r.range.length, 5u);
  r = parse_range("bytes=-500", 100);
  EXPECT_EQ(r.range.first, 0u);
  EXPECT_EQ(r.range.length, 100u);
  r = parse_range("bytes=50-5000", 100);
  EXPECT_EQ(r.range.length, 50u);
}

TEST(Range, UnsatisfiableAndIgnored) {
  EXPECT_EQ(parse_range("bytes=100-", 100).outcome, RangeAnswer::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 100).outcome, RangeAnswer::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-0", 0).outcome, RangeAnswer::kUnsatisfiable);
  for (auto h : {"", "items=0-1", "bytes=5-1", "bytes=a-b", "bytes=0-1,5-6", "bytes=-",
                 "bytes=99999999999999999999999-", "bytes=1"}) {
    EXPECT_EQ(parse_range(h, 100).outcome, RangeAnswer::kWhole) << h;
  }
}

TEST(Types, KindsAndWhatMayShowInline) {
  EXPECT_EQ(kind_of("image/png"), "image");
  EXPECT_EQ(kind_of("image/svg+xml"), "file");
  EXPECT_EQ(kind_of("audio/webm"), "audio");
  EXPECT_EQ(kind_of("video/mp4"), "video");
  EXPECT_TRUE(inline_safe("image/jpeg"));
  EXPECT_TRUE(inline_safe("text/plain"));
  for (auto t : {"text/html", "image/svg+xml", "application/xml", "text/xml",
                 "application/javascript", "application/pdf", "application/octet-stream"}) {
    EXPECT_FALSE(inline_safe(t)) << t;
  }
}

class StorageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_images("parley_unit_tests"); }
  void put(const std::string& id, std::string_view bytes) {
    std::ofstream(storage.part_path(id), std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  testing::TempDir dir{"parley_media"};
  Storage storage{dir.path() / "files"};
};

TEST_F(StorageTest, HashesAndDetectsFromContentNotName) {
  const std::string html = "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n";
  put("u1", html);
  Hasher h;
  h.update(html.data(), html.size());
  auto sha = h.hex();
  EXPECT_EQ(sha, storage.hash_file(storage.part_path("u1")));
  auto p = storage.finish("u1", sha, "image/png");  // the client's type changes nothing here
  EXPECT_EQ(p.type, "text/html");
  EXPECT_EQ(p.kind, "file");
  EXPECT_EQ(p.size, html.size());
  EXPECT_TRUE(std::filesystem::exists(storage.blob_path(sha)));
  EXPECT_FALSE(std::filesystem::exists(storage.part_path("u1")));
  storage.remove_blob(sha);
  EXPECT_FALSE(std::filesystem::exists(storage.blob_path(sha)));
}

TEST_F(StorageTest, BytesThatOnlyLookLikeAnImageStayAFile) {
  put("u2", std::string("\x89PNG\r\n\x1a\n") + std::string(100, 'x'));
  auto p = storage.finish("u2", "ab" + std::string(62, '0'), "");
  EXPECT_EQ(p.kind, "file");
  EXPECT_FALSE(p.thumb);
}

TEST(Avatar, IsASquareWebPWithoutAnyMetadataChunk) {
  init_images("parley_unit_tests");
  // A PNG made here, 300x200, with a text comment that must not survive.
  std::string png = make_test_png(300, 200);
  auto made = make_avatar(png, 64);
  ASSERT_TRUE(made.webp.has_value());
  const auto& avatar = made.webp;
  EXPECT_EQ(avatar->substr(0, 4), "RIFF");
  EXPECT_EQ(avatar->substr(8, 4), "WEBP");
  EXPECT_EQ(avatar->find("EXIF"), std::string::npos);
  EXPECT_EQ(avatar->find("XMP "), std::string::npos);
  EXPECT_EQ(avatar->find("secret"), std::string::npos);
}

TEST(Avatar, RefusesWhatIsNotAnImage) {
  init_images("parley_unit_tests");
  auto made = make_avatar("not an image at all");
  EXPECT_FALSE(made.webp.has_value());
  EXPECT_EQ(made.refusal, Avatar::Refusal::kNotAnImage);
}

// A JPEG of `w` x `h` whose header then claims `claim_w` x `claim_h` (a few hundred bytes can
// declare a huge image).
std::string jpeg_claiming(int w, int h, int claim_w, int claim_h, bool progressive) {
  vips::VImage img = vips::VImage::black(w, h, vips::VImage::option()->set("bands", 3)) + 90;
  void* buf = nullptr;
  std::size_t size = 0;
  img.cast(VIPS_FORMAT_UCHAR)
      .write_to_buffer(".jpg", &buf, &size,
                       vips::VImage::option()->set("interlace", progressive)->set("strip", true));
  std::string out(static_cast<const char*>(buf), size);
  g_free(buf);
  // The frame header (SOF0 or SOF2): FF Cx, length, precision, height, width.
  for (std::size_t i = 2; i + 9 < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i + 1]);
    if (static_cast<unsigned char>(out[i]) == 0xFF && (c == 0xC0 || c == 0xC2)) {
      out[i + 5] = static_cast<char>(claim_h >> 8);
      out[i + 6] = static_cast<char>(claim_h & 0xFF);
      out[i + 7] = static_cast<char>(claim_w >> 8);
      out[i + 8] = static_cast<char>(claim_w & 0xFF);
      return out;
    }
  }
  ADD_FAILURE() << "no frame header";
  return out;
}

// A few hundred bytes declaring 16000 x 16000 (progressive: the decoder would need every
// coefficient in memory, ~700 MB) are refused from the header, before any decoding.
TEST(Avatar, AnImageDeclaringMorePixelsThanSharedImagesMayHaveIsRefused) {
  init_images("parley_unit_tests");
  std::string bomb = jpeg_claiming(16, 16, 16000, 16000, true);
  ASSERT_LT(bomb.size(), 2000u);
  auto made = make_avatar(bomb);
  EXPECT_FALSE(made.webp.has_value());
  EXPECT_EQ(made.refusal, Avatar::Refusal::kTooLarge);
  auto huge = make_avatar(jpeg_claiming(16, 16, 65500, 65500, false));
  EXPECT_EQ(huge.refusal, Avatar::Refusal::kTooLarge);
}

// Within the pixel limits, decoding still stops at the time budget.
TEST(Avatar, DecodingStopsAtTheTimeBudget) {
  init_images("parley_unit_tests");
  std::string png = make_test_png(3000, 3000);
  auto made = make_avatar(png, 256, std::chrono::milliseconds(0));
  EXPECT_FALSE(made.webp.has_value());
  EXPECT_EQ(made.refusal, Avatar::Refusal::kTooSlow);
  EXPECT_TRUE(make_avatar(png, 256).webp.has_value()) << "the same image within the budget";
}

TEST_F(StorageTest, AnImageOverTheTimeBudgetIsKeptAsAFile) {
  std::string png = make_test_png(3000, 3000);
  put("u3", png);
  storage.set_image_budget(std::chrono::milliseconds(0));
  Hasher h;
  h.update(png.data(), png.size());
  auto sha = h.hex();
  auto p = storage.finish("u3", sha, "");
  EXPECT_EQ(p.kind, "file");
  EXPECT_FALSE(p.thumb);
  EXPECT_FALSE(p.preview);
  EXPECT_FALSE(std::filesystem::exists(storage.blob_path(sha, Variant::kPreview)));
  EXPECT_TRUE(std::filesystem::exists(storage.blob_path(sha)));
}

}  // namespace
}  // namespace parley::media
