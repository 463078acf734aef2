#include <tma/visual/png.hpp>

#include <cstring>

#include <fmt/format.h>
#include <png.h>

namespace tma::visual {
namespace {

// png_image owns libpng's state between begin and finish; png_image_free releases it (and is a no-op
// once freed), so every return path frees it.
class PngImage {
public:
  PngImage() {
    std::memset(&m_image, 0, sizeof m_image);
    m_image.version = PNG_IMAGE_VERSION;
  }
  ~PngImage() { png_image_free(&m_image); }
  PngImage(const PngImage&) = delete;
  PngImage& operator=(const PngImage&) = delete;
  png_image* get() { return &m_image; }
  std::string message() const { return m_image.message[0] ? std::string(m_image.message) : "unknown libpng error"; }

private:
  png_image m_image;
};

bool size_fits(std::uint64_t width, std::uint64_t height) {
  return width >= 1 && height >= 1 && width <= static_cast<std::uint64_t>(k_max_png_side) &&
         height <= static_cast<std::uint64_t>(k_max_png_side) && width * height <= k_max_png_pixels;
}

} // namespace

core::Result<Image> decode_png(std::string_view bytes) {
  PngImage png;
  if (!png_image_begin_read_from_memory(png.get(), bytes.data(), bytes.size())) {
    return core::fail(core::ErrorKind::io, "not a readable PNG: " + png.message());
  }
  const auto width = png.get()->width;
  const auto height = png.get()->height;
  if (!size_fits(width, height)) {
    return core::fail(core::ErrorKind::io, fmt::format("PNG of {}x{} pixels is larger than tma reads ({} per side, {} pixels)",
                                                       width, height, k_max_png_side, k_max_png_pixels));
  }
  png.get()->format = PNG_FORMAT_RGB;
  Image image;
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);
  image.rgb.resize(PNG_IMAGE_SIZE(*png.get()));
  // Transparent pixels are composited over white, the browser's default page background.
  png_color white{255, 255, 255};
  if (!png_image_finish_read(png.get(), &white, image.rgb.data(), 0, nullptr)) {
    return core::fail(core::ErrorKind::io, "not a readable PNG: " + png.message());
  }
  return image;
}

core::Result<std::string> encode_png(const Image& image) {
  if (!size_fits(static_cast<std::uint64_t>(std::max(image.width, 0)), static_cast<std::uint64_t>(std::max(image.height, 0))) ||
      image.rgb.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3) {
    return core::fail(core::ErrorKind::internal,
                      fmt::format("cannot encode an image of {}x{} with {} bytes", image.width, image.height, image.rgb.size()));
  }
  PngImage png;
  png.get()->width = static_cast<png_uint_32>(image.width);
  png.get()->height = static_cast<png_uint_32>(image.height);
  png.get()->format = PNG_FORMAT_RGB;
  // First call with no buffer: libpng computes the size needed.
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(png.get(), nullptr, &size, 0, image.rgb.data(), 0, nullptr)) {
    return core::fail(core::ErrorKind::internal, "PNG encoding failed: " + png.message());
  }
  std::string bytes(size, '\0');
  if (!png_image_write_to_memory(png.get(), bytes.data(), &size, 0, image.rgb.data(), 0, nullptr)) {
    return core::fail(core::ErrorKind::internal, "PNG encoding failed: " + png.message());
  }
  bytes.resize(size);
  return bytes;
}

Image solid_image(int width, int height, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  Image image;
  image.width = width;
  image.height = height;
  image.rgb.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
  for (std::size_t i = 0; i + 2 < image.rgb.size(); i += 3) {
    image.rgb[i] = r;
    image.rgb[i + 1] = g;
    image.rgb[i + 2] = b;
  }
  return image;
}

} // namespace tma::visual
