// `visual:` of a site (docs/visual.md): pages, sample, widths, masks, thresholds, retention, schedule.
#include <algorithm>

#include <fmt/format.h>

#include "inventory/sections.hpp"
#include "inventory/shapes.hpp"

namespace tma::inventory::detail {
namespace {

// A path of the site for the browser: `/` then letters, digits and `-._~/%!$&()*+,;=:@?`, at most 512.
bool is_visual_path(const std::string& path) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-._~/%!$&()*+,;=:@?").find(c) != std::string_view::npos;
  };
  return !path.empty() && path.front() == '/' && path.rfind("//", 0) != 0 && path.size() <= 512 &&
         std::all_of(path.begin(), path.end(), allowed);
}

// A CSS selector hidden before the capture: letters, digits, space and the selector punctuation
// `#.-_[]=:"'()>+~*,^$|`, at most 200 characters; no `{`, `}`, `;`, `<`, `\` or control
// character, so that it can end neither the style rule nor the script that applies it.
bool is_mask_selector(const std::string& selector) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view(" #.-_[]=:\"'()>+~*,^$|").find(c) != std::string_view::npos;
  };
  return !selector.empty() && selector.size() <= 200 && selector.find_first_not_of(' ') != std::string::npos &&
         std::all_of(selector.begin(), selector.end(), allowed);
}

// A percentage `1%`, `1.5 %` or `15` (the `%` may be left out), from 0.01 to 100, as a share 0..1.
// Read by hand so that `1e3`, `inf` or `nan` are refused.
std::optional<double> percent(MapReader& map, const std::string& name) {
  auto text = map.string(name);
  if (!text) return std::nullopt;
  std::string_view digits = *text;
  if (!digits.empty() && digits.back() == '%') digits.remove_suffix(1);
  while (!digits.empty() && digits.back() == ' ') digits.remove_suffix(1);
  auto value = detail::parse_plain_decimal(digits, 8);
  if (!value || *value < 0.01 || *value > 100) {
    map.context().error(map.get(name), map.sub(name),
                        fmt::format("'{}' is not a percentage between 0.01 % and 100 % (such as 1% or 1.5%)", *text));
    return std::nullopt;
  }
  return *value / 100;
}

} // namespace

VisualPolicy read_visual_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  VisualPolicy visual;
  MapReader map(ctx, node, key);
  if (!map.ok()) return visual;
  if (auto paths = map.strings("paths")) {
    for (const auto& path : *paths) {
      if (!is_visual_path(path)) {
        ctx.error(map.get("paths"), map.sub("paths"),
                  fmt::format("'{}' is not a path of the site (one '/' then at most 512 letters, digits and "
                              "-._~/%!$&()*+,;=:@?)",
                              path));
        continue;
      }
      if (path != "/" && std::find(visual.paths.begin(), visual.paths.end(), path) == visual.paths.end()) {
        visual.paths.push_back(path);
      }
    }
  }
  if (auto v = map.integer("sample", 0, 50)) visual.sample = *v;
  if (auto widths = map.get("widths"); widths.IsDefined()) {
    if (!widths.IsSequence() || widths.size() == 0 || widths.size() > 4) {
      ctx.error(widths, map.sub("widths"), "expected a list of 1 to 4 widths in pixels, such as [1280, 390]");
    } else {
      std::vector<int> read;
      for (const auto& width : widths) {
        auto v = read_int(ctx, width, map.sub("widths"), 240, 3840);
        if (v && std::find(read.begin(), read.end(), *v) == read.end()) read.push_back(*v);
      }
      if (!read.empty()) visual.widths = read;
    }
  }
  if (auto masks = map.strings("mask", true)) {
    if (masks->size() > 50) ctx.error(map.get("mask"), map.sub("mask"), "at most 50 selectors");
    for (const auto& selector : *masks) {
      if (!is_mask_selector(selector)) {
        ctx.error(map.get("mask"), map.sub("mask"),
                  fmt::format("'{}' is not a CSS selector tma accepts (at most 200 letters, digits, spaces and "
                              "#.-_[]=:\"'()>+~*,^$|)",
                              selector));
        continue;
      }
      visual.mask.push_back(selector);
    }
  }
  auto changed = percent(map, "changed");
  auto broken = percent(map, "broken");
  if (changed) visual.changed = *changed;
  if (broken) visual.broken = *broken;
  if ((changed || broken) && visual.changed >= visual.broken) {
    ctx.error(map.get(broken ? "broken" : "changed"), map.sub(broken ? "broken" : "changed"),
              fmt::format("visual.changed ({:g} %) must be below visual.broken ({:g} %)", visual.changed * 100,
                          visual.broken * 100));
  }
  if (auto v = map.integer("keep", 1, 100)) visual.keep = *v;
  if (auto schedule = read_schedule_key(map, "schedule")) visual.schedule = std::move(*schedule);
  map.finish();
  return visual;
}

} // namespace tma::inventory::detail
