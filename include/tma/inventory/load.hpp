#pragma once
// Loading and validating sites.yaml. Every problem in a file is collected and reported together,
// each naming file:line:column and the key path (`sites.acme-www.environments.prod.url`).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include <tma/inventory/model.hpp>

namespace tma::inventory {

/// One problem found in the inventory.
struct Diagnostic {
  Mark mark;
  std::string key;     ///< dotted key path, empty for document-level problems
  std::string message;
  /// `sites.yaml:14:5: sites.acme.url: message`
  std::string str() const;
};

struct Loaded {
  Inventory inventory;
  std::vector<Diagnostic> warnings; ///< not fatal: a site with no backup policy, a short secret...
};

/// Looks up an environment variable; injectable so tests need not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment.
std::optional<std::string> process_env(const std::string& name);

/// The largest inventory tma reads (8 MiB, some 25,000 sites): a bigger file is refused with a clear
/// error rather than parsed into gigabytes of YAML nodes.
inline constexpr std::size_t k_max_inventory_bytes = std::size_t{8} << 20;

/// Load `path`. On failure returns every error found (sorted by position), never a partial inventory.
/// Values expanded from `${VAR}` are registered as secrets for redaction.
tl::expected<Loaded, std::vector<Diagnostic>> load_inventory(const std::string& path,
                                                             const EnvLookup& env = process_env);

/// The same from text already in memory; `path` is used only in messages and to resolve relative paths.
tl::expected<Loaded, std::vector<Diagnostic>> load_inventory_text(const std::string& text, const std::string& path,
                                                                  const EnvLookup& env = process_env);

/// Where the inventory is: `explicit_path` if given, else `$TMA_INVENTORY`, else `./sites.yaml`.
std::string inventory_path(const std::optional<std::string>& explicit_path);

} // namespace tma::inventory
