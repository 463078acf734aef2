#include <tma/transport/secret.hpp>

#include <set>
#include <tuple>

#include <fmt/format.h>

#include <tma/core/redact.hpp>
#include <tma/core/text.hpp>
#include <tma/transport/process.hpp>

namespace tma::transport {

core::Result<std::string> resolve_secret(const inventory::Secret& secret, const std::string& key) {
  if (secret.command.empty()) return secret.value;
  auto where = fmt::format("{}:{}:{}: {}_command", secret.mark.file, secret.mark.line, secret.mark.column, key);
  auto captured = capture(secret.command, Milliseconds{30000}, 64 * 1024);
  if (!captured) {
    return core::fail(core::ErrorKind::config, core::redact(fmt::format("{}: {}", where, captured.error().message)));
  }
  std::string value = captured->out;
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (core::trim(value).empty()) {
    return core::fail(core::ErrorKind::config, fmt::format("{}: '{}' printed nothing", where, secret.command[0]));
  }
  core::register_secret(value);
  return value;
}

std::vector<NamedSecret> inventory_secrets(const inventory::Inventory& inventory) {
  std::vector<NamedSecret> out;
  // A secret of `defaults:` is copied into every site: listed once, where the file gives it.
  std::set<std::tuple<std::string, int, int>> seen;
  auto add = [&](std::string key, const inventory::Secret& secret) {
    if (secret.empty() || !seen.emplace(secret.mark.file, secret.mark.line, secret.mark.column).second) return;
    out.push_back(NamedSecret{std::move(key), &secret});
  };
  for (const auto& [name, storage] : inventory.storage) add("storage." + name + ".password", storage.password);
  add("sources.vulnerabilities.api_key", inventory.sources.vulnerabilities_api_key);
  for (const auto& channel : inventory.notify.channels) {
    auto prefix = "notify.channels." + channel.name + ".";
    add(prefix + "url", channel.url);
    add(prefix + "secret", channel.secret);
    add(prefix + "password", channel.password);
  }
  for (const auto& connector : inventory.connectors) {
    const char* secret_key = connector.type == "jira" ? ".api_token" : connector.type == "trello" ? ".token" : ".api_key";
    add("connectors." + connector.name + secret_key, connector.api_key);
    if (connector.type == "trello") add("connectors." + connector.name + ".key", connector.trello_key);
  }
  for (const auto& site : inventory.sites) {
    if (site.backup.database_dump) add("sites." + site.name + ".backup.database.password", site.backup.database_dump->password);
    for (const auto& env : site.environments) {
      if (env.database) add("sites." + site.name + ".environments." + env.name + ".database.password", env.database->password);
    }
    if (!site.backup.trigger) continue;
    for (const auto& [header, value] : site.backup.trigger->headers) {
      add("sites." + site.name + ".backup.trigger.headers." + header, value);
    }
  }
  return out;
}

} // namespace tma::transport

namespace tma::transport {

SecretCheck check_secret_commands(const inventory::Inventory& inventory) {
  SecretCheck check;
  for (const auto& named : inventory_secrets(inventory)) {
    if (named.secret->command.empty()) continue;
    ++check.ran;
    auto value = resolve_secret(*named.secret, named.key);
    if (!value) check.errors.push_back(value.error().message);
  }
  return check;
}

} // namespace tma::transport
