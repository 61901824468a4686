// Internal to media/: metadata taken out of image files without decoding them, for images served
// as uploaded (animated ones, and those too large to decode). Each returns the cleaned bytes, or
// nullopt when the data is not well-formed (the caller then treats it as a plain file).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::media {

// Drops APP1 (EXIF, XMP), APP3-APP13, APP15 and comments; keeps JFIF, ICC (APP2), Adobe (APP14)
// and the EXIF orientation, written back as a minimal EXIF block of that one tag.
std::optional<std::string> strip_jpeg(std::string_view in);
// Drops comments, plain-text and application extensions (but the looping one).
std::optional<std::string> strip_gif(std::string_view in);
// Keeps only the chunks that draw pixels (and colour information); `orientation` tells whether an
// eXIf chunk was there (its orientation is then lost: the caller decodes such a PNG instead).
std::optional<std::string> strip_png(std::string_view in, bool* had_exif = nullptr);

}  // namespace parley::media
