#include <tma/contract/entry.hpp>

#include <array>

namespace tma::contract {
namespace {

constexpr std::array<std::pair<Category, std::string_view>, 7> k_categories{{
    {Category::update, "update"},
    {Category::security, "security"},
    {Category::bugfix, "bugfix"},
    {Category::performance, "performance"},
    {Category::support, "support"},
    {Category::backup, "backup"},
    {Category::feature, "feature"},
}};

} // namespace

std::string_view to_string(Category category) {
  for (const auto& [value, name] : k_categories) {
    if (value == category) return name;
  }
  return "support";
}

std::optional<Category> parse_category(std::string_view text) {
  for (const auto& [value, name] : k_categories) {
    if (name == text) return value;
  }
  return std::nullopt;
}

const std::vector<std::string>& category_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& entry : k_categories) out.emplace_back(entry.second);
    return out;
  }();
  return names;
}

} // namespace tma::contract
