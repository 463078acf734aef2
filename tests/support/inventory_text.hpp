#pragma once
// Inventories written in the test itself: a minimal valid one, loading a text as `sites.yaml` with a
// chosen environment, and the diagnostics of a text as the user sees them (`file:line:col: key: ...`).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tma/inventory/load.hpp>

namespace tma::test {

/// One client and one WordPress site with a prod over ssh: loads without error or warning to fix.
inline const std::string k_minimal_inventory = R"(clients:
  acme:
    contract: {model: on_demand, rate: 90}
sites:
  www:
    client: acme
    cms: wordpress
    environments:
      prod: {url: "https://acme.example", ssh: "deploy@web1:2222", path: /srv/www}
)";

/// An environment lookup that knows only `vars` (`${VAR}` expansion).
inline inventory::EnvLookup env_of(std::map<std::string, std::string> vars = {}) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

/// `text` loaded as `sites.yaml`.
inline tl::expected<inventory::Loaded, std::vector<inventory::Diagnostic>> load_text(
    const std::string& text, std::map<std::string, std::string> vars = {}) {
  return inventory::load_inventory_text(text, "sites.yaml", env_of(std::move(vars)));
}

/// The errors of loading `text`, each as printed (`sites.yaml:3:5: key: message`); empty when it loads.
inline std::vector<std::string> inventory_errors(const std::string& text, std::map<std::string, std::string> vars = {}) {
  auto result = load_text(text, std::move(vars));
  std::vector<std::string> out;
  if (!result) {
    for (const auto& d : result.error()) out.push_back(d.str());
  }
  return out;
}

} // namespace tma::test
