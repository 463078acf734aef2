// Pixel comparison of two captures of one page at one width (pure): which pixels changed beyond
// anti-aliasing, their share of the page, a difference image, and whether a capture is blank.
#pragma once

#include <cstdint>

#include <tma/visual/png.hpp>

namespace tma::visual {

struct DiffOptions {
  /// A pixel is the same when no channel differs by more than this (of 255): font smoothing and
  /// image rescaling move a few levels without anything changing for a reader.
  int channel_tolerance = 24;
  /// Anti-aliasing: a differing pixel still counts as the same when its colour is found within the
  /// 3x3 neighbourhood of the same place in the other image, both ways (an edge moved by one pixel).
  bool ignore_antialiasing = true;
};

struct DiffResult {
  int width = 0;                   ///< compared area: the wider and the taller of the two
  int height = 0;
  std::uint64_t compared_pixels = 0;
  std::uint64_t changed_pixels = 0; ///< including the area only one of the two images covers
  double changed_share = 0;         ///< changed / compared, 0..1
  Image difference;                 ///< the after image dimmed, changed pixels in strong red
};

/// Compare `before` and `after`. Images of different sizes are compared over the larger one: what
/// only one of them covers (a page that grew or shrank) counts as changed.
DiffResult diff_images(const Image& before, const Image& after, const DiffOptions& options = {});

/// The share (0..1) of the pixels of `image` in its most common colour (colours within 16 levels per
/// channel count as one).
double dominant_colour_share(const Image& image);

/// A blank page: at least 99.5 % of it in one colour (a white page with a few pixels of a logo or a
/// cursor is still blank); an empty image is blank too.
bool is_blank(const Image& image);

} // namespace tma::visual
