#include <tma/cms/names.hpp>

#include <algorithm>

namespace tma::cms {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

// Groups of lowercase letters and digits, joined by one separator from `separators` (or `--` when
// `double_dash`), neither first nor last.
bool is_separated_words(std::string_view text, bool double_dash) {
  if (text.empty() || !is_lower_alnum(text.front()) || !is_lower_alnum(text.back())) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (is_lower_alnum(c)) continue;
    if (c != '_' && c != '.' && c != '-') return false;
    if (double_dash && c == '-' && text[i + 1] == '-') ++i; // `--` counts as one separator
    if (!is_lower_alnum(text[i + 1])) return false;
  }
  return true;
}

} // namespace

bool is_wordpress_slug(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  std::size_t start = 0;
  while (true) {
    auto slash = name.find('/', start);
    auto part = name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || !(is_alnum(part[0]) || part[0] == '_')) return false;
    bool ok = std::all_of(part.begin(), part.end(), [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
    if (!ok) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool is_composer_package(std::string_view name) {
  auto slash = name.find('/');
  if (slash == std::string_view::npos || name.find('/', slash + 1) != std::string_view::npos) return false;
  return is_separated_words(name.substr(0, slash), false) && is_separated_words(name.substr(slash + 1), true);
}

bool is_version_text(std::string_view version) {
  if (version.empty() || version.size() > 100 || !is_alnum(version[0])) return false;
  auto space = version.find(' ');
  auto main = version.substr(0, space);
  bool ok = std::all_of(main.begin(), main.end(), [](char c) {
    return is_alnum(c) || std::string_view(".+_~/-").find(c) != std::string_view::npos;
  });
  if (!ok) return false;
  if (space == std::string_view::npos) return true;
  auto hash = version.substr(space + 1);
  return hash.size() >= 7 && hash.size() <= 40 &&
         std::all_of(hash.begin(), hash.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<std::string> refusal_reason(const Component& component) {
  switch (component.kind) {
  case ComponentKind::core:
  case ComponentKind::platform:
  case ComponentKind::domain: break; // named by tma itself
  case ComponentKind::plugin:
  case ComponentKind::theme:
    if (!is_wordpress_slug(component.name)) return "the name reported by the server is not a WordPress slug";
    break;
  case ComponentKind::package:
    if (!is_composer_package(component.name)) return "the name reported by the server is not a composer package name";
    break;
  }
  if (!component.installed.empty() && !is_version_text(component.installed)) {
    return "the installed version reported by the server is not a version";
  }
  if (!component.latest.empty() && !is_version_text(component.latest)) {
    return "the latest version reported by the server is not a version";
  }
  return std::nullopt;
}

void refuse_unexpected_names(std::vector<Component>& components) {
  for (auto& c : components) {
    auto reason = refusal_reason(c);
    if (!reason) continue;
    c.refused = true;
    c.update = UpdateState::unavailable;
    c.note = "refused: " + *reason + "; not updated";
  }
}

} // namespace tma::cms
