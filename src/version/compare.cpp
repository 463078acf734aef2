#include <tma/version/version.hpp>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace tma::version {
namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_nondigit(char c) { return !is_digit(c) && c != '.'; }
bool is_special(char c) { return c == '-' || c == '_' || c == '+'; }

// A port of php_canonicalize_version() (ext/standard/versioning.c), kept close to the C so that
// the quirks (first character copied as is, `lp` being the previous *input* character) survive.
std::string canonicalize(std::string_view version) {
  std::string out;
  if (version.empty()) {
    return out;
  }
  char lp = version[0];
  out.push_back(lp);
  for (std::size_t i = 1; i < version.size(); ++i) {
    char c = version[i];
    if (is_special(c)) {
      if (out.back() != '.') {
        out.push_back('.');
      }
    } else if ((is_nondigit(lp) && is_digit(c)) || (is_digit(lp) && is_nondigit(c))) {
      if (out.back() != '.') {
        out.push_back('.');
      }
      out.push_back(c);
    } else if (!is_alnum(c)) {
      if (out.back() != '.') {
        out.push_back('.');
      }
    } else {
      out.push_back(c);
    }
    lp = c;
  }
  return out;
}

int special_form_order(const char* form) {
  struct Form {
    const char* name;
    int order;
  };
  static const Form k_forms[] = {{"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2},
                                 {"RC", 3},  {"rc", 3},    {"#", 4}, {"pl", 5},   {"p", 5}};
  for (const auto& f : k_forms) {
    if (std::strncmp(form, f.name, std::strlen(f.name)) == 0) {
      return f.order;
    }
  }
  return -6;
}

int sign(long long v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

int compare_special(const char* a, const char* b) { return sign(special_form_order(a) - special_form_order(b)); }

// php_version_compare() on NUL-terminated buffers; the buffers are modified (parts split in place).
int php_compare_c(const char* orig1, const char* orig2) {
  if (!*orig1 || !*orig2) {
    if (!*orig1 && !*orig2) {
      return 0;
    }
    return *orig1 ? 1 : -1;
  }
  std::string v1 = orig1[0] == '#' ? std::string(orig1) : canonicalize(orig1);
  std::string v2 = orig2[0] == '#' ? std::string(orig2) : canonicalize(orig2);
  char* p1 = v1.data();
  char* p2 = v2.data();
  char* n1 = p1;
  char* n2 = p2;
  int compare = 0;
  while (*p1 && *p2 && n1 && n2) {
    n1 = std::strchr(p1, '.');
    if (n1) {
      *n1 = '\0';
    }
    n2 = std::strchr(p2, '.');
    if (n2) {
      *n2 = '\0';
    }
    if (is_digit(*p1) && is_digit(*p2)) {
      // strtoll saturates on overflow, which keeps absurdly long numbers ordered sensibly.
      compare = sign(std::strtoll(p1, nullptr, 10) - std::strtoll(p2, nullptr, 10));
    } else if (!is_digit(*p1) && !is_digit(*p2)) {
      compare = compare_special(p1, p2);
    } else if (is_digit(*p1)) {
      compare = compare_special("#N#", p2);
    } else {
      compare = compare_special(p1, "#N#");
    }
    if (compare != 0) {
      break;
    }
    if (n1) {
      p1 = n1 + 1;
    }
    if (n2) {
      p2 = n2 + 1;
    }
  }
  if (compare == 0) {
    if (n1) {
      compare = is_digit(*p1) ? 1 : php_compare_c(p1, "#N#");
    } else if (n2) {
      compare = is_digit(*p2) ? -1 : php_compare_c("#N#", p2);
    }
  }
  return compare;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

// The leading numeric parts of a version (`6.4.2-beta1` -> {6, 4, 2}), at most four.
std::vector<long long> numeric_parts(std::string_view version) {
  std::vector<long long> parts;
  std::size_t i = 0;
  while (i < version.size() && parts.size() < 4) {
    if (!is_digit(version[i])) {
      break;
    }
    long long value = 0;
    while (i < version.size() && is_digit(version[i])) {
      value = value * 10 + (version[i] - '0');
      if (value > 999999999999LL) {
        value = 999999999999LL;
      }
      ++i;
    }
    parts.push_back(value);
    if (i < version.size() && version[i] == '.') {
      ++i;
    } else {
      break;
    }
  }
  return parts;
}

} // namespace

int php_version_compare(std::string_view a, std::string_view b) {
  std::string sa(a);
  std::string sb(b);
  return php_compare_c(sa.c_str(), sb.c_str());
}

std::string normalize_composer(std::string_view version) {
  std::string_view v = version;
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) {
    v.remove_prefix(1);
  }
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) {
    v.remove_suffix(1);
  }
  if (v.empty() || starts_with_ci(v, "dev-")) {
    return std::string(version);
  }
  if (v.front() == 'v' || v.front() == 'V') {
    v.remove_prefix(1);
  }
  // Drupal legacy contrib versions: `8.x-1.2` is release 1.2 of a project for core 8.
  if (auto pos = v.find(".x-"); pos != std::string_view::npos && pos > 0 &&
                                 numeric_parts(v.substr(0, pos)).size() == 1 && pos + 3 < v.size()) {
    v.remove_prefix(pos + 3);
  }
  // Numeric head, with `x`/`*` wildcards of dev branches (`3.0.x-dev`) mapped as Composer does.
  std::vector<std::string> numbers;
  std::size_t i = 0;
  while (i < v.size() && numbers.size() < 4) {
    if (v[i] == 'x' || v[i] == 'X' || v[i] == '*') {
      numbers.emplace_back("9999999");
      ++i;
    } else if (is_digit(v[i])) {
      std::size_t start = i;
      while (i < v.size() && is_digit(v[i])) {
        ++i;
      }
      numbers.emplace_back(v.substr(start, i - start));
    } else {
      break;
    }
    if (i < v.size() && v[i] == '.' && i + 1 < v.size() &&
        (is_digit(v[i + 1]) || v[i + 1] == 'x' || v[i + 1] == 'X' || v[i + 1] == '*')) {
      ++i;
    } else {
      break;
    }
  }
  if (numbers.empty()) {
    return std::string(version);
  }
  bool wildcard = numbers.back() == "9999999";
  while (numbers.size() < 4) {
    numbers.emplace_back(wildcard ? "9999999" : "0");
  }
  std::string out = numbers[0] + "." + numbers[1] + "." + numbers[2] + "." + numbers[3];
  std::string_view rest = v.substr(i);
  while (!rest.empty() && (rest.front() == '-' || rest.front() == '.' || rest.front() == '_' || rest.front() == '+')) {
    rest.remove_prefix(1);
  }
  if (rest.empty()) {
    return out;
  }
  // Stability suffix: Composer's names, with the case it uses (`RC`).
  struct Stability {
    std::string_view prefix;
    std::string_view name;
  };
  static const Stability k_stabilities[] = {{"stable", ""},      {"beta", "beta"},   {"b", "beta"},
                                            {"alpha", "alpha"},  {"a", "alpha"},     {"rc", "RC"},
                                            {"patch", "patch"},  {"pl", "patch"},    {"p", "patch"},
                                            {"dev", "dev"}};
  for (const auto& s : k_stabilities) {
    if (starts_with_ci(rest, s.prefix)) {
      std::string_view tail = rest.substr(s.prefix.size());
      while (!tail.empty() && (tail.front() == '.' || tail.front() == '-')) {
        tail.remove_prefix(1);
      }
      if (s.name.empty()) {
        return out;
      }
      return out + "-" + std::string(s.name) + std::string(tail);
    }
  }
  return out + "-" + std::string(rest);
}

int compare_versions(Scheme scheme, std::string_view a, std::string_view b) {
  if (scheme == Scheme::composer) {
    return php_version_compare(normalize_composer(a), normalize_composer(b));
  }
  return php_version_compare(a, b);
}

Distance version_distance(Scheme scheme, std::string_view installed, std::string_view latest) {
  if (installed.empty() || latest.empty() || compare_versions(scheme, latest, installed) <= 0) {
    return Distance::none;
  }
  std::string a = scheme == Scheme::composer ? normalize_composer(installed) : std::string(installed);
  std::string b = scheme == Scheme::composer ? normalize_composer(latest) : std::string(latest);
  auto pa = numeric_parts(a);
  auto pb = numeric_parts(b);
  for (std::size_t i = 0; i < 3; ++i) {
    long long x = i < pa.size() ? pa[i] : 0;
    long long y = i < pb.size() ? pb[i] : 0;
    if (x != y) {
      return i == 0 ? Distance::major : (i == 1 ? Distance::minor : Distance::patch);
    }
  }
  return Distance::patch;
}

std::string_view to_string(Distance distance) {
  switch (distance) {
  case Distance::none: return "none";
  case Distance::patch: return "patch";
  case Distance::minor: return "minor";
  case Distance::major: return "major";
  }
  return "none";
}

} // namespace tma::version
