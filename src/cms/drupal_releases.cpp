#include <tma/cms/drupal_releases.hpp>

#include <algorithm>

#include <tma/version/version.hpp>
#include <tma/cms/json_text.hpp>
#include <tma/core/text.hpp>

namespace tma::cms::drupal_releases {
namespace {

// The feed is a small, regular XML vocabulary without CDATA or nesting of same-named elements, so a
// scanner over `<tag ...>...</tag>` pairs is enough (Debian's allowed libraries have no XML parser).
struct Element {
  std::string_view attributes;
  std::string_view inner;
};

std::vector<Element> elements(std::string_view xml, std::string_view tag) {
  std::vector<Element> found;
  std::string open = "<" + std::string(tag);
  std::string close = "</" + std::string(tag) + ">";
  std::size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    std::size_t after = pos + open.size();
    if (after >= xml.size() || (xml[after] != '>' && xml[after] != ' ' && xml[after] != '/')) {
      pos = after;
      continue;
    }
    auto tag_end = xml.find('>', after);
    if (tag_end == std::string_view::npos) {
      break;
    }
    auto attributes = xml.substr(after, tag_end - after);
    if (!attributes.empty() && attributes.back() == '/') {
      found.push_back({attributes, {}});
      pos = tag_end + 1;
      continue;
    }
    auto end = xml.find(close, tag_end + 1);
    if (end == std::string_view::npos) {
      break;
    }
    found.push_back({attributes, xml.substr(tag_end + 1, end - tag_end - 1)});
    pos = end + close.size();
  }
  return found;
}

std::string decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    static const std::pair<std::string_view, char> k_entities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}, {"&#039;", '\''}};
    bool done = false;
    for (auto [entity, c] : k_entities) {
      if (text.substr(i, entity.size()) == entity) {
        out.push_back(c);
        i += entity.size() - 1;
        done = true;
        break;
      }
    }
    if (!done) {
      out.push_back('&');
    }
  }
  return std::string(core::trim(out));
}

std::string text_of(std::string_view xml, std::string_view tag) {
  auto found = elements(xml, tag);
  return found.empty() ? "" : decode(found.front().inner);
}

bool stable(std::string_view version) {
  auto normal = version::normalize_composer(version);
  return normal.find('-') == std::string::npos;
}

// `<date>1719500000</date>`: seconds since 1970, digits only (at most 12: until year 33658).
std::optional<std::chrono::sys_seconds> unix_time(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  long long seconds = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return std::chrono::sys_seconds{std::chrono::seconds{seconds}};
}

bool newer(std::string_view a, std::string_view b) { return version::compare_versions(version::Scheme::composer, a, b) > 0; }

} // namespace

bool Release::has(std::string_view type) const { return std::find(types.begin(), types.end(), type) != types.end(); }

core::Result<ReleaseHistory> parse_release_history(std::string_view xml) {
  auto error = elements(xml, "error");
  if (!error.empty()) {
    return core::fail(core::ErrorKind::cms, "Drupal release history: " + decode(error.front().inner));
  }
  auto projects = elements(xml, "project");
  if (projects.empty()) {
    return core::fail(core::ErrorKind::cms, "Drupal release history: no <project> in \"" + excerpt(core::trim(xml)) + "\"");
  }
  auto project = projects.front().inner;
  ReleaseHistory history;
  // Project-level fields sit before <releases>; reading them from that head avoids release <name>s.
  auto head = project.substr(0, std::min(project.size(), project.find("<releases")));
  history.short_name = text_of(head, "short_name");
  if (history.short_name.empty()) {
    return core::fail(core::ErrorKind::cms, "Drupal release history: no <short_name>");
  }
  history.title = text_of(head, "title");
  history.project_status = text_of(head, "project_status");
  auto branches = text_of(head, "supported_branches");
  std::size_t start = 0;
  while (start <= branches.size()) {
    auto comma = branches.find(',', start);
    auto b = std::string(core::trim(std::string_view(branches).substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (!b.empty()) {
      history.supported_branches.push_back(b);
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  for (const auto& r : elements(project, "release")) {
    Release release;
    release.name = text_of(r.inner, "name");
    release.version = text_of(r.inner, "version");
    release.status = text_of(r.inner, "status");
    release.date = unix_time(text_of(r.inner, "date"));
    for (const auto& term : elements(r.inner, "term")) {
      if (text_of(term.inner, "name") == "Release type") {
        release.types.push_back(text_of(term.inner, "value"));
      }
    }
    auto security = elements(r.inner, "security");
    release.security_covered = !security.empty() && security.front().attributes.find("covered=\"1\"") != std::string_view::npos;
    if (release.version.empty()) {
      return core::fail(core::ErrorKind::cms, "Drupal release history: " + history.short_name + ": release without <version>");
    }
    history.releases.push_back(std::move(release));
  }
  return history;
}

Verdict evaluate(const ReleaseHistory& history, std::string_view installed) {
  Verdict v;
  std::string branch;
  for (const auto& prefix : history.supported_branches) {
    if (installed.substr(0, prefix.size()) == prefix) {
      v.supported = true;
      branch = prefix;
    }
  }
  if (branch.empty()) {
    // Unsupported installs still belong to a branch: x.y. (semver) or 8.x-N. (legacy contrib).
    auto second_dot = installed.find('.', installed.find('.') + 1);
    branch = std::string(installed.substr(0, second_dot == std::string_view::npos ? installed.size() : second_dot + 1));
  }
  for (const auto& r : history.releases) {
    if (r.status != "published") {
      continue;
    }
    if (r.version == installed && r.has("Insecure")) {
      v.insecure = true;
    }
    bool in_branch = r.version.rfind(branch, 0) == 0;
    if (stable(r.version) && (v.latest.empty() || newer(r.version, v.latest))) {
      v.latest = r.version;
    }
    if (in_branch && stable(r.version) && (v.latest_in_branch.empty() || newer(r.version, v.latest_in_branch))) {
      v.latest_in_branch = r.version;
    }
    if (in_branch && r.has("Security update") && newer(r.version, installed)) {
      v.insecure = true;
      if (v.fixed_in.empty() || newer(r.version, v.fixed_in)) {
        v.fixed_in = r.version;
      }
    }
  }
  return v;
}

} // namespace tma::cms::drupal_releases
