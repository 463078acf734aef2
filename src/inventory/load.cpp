#include <tma/inventory/load.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "inventory/sections.hpp"

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

} // namespace

tl::expected<Loaded, std::vector<Diagnostic>> load_inventory_text(const std::string& text, const std::string& path,
                                                                  const EnvLookup& env) {
  detail::LoadContext ctx{path, env, {}, {}};
  YAML::Node root;
  try {
    root = YAML::Load(text);
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

    detail::KnownNames known;
    for (const auto& c : inv.clients) known.clients.insert(c.id);
    for (const auto& [name, target] : inv.storage) known.storage.insert(name);
    if (auto n = top.get("sites"); n.IsDefined()) inv.sites = detail::read_sites(ctx, n, defaults, known);
    else ctx.error(root, "sites", "required key is missing");
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
  std::ostringstream text;
  text << in.rdbuf();
  return load_inventory_text(text.str(), path, env);
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
