#pragma once
// `updates.min_release_age` (issue 25): a cooling-off period for fresh releases, as Renovate's
// `minimumReleaseAge`. A version released more recently than the policy's minimum age is held, unless it
// fixes a known vulnerability of the installed version. Pure: the release dates come with the components
// (cms::Component::released), the clock and the zone from the caller.

#include <optional>
#include <string>
#include <vector>

#include <tma/check/finding.hpp>
#include <tma/core/timezone.hpp>
#include <tma/core/units.hpp>

namespace tma::check {

/// What the rule decided for one target version.
struct ReleaseAge {
  enum class State {
    no_policy, ///< min_release_age is 0: nothing to say
    eligible,  ///< released at least min_release_age ago
    held,      ///< released more recently: not updated yet
    unknown,   ///< no release date known: not held (tma does not hold what it cannot date)
    security,  ///< fixes a known vulnerability of the installed version: never held
  };
  State state = State::no_policy;
  long long age_days = 0;              ///< whole days since the release (known date only; 0 if in the future)
  std::optional<core::Date> eligible_on; ///< held and eligible: the local day the hold ends
  /// For people: `released 1 day ago, eligible on 2026-12-07`, `release date unknown: not held`,
  /// `fixes a known vulnerability: not held`, `released 12 days ago`; "" for no_policy.
  std::string note;
  bool held() const { return state == State::held; }
};

/// The rule. `released`: when the target version was released (nullopt: unknown); `min_age`: the policy
/// (0: no hold); `now`: the run's clock; `fixes_vulnerability`: the target fixes a known vulnerability of
/// the installed version; `zone`: the agency's, for the day the hold ends. A release exactly `min_age`
/// old is eligible.
ReleaseAge release_age(std::optional<core::SysSeconds> released, core::Seconds min_age, core::SysSeconds now,
                       bool fixes_vulnerability, const core::TimeZone& zone);

/// `tma check`: sets `release_age` and `held_until` on every `update` finding of `check` whose
/// component offers `latest`, when `min_age` is not 0. A security finding with a fixed version bypasses
/// the hold. The findings stay findings (they still count for `--fail-on`).
void apply_release_age(SiteCheck& check, core::Seconds min_age, core::SysSeconds now, const core::TimeZone& zone);

} // namespace tma::check
