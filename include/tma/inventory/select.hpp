#pragma once
// The selection flags every command shares: --site (repeatable, globs), --client, --tag, --all, --env,
// --shard K/N.

#include <optional>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>

namespace tma::inventory {

/// `--shard K/N`: this runner takes the sites whose stable hash falls in shard K of N (1 <= K <= N).
struct Shard {
  int index = 1; ///< 1-based, as GitLab's CI_NODE_INDEX
  int count = 1;
};

/// Parse `K/N` (1 <= K <= N <= 1000); the message says what was expected.
tl::expected<Shard, std::string> parse_shard(std::string_view text);

/// The shard (1..count) of a site: FNV-1a 64 of its name, mixed by MurmurHash3's 64-bit finalizer,
/// modulo `count`, plus one. Stable across
/// versions and machines, so a site always lands on the same runner (docs/operations.md).
int shard_of(std::string_view site_name, int count);

struct Selection {
  std::vector<std::string> sites;   ///< names or globs; OR-ed
  std::vector<std::string> clients; ///< client ids; OR-ed
  std::vector<std::string> tags;    ///< OR-ed
  bool all = false;
  std::optional<std::string> env;   ///< restrict to one environment name
  std::optional<Shard> shard;       ///< applied after the other filters; a shard may be empty
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
/// "did you mean" suggestion; so is an unknown client or tag. With `--shard`, the sites outside the
/// shard are dropped last, and an empty result is not an error (a runner may have nothing to do).
core::Result<std::vector<const Site*>> select_sites(const Inventory& inventory, const Selection& selection,
                                                    EmptySelection empty);

/// The (site, env) pairs for `sites`: only `selection.env` if given (sites without that env are
/// skipped), otherwise every environment of each site. An env that no selected site has is an error.
core::Result<std::vector<Target>> select_targets(const std::vector<const Site*>& sites, const Selection& selection);

} // namespace tma::inventory
