// readme.txt, file headers and the WordPress.org API answers (the rest of wordpress_http.hpp).
#include <tma/cms/wordpress_http.hpp>

#include <cctype>
#include <set>

#include <tma/version/version.hpp>
#include <tma/cms/json_text.hpp>
#include <tma/core/text.hpp>
#include <tma/core/timezone.hpp>
#include <tma/core/units.hpp>

namespace tma::cms::wordpress_http {
namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    auto line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
  }
  return lines;
}

// `=== Name ===` / `== Section ==` / `= 1.2 =`: the text between the markers, or nullopt.
std::optional<std::string> heading(std::string_view line, std::size_t level) {
  auto t = core::trim(line);
  std::string marks(level, '=');
  if (t.size() < 2 * level + 1 || t.substr(0, level) != marks || t.substr(t.size() - level) != marks) {
    return std::nullopt;
  }
  if (t.size() > level && t[level] == '=') {
    return std::nullopt; // a deeper marker: not this level
  }
  return std::string(core::trim(t.substr(level, t.size() - 2 * level)));
}

} // namespace

core::Result<Readme> parse_readme_txt(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);
  }
  Readme readme;
  bool headers_seen = false;
  bool in_changelog = false;
  for (auto line : lines_of(text)) {
    auto t = core::trim(line);
    if (readme.name.empty() && !headers_seen) {
      if (auto title = heading(t, 3)) {
        readme.name = *title;
        continue;
      }
      if (t.substr(0, 2) == "# ") {
        readme.name = std::string(core::trim(t.substr(2)));
        continue;
      }
    }
    if (auto section = heading(t, 2)) {
      in_changelog = iequals_prefix(*section, "changelog");
      continue;
    }
    if (in_changelog && readme.first_changelog.empty()) {
      if (auto entry = heading(t, 1); entry && !entry->empty() && std::isdigit(static_cast<unsigned char>(entry->front()))) {
        auto v = *entry;
        auto space = v.find_first_of(" \t");
        readme.first_changelog = v.substr(0, space);
      }
      continue;
    }
    auto colon = t.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    auto key = core::trim(t.substr(0, colon));
    auto value = std::string(core::trim(t.substr(colon + 1)));
    auto is = [&](std::string_view k) { return key.size() == k.size() && iequals_prefix(key, k); };
    if (is("Stable tag")) {
      readme.stable_tag = value;
      headers_seen = true;
    } else if (is("Tested up to") || is("Tested")) {
      readme.tested_up_to = value;
      headers_seen = true;
    } else if (is("Requires at least") || is("Requires")) {
      readme.requires_at_least = value;
      headers_seen = true;
    } else if (is("Contributors") || is("Tags") || is("License") || is("Requires PHP")) {
      headers_seen = true;
    }
  }
  if (readme.name.empty() && !headers_seen) {
    return core::fail(core::ErrorKind::cms, "readme.txt: not a WordPress readme: \"" + excerpt(core::trim(text)) + "\"");
  }
  // Readmes are not always UTF-8 (old Latin-1 files): keep what reaches JSON valid.
  for (auto* field : {&readme.name, &readme.stable_tag, &readme.tested_up_to, &readme.requires_at_least, &readme.first_changelog}) {
    *field = valid_utf8(*field);
  }
  return readme;
}

Component plugin_from_readme(const std::string& slug, const Readme& readme) {
  Component c;
  c.kind = ComponentKind::plugin;
  c.name = slug;
  c.title = readme.name;
  c.update = UpdateState::unknown;
  c.source = "http:readme-txt";
  bool usable_tag = !readme.stable_tag.empty() && readme.stable_tag != "trunk" &&
                    std::isdigit(static_cast<unsigned char>(readme.stable_tag.front()));
  if (usable_tag) {
    c.installed = readme.stable_tag;
    c.confidence = Confidence::medium;
    c.evidence = "readme.txt Stable tag: " + readme.stable_tag;
    if (!readme.first_changelog.empty() && readme.first_changelog != readme.stable_tag) {
      c.note = "changelog's newest entry is " + readme.first_changelog;
    }
  } else if (!readme.first_changelog.empty()) {
    c.installed = readme.first_changelog;
    c.confidence = Confidence::low;
    c.evidence = "readme.txt first changelog entry " + readme.first_changelog;
  } else {
    c.confidence = Confidence::low;
    c.note = "readme.txt gives no version";
  }
  return c;
}

std::string header_version(std::string_view file_text) {
  // WordPress' get_file_data(): `^[ \t/*#@]*Version:(.*)$`, case-insensitive, in the first 8 KiB.
  for (auto line : lines_of(file_text.substr(0, 8192))) {
    std::size_t i = 0;
    if (line.substr(0, 5) == "<?php") {
      i = 5;
    }
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '/' || line[i] == '*' ||
                               line[i] == '#' || line[i] == '@')) {
      ++i;
    }
    if (iequals_prefix(line.substr(i), "Version:")) {
      auto value = core::trim(line.substr(i + 8));
      if (value.size() >= 2 && value.substr(value.size() - 2) == "*/") {
        value = core::trim(value.substr(0, value.size() - 2));
      }
      return valid_utf8(value);
    }
  }
  return "";
}

core::Result<CoreVersionCheck> parse_core_version_check(std::string_view body) {
  constexpr std::string_view what = "WordPress.org core version-check";
  auto document = parse_tool_json(body, what);
  if (!document) {
    return tl::unexpected(document.error());
  }
  if (!document->is_object() || !document->contains("offers") || !(*document)["offers"].is_array()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": no \"offers\" array");
  }
  CoreVersionCheck result;
  std::set<std::string> seen;
  for (const auto& offer : (*document)["offers"]) {
    auto v = loose_string(offer, "current");
    if (v.empty()) {
      v = loose_string(offer, "version");
    }
    if (v.empty()) {
      continue;
    }
    if (seen.insert(v).second) {
      result.offered.push_back(v);
    }
    if (result.latest.empty() || version::php_version_compare(v, result.latest) > 0) {
      result.latest = v;
    }
  }
  if (result.latest.empty()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": no offer carries a version");
  }
  return result;
}

std::optional<std::chrono::sys_seconds> parse_wporg_time(std::string_view text) {
  // `2024-07-15 3:04pm GMT`: a date, a space, g:i (12-hour clock, hour 1-12 not padded), am|pm, ` GMT`.
  constexpr std::string_view zone = " GMT";
  if (text.size() < 10 + 1 + 6 + zone.size() || text.substr(text.size() - zone.size()) != zone || text[10] != ' ') {
    return std::nullopt;
  }
  auto date = core::parse_date(text.substr(0, 10));
  if (!date) return std::nullopt;
  auto clock = text.substr(11, text.size() - 11 - zone.size()); // `3:04pm`
  auto colon = clock.find(':');
  if (colon == std::string_view::npos || colon < 1 || colon > 2 || clock.size() != colon + 5) return std::nullopt;
  auto digits = [](std::string_view part) {
    int value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return -1;
      value = value * 10 + (c - '0');
    }
    return value;
  };
  int hour = digits(clock.substr(0, colon));
  int minute = digits(clock.substr(colon + 1, 2));
  auto meridiem = clock.substr(colon + 3);
  if (hour < 1 || hour > 12 || minute < 0 || minute > 59 || (meridiem != "am" && meridiem != "pm")) return std::nullopt;
  hour %= 12; // 12am is midnight, 12pm noon
  if (meridiem == "pm") hour += 12;
  auto days = std::chrono::sys_days{std::chrono::days{core::days_from_civil(*date)}};
  return std::chrono::time_point_cast<std::chrono::seconds>(days) + std::chrono::hours{hour} + std::chrono::minutes{minute};
}

core::Result<PluginInfo> parse_plugin_info(std::string_view body) {
  constexpr std::string_view what = "WordPress.org plugin information";
  auto document = parse_tool_json(body, what);
  if (!document) {
    return tl::unexpected(document.error());
  }
  if (!document->is_object()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": expected a JSON object");
  }
  PluginInfo info;
  info.slug = loose_string(*document, "slug");
  info.name = loose_string(*document, "name");
  bool closed = loose_string(*document, "error") == "closed" ||
                (document->contains("closed") && (*document)["closed"].is_boolean() && (*document)["closed"].get<bool>());
  if (closed || document->contains("error")) {
    info.state = closed ? PluginInfo::State::closed : PluginInfo::State::not_found;
    info.closed_date = loose_string(*document, "closed_date").substr(0, 10);
    info.closed_reason = loose_string(*document, "reason_text");
    if (info.closed_reason.empty()) info.closed_reason = loose_string(*document, "reason");
    return info;
  }
  info.last_updated = loose_string(*document, "last_updated").substr(0, 10);
  info.released = parse_wporg_time(loose_string(*document, "last_updated"));
  info.version = loose_string(*document, "version");
  info.requires_wp = loose_string(*document, "requires");
  info.tested = loose_string(*document, "tested");
  info.requires_php = loose_string(*document, "requires_php");
  info.download_link = loose_string(*document, "download_link");
  if (info.version.empty()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": no \"version\" for " +
                                                (info.slug.empty() ? std::string("the plugin") : info.slug));
  }
  return info;
}

void apply_latest(Component& component, const std::string& latest) {
  if (latest.empty()) {
    component.update = UpdateState::unknown;
    return;
  }
  component.source += "+wporg-api";
  if (component.installed.empty()) {
    component.latest = latest;
    component.update = UpdateState::unknown;
    return;
  }
  int cmp = version::php_version_compare(latest, component.installed);
  if (cmp > 0) {
    component.latest = latest;
    component.update = UpdateState::available;
  } else if (cmp < 0) {
    component.update = UpdateState::higher_than_expected;
  } else {
    component.update = UpdateState::none;
  }
}

} // namespace tma::cms::wordpress_http
