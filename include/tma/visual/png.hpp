// PNG bytes to and from an 8-bit RGB image, through libpng 1.6's simplified API (png_image): no
// setjmp/longjmp, which would jump over C++ destructors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tma/core/error.hpp>

namespace tma::visual {

/// Rows top to bottom, 3 bytes (R, G, B) per pixel, no padding.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
};

/// The largest image tma reads or writes: a full-page capture is clipped at 16,384 pixels high by the
/// browser; beyond these a PNG is refused before any pixel buffer is allocated.
inline constexpr int k_max_png_side = 32768;
inline constexpr std::uint64_t k_max_png_pixels = 64ull * 1024 * 1024;

/// Any PNG (grey, palette, RGBA, 16-bit) as 8-bit RGB; alpha is composited over white, as a page's
/// transparent background is shown. Errors: kind io, with libpng's message.
core::Result<Image> decode_png(std::string_view bytes);

/// `image` as PNG bytes (8-bit RGB). Errors when its buffer does not match its size.
core::Result<std::string> encode_png(const Image& image);

/// A `width` x `height` image filled with one colour.
Image solid_image(int width, int height, std::uint8_t r, std::uint8_t g, std::uint8_t b);

} // namespace tma::visual
