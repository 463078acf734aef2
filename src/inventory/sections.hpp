#pragma once
// The loader's sections, one function per part of sites.yaml (see docs/inventory.md).

#include <set>
#include <string>
#include <vector>

#include <tma/inventory/model.hpp>

#include "inventory/yaml_reader.hpp"

namespace tma::inventory::detail {

/// `defaults:`: merged into every site and environment unless overridden.
struct Defaults {
  SshTarget ssh;
  HttpSettings http;
  BackupPolicy backup;
  UpdatePolicy updates;
  HealthPolicy health;
  CheckPolicy check;
  core::Seconds command_timeout{1800};
};

/// Names defined elsewhere in the file that sites may refer to.
struct KnownNames {
  std::set<std::string> clients;
  std::set<std::string> storage;
};

Agency read_agency(LoadContext& ctx, const YAML::Node& node);
Defaults read_defaults(LoadContext& ctx, const YAML::Node& node);
std::map<std::string, StorageTarget> read_storage(LoadContext& ctx, const YAML::Node& node);
Sources read_sources(LoadContext& ctx, const YAML::Node& node);
JournalSettings read_journal(LoadContext& ctx, const YAML::Node& node);
Notify read_notify(LoadContext& ctx, const YAML::Node& node);
std::vector<Client> read_clients(LoadContext& ctx, const YAML::Node& node);
/// `connectors:`, after clients and sites (`inv` has them).
std::vector<Connector> read_connectors(LoadContext& ctx, const YAML::Node& node, const Inventory& inv);
std::vector<Site> read_sites(LoadContext& ctx, const YAML::Node& node, const Defaults& defaults,
                             const KnownNames& known);

/// `[{name, email}]`, emails checked.
std::vector<Contact> read_contacts(LoadContext& ctx, const YAML::Node& node, const std::string& key);

/// Shared readers, used both for `defaults:` and per site/environment overrides.
void read_ssh_settings(MapReader& map, SshTarget& ssh);
void read_http_settings(LoadContext& ctx, const YAML::Node& node, const std::string& key, HttpSettings& http);
void read_backup_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key, BackupPolicy& backup);
/// `{tool, host, port, user, password | password_command, name}`: `backup.database` as a map, or an
/// environment's own `database`.
DatabaseDump read_database_dump(LoadContext& ctx, const YAML::Node& node, const std::string& key);
/// `map.<name>` parsed as a schedule (an error names file:line:col); nullopt when absent or bad.
std::optional<core::Schedule> read_schedule_key(MapReader& map, const std::string& name);
void read_check_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key, CheckPolicy& check);
void read_update_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key, UpdatePolicy& updates);
void read_health_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key, HealthPolicy& health);
void read_perf_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key, PerfPolicy& perf);
/// `visual:` of a site (load_visual.cpp); its defaults where a key is absent.
VisualPolicy read_visual_policy(LoadContext& ctx, const YAML::Node& node, const std::string& key);

/// Whether `url` is `<scheme>://<host>...` for one of `schemes`, without spaces or control characters;
/// an error naming the accepted schemes is recorded against `node` otherwise.
bool check_url(LoadContext& ctx, const YAML::Node& node, const std::string& key, const std::string& url,
               const std::vector<std::string>& schemes = {"http", "https"});

/// Parse `[user@]host[:port]` (IPv6 as `[addr]`) into `ssh`; errors recorded against `node`.
bool parse_ssh_target(LoadContext& ctx, const YAML::Node& node, const std::string& key, const std::string& text,
                      SshTarget& ssh);

} // namespace tma::inventory::detail
