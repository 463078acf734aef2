#pragma once
// Composer version constraints as they appear in advisories' `affectedVersions`
// (`>=2.0.0,<2.3.4|<1.9.9`): enough of Composer's syntax to decide "affected" and "fixed in".

#include <string>
#include <string_view>

#include <tma/core/error.hpp>

namespace tma::version {

/// True when `version` satisfies the Composer constraint `constraint` (`|`/`||` = or, `,` or space =
/// and, operators `>= > <= < == = !=`, bare versions equal). Unsupported syntax gives an error.
core::Result<bool> composer_constraint_matches(std::string_view constraint, std::string_view version);

/// The version that leaves the matching OR-branch of `constraint` (its `<X` bound), "" when that
/// branch has no upper bound or `installed` matches no branch.
std::string composer_fix_from_constraint(std::string_view constraint, std::string_view installed);

} // namespace tma::version
