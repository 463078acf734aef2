// The text a page shows (pure): its blocks, what was added and removed between two captures, whether
// the main content is gone, and the verdict of a comparison.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tma::visual {

/// The non-empty lines of `visible_text`, trimmed, in page order: a heading, a paragraph, a menu item.
std::vector<std::string> text_blocks(std::string_view visible_text);

struct TextChange {
  std::vector<std::string> added;   ///< blocks of after not in before (as many times as they are more)
  std::vector<std::string> removed; ///< blocks of before not in after
};

/// The multiset difference of the blocks: moving a block is no change, duplicating one is.
TextChange text_change(std::string_view before_visible, std::string_view after_visible);

/// The main content needs this many words before its loss can be judged (a home page made of images
/// has no main text to lose).
inline constexpr std::size_t k_main_words_min = 20;
/// The main content is gone when at least this share of its words is no longer shown anywhere.
inline constexpr double k_main_words_lost = 0.5;

/// Whether the page lost its main content: `before_main` (the main element's shown text) had at least
/// k_main_words_min words, and at least k_main_words_lost of them (counted with repetition, case-folded)
/// are not in `after_visible`, the whole page's shown text after. Content hidden by CSS is not shown,
/// so it is gone even though every word is still in the HTML.
bool main_content_gone(std::string_view before_main, std::string_view after_visible);

enum class Verdict { same, changed, broken };
std::string_view to_string(Verdict verdict);

struct Thresholds {
  double changed = 0.01; ///< share of the page's pixels (0..1)
  double broken = 0.15;
};

/// The facts a verdict is made of.
struct Evidence {
  double changed_share = 0;
  bool blank_before = false;
  bool blank_after = false;
  bool main_gone = false;
  std::size_t text_added = 0;
  std::size_t text_removed = 0;
};

struct Judgement {
  Verdict verdict = Verdict::same;
  std::vector<std::string> reasons; ///< why, for the report: "blank page", "main content gone", ...
};

/// broken: the page became blank, its main content is gone, or changed_share >= broken;
/// changed: changed_share >= changed, or text blocks added or removed; same otherwise.
Judgement judge(const Evidence& evidence, const Thresholds& thresholds);

} // namespace tma::visual
