#include <tma/inventory/interpolate.hpp>

#include <cctype>

#include <fmt/format.h>

namespace tma::inventory {
namespace {

bool valid_variable_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

} // namespace

tl::expected<Interpolated, std::string> interpolate(std::string_view text, const EnvLookup& env) {
  Interpolated out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out.value += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out.value += text[i++];
      continue;
    }
    auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return tl::unexpected(fmt::format("unterminated '${{' at offset {} (write '$${{' for a literal '${{')", i));
    }
    auto inner = text.substr(i + 2, close - i - 2);
    std::string_view name = inner;
    std::optional<std::string_view> fallback;
    if (auto sep = inner.find(":-"); sep != std::string_view::npos) {
      name = inner.substr(0, sep);
      fallback = inner.substr(sep + 2);
    }
    if (!valid_variable_name(name)) {
      return tl::unexpected(fmt::format("invalid variable name '{}' in '${{{}}}'", name, inner));
    }
    auto value = env(std::string(name));
    if (value && !value->empty()) {
      out.value += *value;
      out.expansions.push_back(*value);
    } else if (fallback) {
      out.value += *fallback;
    } else if (value) {
      // Set but empty: allowed, nothing to hide.
    } else {
      return tl::unexpected(fmt::format("environment variable '{}' is not set (use '${{{}:-default}}' for a default)",
                                        name, name));
    }
    i = close + 1;
  }
  return out;
}

} // namespace tma::inventory
