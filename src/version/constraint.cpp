// Composer version constraints as they appear in advisories' `affectedVersions`
// (`>=2.0.0,<2.3.4|<1.9.9`): enough of Composer's syntax to decide "affected" and "fixed in".
#include <tma/version/constraint.hpp>

#include <vector>

#include <tma/version/version.hpp>
#include <tma/core/text.hpp>

namespace tma::version {
namespace {

struct Term {
  std::string op; ///< >=, >, <=, <, ==, !=
  std::string version;
};

std::vector<std::string> split_any(std::string_view text, std::string_view separators) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (separators.find(c) != std::string_view::npos) {
      if (!current.empty()) {
        parts.push_back(current);
      }
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) {
    parts.push_back(current);
  }
  return parts;
}

core::Result<std::vector<std::vector<Term>>> parse_constraint(std::string_view constraint) {
  // `||` and `|` both mean or: collapse runs of `|` while copying (a copy loop rather than
  // std::string::replace, which trips a false GCC 12 -Wrestrict at -O3).
  std::string text;
  text.reserve(constraint.size());
  for (char c : constraint) {
    if (c != '|' || text.empty() || text.back() != '|') {
      text.push_back(c);
    }
  }
  // `>= 1.0` with a space: glue operators to their versions before splitting on spaces.
  std::string glued;
  for (std::size_t i = 0; i < text.size(); ++i) {
    glued.push_back(text[i]);
    if ((text[i] == '=' || text[i] == '<' || text[i] == '>') ) {
      while (i + 1 < text.size() && text[i + 1] == ' ') {
        ++i;
      }
    }
  }
  std::vector<std::vector<Term>> branches;
  for (const auto& branch : split_any(glued, "|")) {
    std::vector<Term> terms;
    for (const auto& raw : split_any(branch, ", ")) {
      Term t;
      std::size_t i = 0;
      while (i < raw.size() && (raw[i] == '<' || raw[i] == '>' || raw[i] == '=' || raw[i] == '!')) {
        ++i;
      }
      t.op = raw.substr(0, i);
      t.version = raw.substr(i);
      if (t.op.empty() || t.op == "=") {
        t.op = "==";
      }
      bool known = t.op == ">=" || t.op == ">" || t.op == "<=" || t.op == "<" || t.op == "==" || t.op == "!=";
      if (!known || t.version.empty() || t.version.find_first_of("^~*") != std::string::npos) {
        return core::fail(core::ErrorKind::cms, "unsupported version constraint \"" + std::string(constraint) + "\"");
      }
      terms.push_back(std::move(t));
    }
    if (!terms.empty()) {
      branches.push_back(std::move(terms));
    }
  }
  if (branches.empty()) {
    return core::fail(core::ErrorKind::cms, "empty version constraint");
  }
  return branches;
}

bool term_matches(const Term& t, std::string_view version) {
  int c = compare_versions(Scheme::composer, version, t.version);
  if (t.op == ">=") return c >= 0;
  if (t.op == ">") return c > 0;
  if (t.op == "<=") return c <= 0;
  if (t.op == "<") return c < 0;
  if (t.op == "!=") return c != 0;
  return c == 0;
}

bool branch_matches(const std::vector<Term>& branch, std::string_view version) {
  for (const auto& t : branch) {
    if (!term_matches(t, version)) {
      return false;
    }
  }
  return true;
}

} // namespace

core::Result<bool> composer_constraint_matches(std::string_view constraint, std::string_view version) {
  auto branches = parse_constraint(constraint);
  if (!branches) {
    return tl::unexpected(branches.error());
  }
  for (const auto& branch : *branches) {
    if (branch_matches(branch, version)) {
      return true;
    }
  }
  return false;
}

std::string composer_fix_from_constraint(std::string_view constraint, std::string_view installed) {
  auto branches = parse_constraint(constraint);
  if (!branches) {
    return "";
  }
  for (const auto& branch : *branches) {
    if (!branch_matches(branch, installed)) {
      continue;
    }
    std::string fix;
    for (const auto& t : branch) {
      if (t.op == "<" && (fix.empty() || compare_versions(Scheme::composer, t.version, fix) < 0)) {
        fix = t.version;
      }
    }
    return fix;
  }
  return "";
}

} // namespace tma::version
