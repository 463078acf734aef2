#include <tma/visual/diff.hpp>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace tma::visual {
namespace {

struct Pixel {
  std::uint8_t r = 0, g = 0, b = 0;
};

Pixel pixel_at(const Image& image, int x, int y) {
  auto at = (static_cast<std::size_t>(y) * static_cast<std::size_t>(image.width) + static_cast<std::size_t>(x)) * 3;
  return {image.rgb[at], image.rgb[at + 1], image.rgb[at + 2]};
}

bool covers(const Image& image, int x, int y) { return x < image.width && y < image.height; }

bool close(Pixel a, Pixel b, int tolerance) {
  return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance;
}

// Whether `colour` appears within one pixel of (x, y) in `image`.
bool found_near(const Image& image, int x, int y, Pixel colour, int tolerance) {
  for (int dy = -1; dy <= 1; ++dy) {
    for (int dx = -1; dx <= 1; ++dx) {
      int nx = x + dx, ny = y + dy;
      if (nx < 0 || ny < 0 || !covers(image, nx, ny)) continue;
      if (close(pixel_at(image, nx, ny), colour, tolerance)) return true;
    }
  }
  return false;
}

// The after image faded towards white so that the red of the changes stands out; grey where the after
// image has no pixel.
void paint(Image& out, int x, int y, bool changed, const Image& after) {
  auto at = (static_cast<std::size_t>(y) * static_cast<std::size_t>(out.width) + static_cast<std::size_t>(x)) * 3;
  if (changed) {
    out.rgb[at] = 255;
    out.rgb[at + 1] = 0;
    out.rgb[at + 2] = 0;
    return;
  }
  if (!covers(after, x, y)) {
    out.rgb[at] = out.rgb[at + 1] = out.rgb[at + 2] = 200;
    return;
  }
  Pixel p = pixel_at(after, x, y);
  out.rgb[at] = static_cast<std::uint8_t>(255 - (255 - p.r) / 3);
  out.rgb[at + 1] = static_cast<std::uint8_t>(255 - (255 - p.g) / 3);
  out.rgb[at + 2] = static_cast<std::uint8_t>(255 - (255 - p.b) / 3);
}

} // namespace

DiffResult diff_images(const Image& before, const Image& after, const DiffOptions& options) {
  DiffResult result;
  result.width = std::max(before.width, after.width);
  result.height = std::max(before.height, after.height);
  result.compared_pixels = static_cast<std::uint64_t>(result.width) * static_cast<std::uint64_t>(result.height);
  result.difference.width = result.width;
  result.difference.height = result.height;
  result.difference.rgb.assign(result.compared_pixels * 3, 0);
  for (int y = 0; y < result.height; ++y) {
    for (int x = 0; x < result.width; ++x) {
      bool changed = false;
      if (!covers(before, x, y) || !covers(after, x, y)) {
        changed = true;
      } else {
        Pixel a = pixel_at(before, x, y);
        Pixel b = pixel_at(after, x, y);
        if (!close(a, b, options.channel_tolerance)) {
          changed = !(options.ignore_antialiasing && found_near(after, x, y, a, options.channel_tolerance) &&
                      found_near(before, x, y, b, options.channel_tolerance));
        }
      }
      if (changed) ++result.changed_pixels;
      paint(result.difference, x, y, changed, after);
    }
  }
  result.changed_share = result.compared_pixels == 0 ? 0.0
                                                     : static_cast<double>(result.changed_pixels) /
                                                           static_cast<double>(result.compared_pixels);
  return result;
}

double dominant_colour_share(const Image& image) {
  std::uint64_t total = static_cast<std::uint64_t>(std::max(image.width, 0)) * static_cast<std::uint64_t>(std::max(image.height, 0));
  if (total == 0 || image.rgb.size() < total * 3) return 1.0;
  // 16 levels per channel: 4,096 bins.
  std::vector<std::uint64_t> bins(4096, 0);
  for (std::size_t i = 0; i + 2 < total * 3; i += 3) {
    ++bins[(static_cast<std::size_t>(image.rgb[i] >> 4) << 8) | (static_cast<std::size_t>(image.rgb[i + 1] >> 4) << 4) |
           static_cast<std::size_t>(image.rgb[i + 2] >> 4)];
  }
  return static_cast<double>(*std::max_element(bins.begin(), bins.end())) / static_cast<double>(total);
}

bool is_blank(const Image& image) { return dominant_colour_share(image) >= 0.995; }

} // namespace tma::visual
