#pragma once
// The selection flags every command shares: --site (repeatable, globs), --client, --tag, --all, --env.

#include <optional>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>

namespace tma::inventory {

struct Selection {
  std::vector<std::string> sites;   ///< names or globs; OR-ed
  std::vector<std::string> clients; ///< client ids; OR-ed
  std::vector<std::string> tags;    ///< OR-ed
  bool all = false;
  std::optional<std::string> env;   ///< restrict to one environment name
  bool any() const { return all || !sites.empty() || !clients.empty() || !tags.empty(); }
};

/// Whether an empty selection means "every site" (listing commands) or is an error (commands that act).
enum class EmptySelection { all_sites, error };

/// One site in one environment: the unit of work for the runner.
struct Target {
  const Site* site = nullptr;
  const Environment* env = nullptr;
};

/// Sites matching `selection`, sorted by name. Site, client and tag filters combine with AND between
/// kinds and OR within a kind. A name without glob that matches nothing is an error with a
/// "did you mean" suggestion; so is an unknown client or tag.
core::Result<std::vector<const Site*>> select_sites(const Inventory& inventory, const Selection& selection,
                                                    EmptySelection empty);

/// The (site, env) pairs for `sites`: only `selection.env` if given (sites without that env are
/// skipped), otherwise every environment of each site. An env that no selected site has is an error.
core::Result<std::vector<Target>> select_targets(const std::vector<const Site*>& sites, const Selection& selection);

} // namespace tma::inventory
