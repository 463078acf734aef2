#pragma once
// `${VAR}` expansion in inventory values.

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include <tma/inventory/load.hpp>

namespace tma::inventory {

struct Interpolated {
  std::string value;
  std::vector<std::string> expansions; ///< the values substituted from the environment (secrets)
};

/// Expand `${VAR}` (undefined is an error), `${VAR:-default}` (default when unset or empty) and
/// `$${` (a literal `${`) in `text`. A `$` not followed by `{` is kept as is. Errors name the variable.
tl::expected<Interpolated, std::string> interpolate(std::string_view text, const EnvLookup& env);

} // namespace tma::inventory
