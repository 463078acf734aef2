#include <tma/cms/wpcli.hpp>

#include <cctype>

#include <tma/version/version.hpp>
#include <tma/cms/json_text.hpp>
#include <tma/core/text.hpp>

namespace tma::cms::wpcli {
namespace {

// A plausible version string: starts with a digit, then digits, letters and . - + _ only.
bool looks_like_version(std::string_view text) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text.front()))) {
    return false;
  }
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+' && c != '_') {
      return false;
    }
  }
  return true;
}

core::Result<UpdateState> parse_update_state(const nlohmann::json& row, std::string_view what) {
  auto it = row.find("update");
  if (it == row.end()) {
    // WP-CLI before 2.10 had no update column unless asked for: we cannot tell.
    return UpdateState::unknown;
  }
  if (it->is_boolean()) {
    // `false` on must-use and drop-in rows: WordPress never updates those.
    return UpdateState::not_applicable;
  }
  if (!it->is_string()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": field \"update\" has type " +
                                                std::string(it->type_name()));
  }
  auto text = it->get<std::string>();
  if (text == "none") return UpdateState::none;
  if (text == "available") return UpdateState::available;
  if (text == "unavailable") return UpdateState::unavailable;
  if (text == "version higher than expected") return UpdateState::higher_than_expected;
  return core::fail(core::ErrorKind::cms, std::string(what) + ": unknown update state \"" + text + "\"");
}

core::Result<std::vector<Component>> parse_list(std::string_view output, ComponentKind kind,
                                                std::string_view what) {
  auto document = parse_tool_json(output, what);
  if (!document) {
    return tl::unexpected(document.error());
  }
  if (!document->is_array()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": expected a JSON array, got " +
                                                std::string(document->type_name()));
  }
  std::vector<Component> components;
  std::size_t index = 0;
  for (const auto& row : *document) {
    std::string where = std::string(what) + ": row " + std::to_string(index++);
    if (!row.is_object() || !row.contains("name") || !row["name"].is_string()) {
      return core::fail(core::ErrorKind::cms, where + ": missing \"name\"");
    }
    if (!row.contains("version")) {
      return core::fail(core::ErrorKind::cms, where + ": missing \"version\"");
    }
    Component c;
    c.kind = kind;
    c.name = row["name"].get<std::string>();
    c.title = loose_string(row, "title");
    c.status = loose_string(row, "status");
    c.installed = loose_string(row, "version");
    c.latest = loose_string(row, "update_version");
    auto state = parse_update_state(row, where);
    if (!state) {
      return tl::unexpected(state.error());
    }
    c.update = *state;
    auto au = loose_string(row, "auto_update");
    if (au == "on") {
      c.auto_update = true;
    } else if (au == "off") {
      c.auto_update = false;
    }
    c.source = "wp-cli";
    c.confidence = Confidence::certain;
    c.evidence = kind == ComponentKind::plugin ? "wp plugin list" : "wp theme list";
    // An update WordPress cannot download (premium plugin without licence, unmet requirement) must
    // not look like "up to date": say so in the note, the finding keeps the newer version.
    auto reason = loose_string(row, "update_unavailable_reason");
    bool package_null = row.contains("update_package") && row["update_package"].is_null();
    if (c.update == UpdateState::unavailable) {
      c.note = reason.empty() ? "update package not available" : "update not installable: " + reason;
    } else if (c.update == UpdateState::available && package_null) {
      c.note = "update package not available";
    } else if (c.update == UpdateState::higher_than_expected) {
      c.note = "installed version is newer than the update server knows";
    }
    if (c.installed.empty() && c.update != UpdateState::not_applicable) {
      c.note = c.note.empty() ? "no Version header" : c.note;
    }
    components.push_back(std::move(c));
  }
  return components;
}

} // namespace

core::Result<std::string> parse_core_version(std::string_view output) {
  auto text = core::trim(output);
  if (text.empty()) {
    return core::fail(core::ErrorKind::cms, "wp core version: empty output");
  }
  if (text.find('\n') != std::string_view::npos || !looks_like_version(text)) {
    return core::fail(core::ErrorKind::cms, "wp core version: not a version: \"" + excerpt(text) + "\"");
  }
  return std::string(text);
}

core::Result<std::vector<CoreOffer>> parse_core_check_update(std::string_view output) {
  constexpr std::string_view what = "wp core check-update --format=json";
  auto text = core::trim(output);
  if (text.empty() || text == "Success: WordPress is at the latest version.") {
    return std::vector<CoreOffer>{};
  }
  auto document = parse_tool_json(text, what);
  if (!document) {
    return tl::unexpected(document.error());
  }
  if (!document->is_array()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": expected a JSON array");
  }
  std::vector<CoreOffer> offers;
  for (const auto& row : *document) {
    if (!row.is_object() || !row.contains("version") || !row["version"].is_string()) {
      return core::fail(core::ErrorKind::cms, std::string(what) + ": offer without a \"version\" string");
    }
    offers.push_back({row["version"].get<std::string>(), loose_string(row, "update_type"),
                      loose_string(row, "package_url")});
  }
  return offers;
}

Component core_component(const std::string& installed, const std::vector<CoreOffer>& offers) {
  Component c;
  c.kind = ComponentKind::core;
  c.name = "wordpress";
  c.title = "WordPress";
  c.installed = installed;
  c.source = "wp-cli";
  c.evidence = "wp core version";
  c.update = UpdateState::none;
  for (const auto& offer : offers) {
    if (c.latest.empty() || version::php_version_compare(offer.version, c.latest) > 0) {
      c.latest = offer.version;
    }
  }
  if (!c.latest.empty() && version::php_version_compare(c.latest, installed) > 0) {
    c.update = UpdateState::available;
  } else {
    c.latest.clear();
  }
  return c;
}

core::Result<std::vector<Component>> parse_plugin_list(std::string_view output) {
  return parse_list(output, ComponentKind::plugin, "wp plugin list --format=json");
}

core::Result<std::vector<Component>> parse_theme_list(std::string_view output) {
  return parse_list(output, ComponentKind::theme, "wp theme list --format=json");
}

core::Result<std::vector<UpdateRow>> parse_update_rows(std::string_view output) {
  constexpr std::string_view what = "wp update --format=json";
  if (core::trim(output).empty()) {
    return std::vector<UpdateRow>{};
  }
  auto document = parse_tool_json(output, what);
  if (!document) {
    return tl::unexpected(document.error());
  }
  if (!document->is_array()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": expected a JSON array");
  }
  std::vector<UpdateRow> rows;
  for (const auto& row : *document) {
    if (!row.is_object() || !row.contains("name")) {
      return core::fail(core::ErrorKind::cms, std::string(what) + ": row without \"name\"");
    }
    rows.push_back({loose_string(row, "name"), loose_string(row, "old_version"), loose_string(row, "new_version"),
                    loose_string(row, "status")});
  }
  return rows;
}

core::Result<CliInfo> parse_cli_info(std::string_view output) {
  CliInfo info;
  std::size_t pos = 0;
  while (pos < output.size()) {
    auto end = output.find('\n', pos);
    auto line = output.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      auto key = line.substr(0, colon);
      auto value = std::string(core::trim(line.substr(colon + 1)));
      if (key == "PHP version") {
        info.php_version = value;
      } else if (key == "WP-CLI version") {
        info.wp_cli_version = value;
      }
    }
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
  }
  if (info.php_version.empty()) {
    return core::fail(core::ErrorKind::cms, "wp --info: no \"PHP version:\" line in \"" + excerpt(core::trim(output)) + "\"");
  }
  return info;
}

core::Result<bool> parse_maintenance_status(std::string_view output) {
  auto text = core::trim(output);
  if (text == "Maintenance mode is active.") {
    return true;
  }
  if (text == "Maintenance mode is not active.") {
    return false;
  }
  return core::fail(core::ErrorKind::cms, "wp maintenance-mode status: unexpected output \"" + excerpt(text) + "\"");
}

} // namespace tma::cms::wpcli
