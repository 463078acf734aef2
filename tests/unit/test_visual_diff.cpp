// Pixel comparison on synthetic images: tolerance, anti-aliasing, taller pages, the difference image
// and blank pages.
#include <catch2/catch.hpp>

#include <tma/visual/diff.hpp>

using namespace tma;

namespace {

void fill(visual::Image& image, int x0, int y0, int x1, int y1, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      auto at = (static_cast<std::size_t>(y) * static_cast<std::size_t>(image.width) + static_cast<std::size_t>(x)) * 3;
      image.rgb[at] = r;
      image.rgb[at + 1] = g;
      image.rgb[at + 2] = b;
    }
  }
}

} // namespace

TEST_CASE("visual diff of identical images is zero", "[visual]") {
  auto a = visual::solid_image(40, 30, 255, 255, 255);
  fill(a, 5, 5, 20, 10, 0, 0, 0);
  auto result = visual::diff_images(a, a);
  CHECK(result.changed_pixels == 0);
  CHECK(result.changed_share == 0.0);
  CHECK(result.compared_pixels == 1200);
}

TEST_CASE("visual diff ignores a few levels of colour", "[visual]") {
  auto a = visual::solid_image(10, 10, 100, 100, 100);
  auto b = visual::solid_image(10, 10, 110, 90, 120);
  CHECK(visual::diff_images(a, b).changed_pixels == 0);
  auto c = visual::solid_image(10, 10, 160, 100, 100);
  CHECK(visual::diff_images(a, c).changed_pixels == 100);
}

TEST_CASE("visual diff ignores an edge moved by one pixel", "[visual]") {
  auto before = visual::solid_image(40, 40, 255, 255, 255);
  auto after = before;
  fill(before, 10, 10, 30, 30, 0, 0, 0);
  fill(after, 11, 10, 31, 30, 0, 0, 0); // the box one pixel to the right
  auto result = visual::diff_images(before, after);
  CHECK(result.changed_pixels == 0);
  visual::DiffOptions strict;
  strict.ignore_antialiasing = false;
  CHECK(visual::diff_images(before, after, strict).changed_pixels == 40);
  // Moved by five pixels it is a change: the columns uncovered and newly covered.
  auto moved = visual::solid_image(40, 40, 255, 255, 255);
  fill(moved, 15, 10, 35, 30, 0, 0, 0);
  CHECK(visual::diff_images(before, moved).changed_pixels > 100);
}

TEST_CASE("visual diff counts the part only the taller page has", "[visual]") {
  auto before = visual::solid_image(10, 10, 255, 255, 255);
  auto after = visual::solid_image(10, 30, 255, 255, 255);
  auto result = visual::diff_images(before, after);
  CHECK(result.height == 30);
  CHECK(result.compared_pixels == 300);
  CHECK(result.changed_pixels == 200);
  CHECK(result.changed_share == Approx(2.0 / 3.0));
}

TEST_CASE("visual diff image shows changes in red over the faded after image", "[visual]") {
  auto before = visual::solid_image(10, 10, 0, 0, 0);
  auto after = before;
  fill(after, 0, 0, 5, 10, 255, 255, 255);
  auto result = visual::diff_images(before, after);
  CHECK(result.changed_share == Approx(0.5));
  const auto& d = result.difference;
  REQUIRE(d.width == 10);
  CHECK(d.rgb[0] == 255);
  CHECK(d.rgb[1] == 0);
  CHECK(d.rgb[2] == 0);
  auto last = (9 * 10 + 9) * 3;
  CHECK(d.rgb[last] == 170); // black faded: 255 - 255 / 3
}

TEST_CASE("visual blank page is nearly one colour", "[visual]") {
  auto white = visual::solid_image(100, 100, 255, 255, 255);
  CHECK(visual::is_blank(white));
  fill(white, 0, 0, 3, 10, 0, 0, 0); // 30 pixels of 10000: still blank
  CHECK(visual::is_blank(white));
  fill(white, 0, 0, 100, 5, 20, 40, 200); // a header band: not blank
  CHECK_FALSE(visual::is_blank(white));
  CHECK(visual::is_blank(visual::Image{}));
}
