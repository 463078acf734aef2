// PNG reading and writing through libpng's simplified API: round trip, other colour types converted
// to RGB, corrupt and oversized input refused with a clear error.
#include <catch2/catch.hpp>

#include <cstring>

#include <png.h>
#include <zlib.h>

#include <tma/visual/png.hpp>

using namespace tma;

namespace {

// A PNG in `format` written by libpng itself (the test's own encoder of the inputs tma must read).
std::string write_png(int width, int height, png_uint_32 format, const std::vector<std::uint8_t>& pixels,
                      const std::vector<std::uint8_t>& colormap = {}) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = format;
  image.colormap_entries = static_cast<png_uint_32>(colormap.size() / 3);
  png_alloc_size_t size = 0;
  REQUIRE(png_image_write_to_memory(&image, nullptr, &size, 0, pixels.data(), 0, colormap.empty() ? nullptr : colormap.data()));
  std::string bytes(size, '\0');
  REQUIRE(png_image_write_to_memory(&image, bytes.data(), &size, 0, pixels.data(), 0, colormap.empty() ? nullptr : colormap.data()));
  bytes.resize(size);
  png_image_free(&image);
  return bytes;
}

} // namespace

TEST_CASE("visual png round trip keeps every pixel", "[visual]") {
  visual::Image image = visual::solid_image(7, 5, 10, 20, 30);
  image.rgb[3 * (2 * 7 + 3)] = 250; // one red-ish pixel at (3, 2)
  auto bytes = visual::encode_png(image);
  REQUIRE(bytes);
  REQUIRE(bytes->substr(1, 3) == "PNG");
  auto back = visual::decode_png(*bytes);
  REQUIRE(back);
  CHECK(back->width == 7);
  CHECK(back->height == 5);
  CHECK(back->rgb == image.rgb);
}

TEST_CASE("visual png reads RGBA over white", "[visual]") {
  // Two pixels: opaque blue, fully transparent black.
  auto bytes = write_png(2, 1, PNG_FORMAT_RGBA, {0, 0, 255, 255, 0, 0, 0, 0});
  auto image = visual::decode_png(bytes);
  REQUIRE(image);
  CHECK(image->rgb == std::vector<std::uint8_t>{0, 0, 255, 255, 255, 255});
}

TEST_CASE("visual png reads grey and palette images as RGB", "[visual]") {
  auto grey = visual::decode_png(write_png(2, 1, PNG_FORMAT_GRAY, {0, 200}));
  REQUIRE(grey);
  CHECK(grey->rgb == std::vector<std::uint8_t>{0, 0, 0, 200, 200, 200});
  auto palette = visual::decode_png(write_png(3, 1, PNG_FORMAT_RGB_COLORMAP, {1, 0, 1}, {255, 0, 0, 0, 128, 0}));
  REQUIRE(palette);
  CHECK(palette->rgb == std::vector<std::uint8_t>{0, 128, 0, 255, 0, 0, 0, 128, 0});
}

TEST_CASE("visual png refuses corrupt bytes with a clear error", "[visual]") {
  auto none = visual::decode_png("not a png at all");
  REQUIRE_FALSE(none);
  CHECK(none.error().message.find("not a readable PNG") != std::string::npos);
  auto good = visual::encode_png(visual::solid_image(16, 16, 1, 2, 3));
  REQUIRE(good);
  auto cut = visual::decode_png(std::string_view(*good).substr(0, good->size() / 2));
  REQUIRE_FALSE(cut);
  CHECK(cut.error().message.find("not a readable PNG") != std::string::npos);
}

TEST_CASE("visual png refuses absurd sizes before decoding", "[visual]") {
  // A valid header declaring 100000 x 100000 pixels (too big) with one tiny row of data.
  visual::Image wide = visual::solid_image(1, 1, 0, 0, 0);
  auto bytes = visual::encode_png(wide);
  REQUIRE(bytes);
  // Patch the IHDR width and height (bytes 16..23) and its CRC (bytes 29..32) with the right CRC.
  std::string patched = *bytes;
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    patched[at] = static_cast<char>(v >> 24);
    patched[at + 1] = static_cast<char>(v >> 16);
    patched[at + 2] = static_cast<char>(v >> 8);
    patched[at + 3] = static_cast<char>(v);
  };
  put32(16, 100000);
  put32(20, 100000);
  auto crc = png_uint_32(crc32(0, reinterpret_cast<const Bytef*>(patched.data() + 12), 17));
  put32(29, crc);
  auto image = visual::decode_png(patched);
  REQUIRE_FALSE(image);
  CHECK(image.error().message.find("larger than tma reads") != std::string::npos);
  CHECK_FALSE(visual::encode_png(visual::Image{2, 2, {}}));
}
