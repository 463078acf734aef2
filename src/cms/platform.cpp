// The platform queries of `tma check` and their parsers.
#include <tma/cms/platform.hpp>

#include <cctype>

#include <tma/cms/json_text.hpp>
#include <tma/core/text.hpp>
#include <tma/core/utf8.hpp>

namespace tma::cms {
namespace {

constexpr const char* k_select_version = "SELECT VERSION();";

// `digits.digits` at the start: the shape every version tma hands to the end-of-life data has.
bool starts_like_version(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) ++i;
  if (i == 0 || i >= text.size() || text[i] != '.') return false;
  return i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])) != 0;
}

// Versions from servers reach tables and JSON: an allow list of characters, never a deny list.
bool version_shaped(std::string_view text) {
  if (!starts_like_version(text) || text.size() > 100) return false;
  for (unsigned char c : text) {
    if (std::isalnum(c) == 0 && c != '.' && c != '-' && c != '+' && c != '~' && c != '_' && c != ':') return false;
  }
  return true;
}

// os-release(5): ID is lower-case letters, digits, `._-`; VERSION_ID adds upper case and `~`.
bool os_shaped(std::string_view text, bool upper) {
  if (text.empty() || text.size() > 64) return false;
  for (unsigned char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
              (upper && ((c >= 'A' && c <= 'Z') || c == '~'));
    if (!ok) return false;
  }
  return true;
}

std::string first_line(std::string_view text) {
  auto trimmed = core::trim(text);
  auto end = trimmed.find('\n');
  return std::string(core::trim(trimmed.substr(0, end)));
}

// One os-release value: unquoted, or in single or double quotes with backslash escapes.
std::string unquote(std::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
    bool dq = value.front() == '"';
    value = value.substr(1, value.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (dq && value[i] == '\\' && i + 1 < value.size()) ++i;
      out += value[i];
    }
    return out;
  }
  return std::string(value);
}

} // namespace

std::vector<ToolCommand> platform_commands(inventory::Cms cms, const inventory::Environment& env) {
  std::vector<ToolCommand> commands;
  switch (cms) {
  case inventory::Cms::wordpress:
    commands.push_back({Query::wp_cli_info, wp_argv(env, {"cli", "info"}, {.skip_plugins_themes = true}), env.path, {0}});
    commands.push_back({Query::db_server_version,
                        wp_argv(env, {"db", "query", k_select_version, "--skip-column-names"}, {.skip_plugins_themes = true}),
                        env.path,
                        {0}});
    break;
  case inventory::Cms::drupal:
    commands.push_back({Query::db_server_version, drush_argv(env, {"sql:query", k_select_version}), env.path, {0}});
    break;
  case inventory::Cms::composer:
    commands.push_back({Query::php_version,
                        {env.binary("php"), "-r",
                         "echo PHP_MAJOR_VERSION, '.', PHP_MINOR_VERSION, '.', PHP_RELEASE_VERSION, PHP_EOL;"},
                        env.path,
                        {0}});
    break;
  default:
    break;
  }
  commands.push_back({Query::os_release, {"cat", "/etc/os-release"}, "", {0}});
  return commands;
}

core::Result<PlatformVersion> parse_db_version(std::string_view output) {
  auto line = first_line(output);
  if (!version_shaped(line)) {
    return core::fail(core::ErrorKind::cms, "SELECT VERSION(): unexpected output \"" + excerpt(line) + "\"");
  }
  bool mariadb = line.find("MariaDB") != std::string::npos;
  return PlatformVersion{mariadb ? "mariadb" : "mysql", line, mariadb ? "MariaDB" : "MySQL"};
}

core::Result<PlatformVersion> parse_os_release(std::string_view text) {
  std::string id, version_id, name, codename;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    auto line = core::trim(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (!line.empty() && line.front() != '#') {
      auto eq = line.find('=');
      if (eq != std::string_view::npos) {
        auto key = line.substr(0, eq);
        auto value = unquote(line.substr(eq + 1));
        if (key == "ID") id = value;
        if (key == "VERSION_ID") version_id = value;
        if (key == "NAME") name = value;
        if (key == "VERSION_CODENAME") codename = value;
      }
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  if (id.empty()) return core::fail(core::ErrorKind::cms, "/etc/os-release: no ID= line");
  if (!os_shaped(id, false)) return core::fail(core::ErrorKind::cms, "/etc/os-release: ID \"" + excerpt(id) + "\" is not an os-release ID");
  if (version_id.empty()) return core::fail(core::ErrorKind::cms, "/etc/os-release: " + id + " without VERSION_ID (a rolling release?)");
  if (!os_shaped(version_id, true)) {
    return core::fail(core::ErrorKind::cms, "/etc/os-release: VERSION_ID \"" + excerpt(version_id) + "\" is not a version");
  }
  // NAME and VERSION_CODENAME are free text: bounded, valid UTF-8, control characters neutralised.
  auto label = (name.empty() ? id : name) + " " + version_id + (codename.empty() ? "" : " (" + codename + ")");
  return PlatformVersion{id, version_id, core::printable(excerpt(label, 100))};
}

core::Result<PlatformVersion> parse_php_version(std::string_view output) {
  auto line = first_line(output);
  if (!version_shaped(line)) {
    return core::fail(core::ErrorKind::cms, "PHP version: unexpected output \"" + excerpt(line) + "\"");
  }
  return PlatformVersion{"php", line, "PHP"};
}

} // namespace tma::cms
