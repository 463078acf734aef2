#include "inventory/shapes.hpp"

#include <algorithm>

namespace tma::inventory::detail {
namespace {

bool is_alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool in(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

template <typename Pred> bool all_of(std::string_view text, Pred pred) {
  return std::all_of(text.begin(), text.end(), pred);
}

bool is_name_tail(std::string_view text) {
  return all_of(text, [](char c) { return is_alnum(c) || in(c, "._-"); });
}

} // namespace

bool is_name(std::string_view text) { return !text.empty() && is_alnum(text[0]) && is_name_tail(text.substr(1)); }

bool is_user_name(std::string_view text) {
  return !text.empty() && (is_alnum(text[0]) || text[0] == '_') && is_name_tail(text.substr(1));
}

bool is_database_name(std::string_view text) {
  auto allowed = [](char c) { return is_alnum(c) || c == '_' || c == '$' || c == '-'; };
  return !text.empty() && text.size() <= 64 && text.front() != '-' && all_of(text, allowed);
}

bool is_host(std::string_view text) {
  if (text.empty()) return false;
  if (text.front() == '[') {
    return text.size() > 2 && text.back() == ']' &&
           all_of(text.substr(1, text.size() - 2), [](char c) { return is_hex(c) || c == ':' || c == '.'; });
  }
  if (is_alnum(text[0]) || text[0] == '_') {
    if (is_name_tail(text.substr(1))) return true;
  }
  // A bare IPv6 address (`::1`, `fe80::1`, `::ffff:10.0.0.1`): hex digits and colons, a colon
  // somewhere after the first character, dots only after it.
  auto dot = text.find('.');
  auto head = text.substr(0, dot);
  auto colon = head.find(':', 1);
  if (colon == std::string_view::npos) return false;
  return all_of(head, [](char c) { return is_hex(c) || c == ':'; }) &&
         all_of(text.substr(head.size()), [](char c) { return is_hex(c) || c == ':' || c == '.'; });
}

std::optional<int> parse_int(std::string_view text) {
  bool negative = !text.empty() && text[0] == '-';
  auto digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits.size() > 9 || !all_of(digits, is_digit)) return std::nullopt;
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return negative ? -value : value;
}

std::optional<int> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || !all_of(text, is_digit)) return std::nullopt;
  auto value = parse_int(text);
  if (!value || *value < 1 || *value > 65535) return std::nullopt;
  return value;
}

std::optional<double> parse_plain_decimal(std::string_view text, std::size_t max_length) {
  if (text.empty() || text.size() > max_length) return std::nullopt;
  double value = 0, scale = 1;
  bool digits = false, point = false;
  for (char c : text) {
    if (is_digit(c)) {
      digits = true;
      if (point) {
        scale /= 10;
        value += (c - '0') * scale;
      } else {
        value = value * 10 + (c - '0');
      }
    } else if (c == '.' && !point) {
      point = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  return value;
}

bool is_email(std::string_view text) {
  auto at = text.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == text.size()) return false;
  if (text.find('@', at + 1) != std::string_view::npos) return false;
  return all_of(text, [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7F && !in(c, "<>,;");
  });
}

bool is_zone_name(std::string_view text) {
  auto zone_char = [](char c) { return is_alnum(c) || in(c, "_+-"); };
  if (text.empty() || !((text[0] >= 'A' && text[0] <= 'Z') || (text[0] >= 'a' && text[0] <= 'z'))) return false;
  std::size_t start = 0;
  while (true) {
    auto slash = text.find('/', start);
    auto part = text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || !all_of(part, zone_char)) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

std::optional<int> parse_clock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':' || !is_digit(text[0]) || !is_digit(text[1]) || !is_digit(text[3]) ||
      !is_digit(text[4])) {
    return std::nullopt;
  }
  int hours = (text[0] - '0') * 10 + (text[1] - '0');
  int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

bool is_plain_path(std::string_view text) {
  if (text.empty() || text[0] == '-') return false;
  return all_of(text, [](char c) { return is_alnum(c) || in(c, "/._~+@,:=-") || static_cast<unsigned char>(c) >= 0x80; });
}

bool is_ref_name(std::string_view text) {
  if (text.rfind("refs/", 0) != 0 || text.size() == 5) return false;
  if (text.find("..") != std::string_view::npos || text.find("//") != std::string_view::npos ||
      text.find("@{") != std::string_view::npos || text.back() == '/' || text.back() == '.') {
    return false;
  }
  bool bad_char = std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F || in(c, "~^:?*[\\");
  });
  if (bad_char) return false;
  for (std::size_t start = 0; start < text.size();) {
    auto slash = text.find('/', start);
    auto part = text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part[0] == '.') return false;
    if (part.size() >= 5 && part.substr(part.size() - 5) == ".lock") return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

bool is_http_url(std::string_view text) {
  std::size_t scheme = text.rfind("https://", 0) == 0 ? 8 : text.rfind("http://", 0) == 0 ? 7 : 0;
  // A host is required: `https://` and `https:///path` are not URLs tma can reach.
  if (scheme == 0 || text.size() == scheme || text[scheme] == '/') return false;
  return all_of(text, [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7F;
  });
}

} // namespace tma::inventory::detail
