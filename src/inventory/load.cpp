#include <tma/inventory/load.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include <tma/core/utf8.hpp>

#include "inventory/sections.hpp"
#include "inventory/yaml_guard.hpp"

namespace tma::inventory {

std::string Diagnostic::str() const {
  std::string where = mark.line > 0 ? fmt::format("{}:{}:{}", mark.file, mark.line, mark.column) : mark.file;
  if (where.empty()) return key.empty() ? message : fmt::format("{}: {}", key, message);
  return key.empty() ? fmt::format("{}: {}", where, message) : fmt::format("{}: {}: {}", where, key, message);
}

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

std::string inventory_path(const std::optional<std::string>& explicit_path) {
  if (explicit_path && !explicit_path->empty()) return *explicit_path;
  if (auto env = process_env("TMA_INVENTORY"); env && !env->empty()) return *env;
  // Like git: the agency directory may be any parent of the current directory.
  std::error_code ec;
  auto dir = std::filesystem::current_path(ec);
  if (ec) return "sites.yaml";
  if (std::filesystem::exists(dir / "sites.yaml", ec)) return "sites.yaml";
  for (auto parent = dir.parent_path(); !parent.empty(); dir = parent, parent = parent.parent_path()) {
    if (std::filesystem::exists(parent / "sites.yaml", ec)) return (parent / "sites.yaml").string();
    if (parent == dir) break;
  }
  return "sites.yaml";
}

namespace {

void sort_diagnostics(std::vector<Diagnostic>& list) {
  std::stable_sort(list.begin(), list.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.mark.line, a.mark.column) < std::tie(b.mark.line, b.mark.column);
  });
}

// What the YAML parser must never see: bytes that are not UTF-8, and characters YAML does not allow
// in a stream (C0 controls but tab, LF and CR; DEL). yaml-cpp accepts a raw NUL in a plain scalar
// and hands back another control character, and invalid UTF-8 only failed later, at JSON output.
std::optional<Diagnostic> check_raw_text(const std::string& text, const std::string& path) {
  int line = 1, column = 1;
  for (std::size_t pos = 0; pos < text.size();) {
    auto c = static_cast<unsigned char>(text[pos]);
    if (c == '\n') {
      ++line, column = 1, ++pos;
      continue;
    }
    if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7F) {
      return Diagnostic{Mark{path, line, column}, "",
                        fmt::format("control character 0x{:02X} in the file (write it as an escape in a quoted string, "
                                    "if at all)",
                                    c)};
    }
    std::size_t length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (c >= 0x80 && !core::is_valid_utf8(std::string_view(text).substr(pos, length))) {
      return Diagnostic{Mark{path, line, column}, "",
                        fmt::format("invalid UTF-8 (byte 0x{:02X}); the inventory must be UTF-8", c)};
    }
    pos += length;
    ++column;
  }
  return std::nullopt;
}

} // namespace

tl::expected<Loaded, std::vector<Diagnostic>> load_inventory_text(const std::string& text, const std::string& path,
                                                                  const EnvLookup& env) {
  detail::LoadContext ctx{path, env, {}, {}};
  if (text.size() > k_max_inventory_bytes) {
    return tl::unexpected(std::vector<Diagnostic>{Diagnostic{
        Mark{path, 0, 0}, "",
        fmt::format("the inventory is larger than {} MiB; split the portfolio into several inventories",
                    k_max_inventory_bytes >> 20)}});
  }
  if (auto bad = check_raw_text(text, path)) return tl::unexpected(std::vector<Diagnostic>{*bad});
  YAML::Node root;
  try {
    detail::guard_yaml_parse(text); // yaml-cpp can loop without bound on a few inputs
    auto documents = YAML::LoadAll(text);
    if (documents.size() > 1) {
      // A second document would be ignored silently: its sites would never be maintained.
      auto mark = documents[1].Mark();
      return tl::unexpected(std::vector<Diagnostic>{Diagnostic{
          mark.is_null() ? Mark{path, 0, 0} : Mark{path, mark.line + 1, mark.column + 1}, "",
          "a second YAML document ('---'): the inventory is one document; merge it into the first"}});
    }
    if (!documents.empty()) root = documents[0];
  } catch (const YAML::Exception& e) {
    return tl::unexpected(std::vector<Diagnostic>{
        Diagnostic{Mark{path, e.mark.line + 1, e.mark.column + 1}, "", "invalid YAML: " + e.msg}});
  }
  if (!root.IsDefined() || root.IsNull()) {
    return tl::unexpected(std::vector<Diagnostic>{Diagnostic{Mark{path, 0, 0}, "", "the inventory is empty"}});
  }

  Inventory inv;
  inv.path = path;
  auto parent = std::filesystem::path(path).parent_path();
  inv.directory = parent.empty() ? "." : parent.string();

  detail::MapReader top(ctx, root, "");
  if (top.ok()) {
    if (auto version = top.integer("version", 1, 1000); version && *version != 1) {
      ctx.error(top.get("version"), "version", fmt::format("unsupported inventory version {} (this tma reads 1)", *version));
    }
    if (auto n = top.get("agency"); n.IsDefined()) inv.agency = detail::read_agency(ctx, n);
    detail::Defaults defaults;
    if (auto n = top.get("defaults"); n.IsDefined()) defaults = detail::read_defaults(ctx, n);
    inv.storage = {{"local", StorageTarget{"local", "local", "backups", "", {}}}};
    if (auto n = top.get("storage"); n.IsDefined()) {
      for (auto& [name, target] : detail::read_storage(ctx, n)) inv.storage[name] = target;
    }
    if (auto n = top.get("sources"); n.IsDefined()) inv.sources = detail::read_sources(ctx, n);
    if (auto n = top.get("journal"); n.IsDefined()) inv.journal = detail::read_journal(ctx, n);
    if (auto n = top.get("notify"); n.IsDefined()) inv.notify = detail::read_notify(ctx, n);
    if (auto n = top.get("clients"); n.IsDefined()) inv.clients = detail::read_clients(ctx, n);
    else ctx.error(root, "clients", "required key is missing");
    for (auto& client : inv.clients) {
      if (!client.report_schedule) client.report_schedule = inv.agency.report.schedule;
    }

    detail::KnownNames known;
    for (const auto& c : inv.clients) known.clients.insert(c.id);
    for (const auto& [name, target] : inv.storage) known.storage.insert(name);
    if (auto n = top.get("sites"); n.IsDefined()) inv.sites = detail::read_sites(ctx, n, defaults, known);
    else ctx.error(root, "sites", "required key is missing");
    if (auto n = top.get("connectors"); n.IsDefined()) inv.connectors = detail::read_connectors(ctx, n, inv);
    top.finish();
  }

  sort_diagnostics(ctx.errors);
  sort_diagnostics(ctx.warnings);
  if (!ctx.errors.empty()) return tl::unexpected(std::move(ctx.errors));
  return Loaded{std::move(inv), std::move(ctx.warnings)};
}

tl::expected<Loaded, std::vector<Diagnostic>> load_inventory(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    // The default name that was found nowhere up the tree: say where tma looked and how to start.
    const char* missing = path == "sites.yaml"
                              ? "does not exist (no sites.yaml here or in a parent directory: give -i FILE, set "
                                "TMA_INVENTORY, or create an agency with 'tma init DIR')"
                              : "does not exist (give -i FILE or set TMA_INVENTORY)";
    auto hint = std::filesystem::exists(path) ? "cannot be read" : missing;
    return tl::unexpected(std::vector<Diagnostic>{Diagnostic{Mark{path, 0, 0}, "", fmt::format("inventory {}", hint)}});
  }
  // Read at most one byte past the limit (a pipe or /dev/zero has no size to ask for first), so
  // memory stays bounded and load_inventory_text reports the size.
  std::string text;
  std::vector<char> chunk(1 << 16);
  while (text.size() <= k_max_inventory_bytes && in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    return tl::unexpected(std::vector<Diagnostic>{Diagnostic{Mark{path, 0, 0}, "", "inventory cannot be read"}});
  }
  return load_inventory_text(text, path, env);
}

std::string_view to_string(Cms cms) {
  switch (cms) {
  case Cms::wordpress: return "wordpress";
  case Cms::drupal: return "drupal";
  case Cms::composer: return "composer";
  case Cms::static_site: return "static";
  }
  return "?";
}

std::string_view to_string(ContractModel model) {
  switch (model) {
  case ContractModel::subscription: return "subscription";
  case ContractModel::on_demand: return "on_demand";
  case ContractModel::hour_bank: return "hour_bank";
  }
  return "?";
}

std::string_view to_string(Lang lang) { return lang == Lang::fr ? "fr" : "en"; }

std::string_view to_string(Criticality criticality) {
  switch (criticality) {
  case Criticality::critical: return "critical";
  case Criticality::major: return "major";
  case Criticality::minor: return "minor";
  }
  return "?";
}

std::string_view to_string(BackupMethod method) {
  switch (method) {
  case BackupMethod::ssh: return "ssh";
  case BackupMethod::http: return "http";
  case BackupMethod::custom: return "custom";
  }
  return "?";
}

} // namespace tma::inventory
