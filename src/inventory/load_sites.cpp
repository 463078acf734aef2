// `sites:` and their environments, with `defaults:` merged in.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include <tma/core/text.hpp>

#include "inventory/sections.hpp"
#include "inventory/shapes.hpp"

namespace tma::inventory::detail {
namespace {

const std::vector<std::string> k_binaries = {"wp", "drush", "php", "composer"};

// Environment order users expect in listings: prod, then preprod, then the rest by name.
int env_rank(const std::string& name) { return name == "prod" ? 0 : name == "preprod" ? 1 : 2; }

Environment read_environment(LoadContext& ctx, const Entry& entry, const std::string& key, const Site& site,
                             const SshTarget& site_ssh, const Defaults& defaults) {
  Environment env;
  env.name = entry.name;
  env.mark = ctx.mark(entry.key_node);
  env.http = defaults.http;
  env.command_timeout = defaults.command_timeout;
  MapReader map(ctx, entry.value, key);
  if (!map.ok()) return env;

  if (auto v = map.string("url", true)) {
    if (!is_http_url(*v)) {
      ctx.error(map.get("url"), map.sub("url"),
                fmt::format("'{}' is not an http:// or https:// URL (a host is required, no spaces)", *v));
    }
    env.url = *v;
  }
  auto transport = map.choice("transport", {"ssh", "local"});
  if (transport && *transport == "local") env.local = true;
  if (auto ssh_node = map.get("ssh"); ssh_node.IsDefined()) {
    SshTarget ssh = site_ssh;
    if (ssh_node.IsMap()) {
      MapReader ssh_map(ctx, ssh_node, map.sub("ssh"));
      if (auto target = ssh_map.string("target", true)) parse_ssh_target(ctx, ssh_map.get("target"), ssh_map.sub("target"), *target, ssh);
      read_ssh_settings(ssh_map, ssh);
      ssh_map.finish();
    } else if (auto text = read_string(ctx, ssh_node, map.sub("ssh"))) {
      parse_ssh_target(ctx, ssh_node, map.sub("ssh"), *text, ssh);
    }
    if (env.local) ctx.error(ssh_node, map.sub("ssh"), "give either 'ssh' or 'transport: local', not both");
    env.ssh = ssh;
  } else if (transport && *transport == "ssh") {
    ctx.error(entry.value, map.sub("ssh"), "transport ssh needs an 'ssh: user@host:port' target");
  }
  if (auto v = map.string("path")) {
    if (v->empty() || (*v)[0] == '-') ctx.error(map.get("path"), map.sub("path"), "the path must not be empty or start with '-'");
    env.path = *v;
  }
  for (const auto& tool : k_binaries) {
    if (auto v = map.string(tool)) {
      if (v->empty() || (*v)[0] == '-') ctx.error(map.get(tool), map.sub(tool), "a program path must not be empty or start with '-'");
      env.binaries[tool] = *v;
    }
  }
  if (auto n = map.get("http"); n.IsDefined()) read_http_settings(ctx, n, map.sub("http"), env.http);
  if (auto v = map.duration("command_timeout", k_command_timeout_bounds)) env.command_timeout = *v;
  auto database_node = map.get("database");
  if (database_node.IsDefined()) env.database = read_database_dump(ctx, database_node, map.sub("database"));
  map.finish();

  const bool runs_commands = env.ssh || env.local;
  if (runs_commands && env.path.empty() && site.cms != Cms::static_site) {
    ctx.error(entry.value, map.sub("path"), "an environment reached over ssh or locally needs the site's 'path'");
  }
  if (env.database && !runs_commands) {
    ctx.error(database_node, map.sub("database"),
              "the database is dumped and restored over the environment's ssh or transport: local, and it has neither");
  }
  return env;
}

// Which database an environment's plain dump reaches. One on the environment's own server (no
// host, or a loopback one) is told apart by that server; one on a network host by that host.
std::string database_location(const Environment& env, const DatabaseDump& db) {
  const bool on_server = db.host.empty() || db.host == "localhost" || db.host == "127.0.0.1" || db.host == "::1";
  const int port = db.port == 0 ? 3306 : db.port;
  if (!on_server) return fmt::format("{}:{}/{}", core::lower_ascii(db.host), port, db.name);
  const std::string server = env.local ? "local" : fmt::format("{}:{}", env.ssh->host, env.ssh->port.value_or(22));
  return fmt::format("{} {}/{}", server, port, db.name);
}

// Two environments whose plain dumps reach one database: a restore into either overwrites the
// other's data, which nobody means for preprod and prod. Usually one `backup.database` map that
// every environment inherits.
void warn_shared_databases(LoadContext& ctx, const Site& site, const std::map<std::string, YAML::Node>& env_nodes,
                           const std::string& envs_key) {
  std::map<std::string, std::string> first_env_at; // location -> the first environment dumping it
  for (const auto& env : site.environments) {
    const auto* db = site.plain_dump(env);
    if (!db || !(env.ssh || env.local)) continue;
    auto [it, inserted] = first_env_at.emplace(database_location(env, *db), env.name);
    if (inserted) continue;
    ctx.warn(env_nodes.at(env.name), join_key(envs_key, env.name),
             fmt::format("environments '{0}' and '{1}' dump the same database '{2}': a restore into '{1}' overwrites "
                         "the data of '{0}'; give each environment its own 'database'",
                         it->second, env.name, db->name));
  }
}

} // namespace

std::vector<Site> read_sites(LoadContext& ctx, const YAML::Node& node, const Defaults& defaults,
                             const KnownNames& known) {
  std::vector<Site> out;
  std::vector<std::string> client_ids(known.clients.begin(), known.clients.end());
  for (const auto& entry : named_entries(ctx, node, "sites")) {
    auto key = join_key("sites", entry.name);
    if (!check_name(ctx, entry.key_node, key, entry.name)) continue;
    MapReader map(ctx, entry.value, key);
    if (!map.ok()) continue;
    Site site;
    site.name = entry.name;
    site.mark = ctx.mark(entry.key_node);
    site.backup = defaults.backup;
    site.updates = defaults.updates;
    site.health = defaults.health;
    site.check = defaults.check;

    if (auto v = map.string("client", true)) {
      if (!known.clients.count(*v)) {
        auto message = fmt::format("unknown client '{}'", *v);
        if (auto hint = core::suggest(*v, client_ids)) message += fmt::format(" (did you mean '{}'?)", *hint);
        ctx.error(map.get("client"), map.sub("client"), message);
      }
      site.client = *v;
    }
    if (auto v = map.choice("cms", {"wordpress", "drupal", "composer", "static"})) {
      site.cms = *v == "wordpress" ? Cms::wordpress : *v == "drupal" ? Cms::drupal : *v == "composer" ? Cms::composer : Cms::static_site;
    } else if (!map.has("cms")) {
      ctx.error(entry.value, map.sub("cms"), "required key is missing (wordpress, drupal, composer or static)");
    }
    if (auto v = map.strings("tags")) {
      for (const auto& tag : *v) check_name(ctx, map.get("tags"), map.sub("tags"), tag);
      site.tags = *v;
    }
    if (auto v = map.choice("criticality", {"critical", "major", "minor"})) {
      site.criticality = *v == "critical" ? Criticality::critical : *v == "major" ? Criticality::major : Criticality::minor;
    }
    SshTarget site_ssh = defaults.ssh;
    if (auto n = map.get("ssh"); n.IsDefined()) {
      MapReader ssh_map(ctx, n, map.sub("ssh"));
      read_ssh_settings(ssh_map, site_ssh);
      ssh_map.finish();
    }
    if (auto n = map.get("backup"); n.IsDefined()) read_backup_policy(ctx, n, map.sub("backup"), site.backup);
    if (auto n = map.get("updates"); n.IsDefined()) read_update_policy(ctx, n, map.sub("updates"), site.updates);
    if (auto n = map.get("health"); n.IsDefined()) read_health_policy(ctx, n, map.sub("health"), site.health);
    if (auto n = map.get("check"); n.IsDefined()) read_check_policy(ctx, n, map.sub("check"), site.check);
    if (auto n = map.get("perf"); n.IsDefined()) read_perf_policy(ctx, n, map.sub("perf"), site.perf);
    if (auto n = map.get("visual"); n.IsDefined()) site.visual = read_visual_policy(ctx, n, map.sub("visual"));
    if (auto v = map.strings("plugins")) site.plugins = *v;
    if (auto v = map.string("domain")) {
      if (*v == "none") {
        site.domain_none = true;
      } else if (!core::is_domain_name(*v)) {
        ctx.error(map.get("domain"), map.sub("domain"),
                  fmt::format("'{}' is not a domain name (letters, digits and '-' in dot-separated labels, at least two "
                              "labels) or 'none'", *v));
      } else {
        site.domain = core::lower_ascii(*v);
      }
    }
    // `preprod: none`: no preprod on purpose. It only silences the warning below; `tma update`
    // still needs --skip-preprod for such a site, as for any site without preprod.
    const bool no_preprod_on_purpose = map.choice("preprod", {"none"}).has_value();
    if (auto checks = map.get("checks"); checks.IsDefined()) {
      if (!checks.IsSequence()) ctx.error(checks, map.sub("checks"), "expected a list of checks");
      for (std::size_t i = 0; checks.IsSequence() && i < checks.size(); ++i) {
        MapReader c(ctx, checks[i], fmt::format("{}[{}]", map.sub("checks"), i));
        SmokeCheck check;
        check.mark = ctx.mark(checks[i]);
        if (auto v = c.string("path")) {
          if (v->empty() || (*v)[0] != '/') ctx.error(c.get("path"), c.sub("path"), "a check path must start with '/'");
          check.path = *v;
        }
        if (auto v = c.integer("expect_status", 100, 599)) check.expect_status = *v;
        if (auto v = c.string("expect_text")) check.expect_text = *v;
        if (auto v = c.duration("max_time", k_request_timeout_bounds)) check.max_time = *v;
        c.finish();
        site.checks.push_back(check);
      }
    }

    auto envs_node = map.get("environments");
    if (!envs_node.IsDefined()) {
      ctx.error(entry.value, map.sub("environments"), "required key is missing (at least 'prod')");
    } else {
      std::map<std::string, YAML::Node> env_nodes;
      for (const auto& env_entry : named_entries(ctx, envs_node, map.sub("environments"))) {
        auto env_key = join_key(map.sub("environments"), env_entry.name);
        if (!check_name(ctx, env_entry.key_node, env_key, env_entry.name)) continue;
        site.environments.push_back(read_environment(ctx, env_entry, env_key, site, site_ssh, defaults));
        env_nodes[env_entry.name] = env_entry.key_node;
      }
      if (envs_node.IsMap() && !site.env("prod")) {
        ctx.error(envs_node, map.sub("environments"), "a site needs a 'prod' environment");
      }
      std::sort(site.environments.begin(), site.environments.end(), [](const Environment& a, const Environment& b) {
        return std::make_pair(env_rank(a.name), a.name) < std::make_pair(env_rank(b.name), b.name);
      });
      warn_shared_databases(ctx, site, env_nodes, map.sub("environments"));
    }
    if (no_preprod_on_purpose && site.env("preprod")) {
      ctx.error(map.get("preprod"), map.sub("preprod"), "'preprod: none' but the site has a 'preprod' environment");
    }
    map.finish();

    // Cross-checks that need the whole site.
    for (const auto& storage : site.backup.storage) {
      if (!known.storage.count(storage)) {
        ctx.error(map.get("backup").IsDefined() ? map.get("backup") : entry.value, map.sub("backup.storage"),
                  fmt::format("unknown storage '{}'", storage));
      }
    }
    const bool any_shell = std::any_of(site.environments.begin(), site.environments.end(),
                                       [](const Environment& e) { return e.ssh || e.local; });
    if (site.backup.method == BackupMethod::ssh && !any_shell && !site.environments.empty()) {
      if (map.get("backup").IsDefined()) {
        ctx.error(map.get("backup"), map.sub("backup.method"), "backup method ssh needs an environment with ssh or transport: local");
      } else {
        ctx.warn(entry.key_node, key, "no environment is reachable over ssh: backups need 'backup: {method: http|custom}'");
      }
    }
    if (site.backup.method == BackupMethod::http && !site.backup.trigger) {
      ctx.error(map.get("backup"), map.sub("backup.trigger"), "backup method http needs a trigger");
    }
    if (site.backup.method == BackupMethod::custom && site.backup.commands.empty()) {
      ctx.error(map.get("backup"), map.sub("backup.commands"), "backup method custom needs commands");
    }
    if (!site.backup.configured) ctx.warn(entry.key_node, key, "no backup policy (set defaults.backup or backup:)");
    if (site.cms != Cms::static_site && !site.env("preprod") && site.env("prod") && any_shell && !no_preprod_on_purpose) {
      ctx.warn(entry.key_node, key,
               "no preprod environment: 'tma update' will need --skip-preprod (say 'preprod: none' if on purpose)");
    }
    out.push_back(std::move(site));
  }
  std::sort(out.begin(), out.end(), [](const Site& a, const Site& b) { return a.name < b.name; });
  return out;
}

} // namespace tma::inventory::detail
