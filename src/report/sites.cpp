#include <tma/report/sites.hpp>

#include <fmt/format.h>

#include <tma/core/text.hpp>

namespace tma::report {

std::string describe_transport(const inventory::Environment& env) {
  if (env.local) return "local";
  if (!env.ssh) return "http only";
  const auto& ssh = *env.ssh;
  auto host = ssh.host.find(':') != std::string::npos ? "[" + ssh.host + "]" : ssh.host;
  auto who = (ssh.user.empty() ? "" : ssh.user + "@") + host;
  return ssh.port ? fmt::format("{}:{}", who, *ssh.port) : who;
}

namespace {

std::string env_names(const inventory::Site& site) {
  std::vector<std::string> names;
  for (const auto& env : site.environments) names.push_back(env.name);
  return core::join(names, ",");
}

std::string backup_column(const inventory::Site& site) {
  if (!site.backup.configured) return "-";
  return fmt::format("{} ({})", site.backup.schedule.text(), inventory::to_string(site.backup.method));
}

} // namespace

Table sites_table(const std::vector<const inventory::Site*>& sites) {
  Table table({"SITE", "CLIENT", "CMS", "ENVS", "TAGS", "BACKUP", "UPDATES"});
  for (const auto* site : sites) {
    table.add_row({Cell(site->name, Style::bold), site->client, std::string(inventory::to_string(site->cms)),
                   env_names(*site), core::join(site->tags, ","),
                   Cell(backup_column(*site), site->backup.configured ? Style::plain : Style::warn),
                   site->updates.configured ? site->updates.schedule.text() : "-"});
  }
  return table;
}

Table environments_table(const std::vector<const inventory::Site*>& sites) {
  Table table({"SITE", "ENV", "TRANSPORT", "PATH", "URL"});
  for (const auto* site : sites) {
    for (const auto& env : site->environments) {
      table.add_row({site->name, env.name, describe_transport(env), env.path.empty() ? "-" : env.path, env.url});
    }
  }
  return table;
}

nlohmann::json sites_json(const std::vector<const inventory::Site*>& sites) {
  auto list = nlohmann::json::array();
  for (const auto* site : sites) {
    auto envs = nlohmann::json::array();
    for (const auto& env : site->environments) {
      nlohmann::json e = {{"name", env.name}, {"url", env.url}};
      if (env.local) e["transport"] = "local";
      else if (env.ssh) {
        e["transport"] = "ssh";
        e["ssh"] = {{"user", env.ssh->user}, {"host", env.ssh->host}, {"port", env.ssh->port ? nlohmann::json(*env.ssh->port) : nlohmann::json(nullptr)}};
      } else e["transport"] = "http";
      e["path"] = env.path.empty() ? nlohmann::json(nullptr) : nlohmann::json(env.path);
      envs.push_back(e);
    }
    nlohmann::json backup = nullptr;
    if (site->backup.configured) {
      backup = {{"schedule", site->backup.schedule.text()},
                {"method", inventory::to_string(site->backup.method)},
                {"storage", site->backup.storage}};
    }
    nlohmann::json updates = nullptr;
    if (site->updates.configured) {
      updates = {{"schedule", site->updates.schedule.text()}, {"exclude", site->updates.exclude}, {"pin", site->updates.pin}};
    }
    list.push_back({{"site", site->name},
                    {"client", site->client},
                    {"cms", inventory::to_string(site->cms)},
                    {"criticality", inventory::to_string(site->criticality)},
                    {"tags", site->tags},
                    {"environments", envs},
                    {"backup", backup},
                    {"updates", updates}});
  }
  return envelope(k_sites_schema, {{"sites", list}});
}

InventoryCounts count(const inventory::Inventory& inventory) {
  InventoryCounts counts;
  counts.clients = inventory.clients.size();
  counts.sites = inventory.sites.size();
  for (const auto& site : inventory.sites) counts.environments += site.environments.size();
  return counts;
}

nlohmann::json inventory_check_json(const std::string& path, const InventoryCounts* counts,
                                    const std::vector<inventory::Diagnostic>& warnings,
                                    const std::vector<inventory::Diagnostic>& errors) {
  auto list = [](const std::vector<inventory::Diagnostic>& diagnostics) {
    auto out = nlohmann::json::array();
    for (const auto& d : diagnostics) {
      out.push_back({{"file", d.mark.file}, {"line", d.mark.line}, {"column", d.mark.column},
                     {"key", d.key}, {"message", d.message}});
    }
    return out;
  };
  nlohmann::json payload = {{"path", path}, {"valid", errors.empty()}, {"warnings", list(warnings)}, {"errors", list(errors)}};
  if (counts) {
    payload["clients"] = counts->clients;
    payload["sites"] = counts->sites;
    payload["environments"] = counts->environments;
  }
  return envelope(k_sites_schema, payload);
}

} // namespace tma::report
