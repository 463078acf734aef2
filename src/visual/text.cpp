#include <tma/visual/text.hpp>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include <tma/core/text.hpp>

namespace tma::visual {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Words as runs of non-space bytes, ASCII case-folded; punctuation stays attached, which is what
// a reader sees too.
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.push_back(core::lower_ascii(text.substr(start, i - start)));
  }
  return out;
}

std::map<std::string, std::size_t> counts(const std::vector<std::string>& items) {
  std::map<std::string, std::size_t> out;
  for (const auto& item : items) ++out[item];
  return out;
}

// Items of `from` beyond their count in `other`, in the order of `from`.
std::vector<std::string> beyond(const std::vector<std::string>& from, std::map<std::string, std::size_t> other) {
  std::vector<std::string> out;
  for (const auto& item : from) {
    auto it = other.find(item);
    if (it != other.end() && it->second > 0) {
      --it->second;
    } else {
      out.push_back(item);
    }
  }
  return out;
}

} // namespace

std::vector<std::string> text_blocks(std::string_view visible_text) {
  std::vector<std::string> blocks;
  std::size_t start = 0;
  while (start <= visible_text.size()) {
    auto end = visible_text.find('\n', start);
    if (end == std::string_view::npos) end = visible_text.size();
    auto line = core::trim(visible_text.substr(start, end - start));
    if (!line.empty()) blocks.emplace_back(line);
    start = end + 1;
  }
  return blocks;
}

TextChange text_change(std::string_view before_visible, std::string_view after_visible) {
  auto before = text_blocks(before_visible);
  auto after = text_blocks(after_visible);
  return {beyond(after, counts(before)), beyond(before, counts(after))};
}

bool main_content_gone(std::string_view before_main, std::string_view after_visible) {
  auto main_words = words(before_main);
  if (main_words.size() < k_main_words_min) return false;
  auto lost = beyond(main_words, counts(words(after_visible)));
  return static_cast<double>(lost.size()) >= k_main_words_lost * static_cast<double>(main_words.size());
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
  case Verdict::same: return "same";
  case Verdict::changed: return "changed";
  case Verdict::broken: return "broken";
  }
  return "same";
}

Judgement judge(const Evidence& evidence, const Thresholds& thresholds) {
  Judgement j;
  if (evidence.blank_after && !evidence.blank_before) j.reasons.push_back("blank page");
  if (evidence.main_gone) j.reasons.push_back("main content gone");
  if (evidence.changed_share >= thresholds.broken) {
    j.reasons.push_back(fmt::format("{:.1f} % of the page changed", evidence.changed_share * 100));
  }
  if (!j.reasons.empty()) {
    j.verdict = Verdict::broken;
    return j;
  }
  if (evidence.changed_share >= thresholds.changed) {
    j.reasons.push_back(fmt::format("{:.1f} % of the page changed", evidence.changed_share * 100));
  }
  if (evidence.text_added > 0 || evidence.text_removed > 0) {
    j.reasons.push_back(fmt::format("text: {} block(s) added, {} removed", evidence.text_added, evidence.text_removed));
  }
  j.verdict = j.reasons.empty() ? Verdict::same : Verdict::changed;
  return j;
}

} // namespace tma::visual
