#pragma once
// The decisions of `tma update` that are not wiring: whether a run only plans, asks, or applies;
// which sites a confirmed plan keeps; and how the sites' outcomes fold into one exit code. Pure
// functions, unit-tested without the binary (tests/unit/test_update_policy.cpp).

#include <map>
#include <string>
#include <vector>

#include <tma/inventory/model.hpp>
#include <tma/update/run_update.hpp>

namespace tma::update {

/// What an invocation does with its plan.
enum class ApplyMode {
  plan_only, ///< `--dry-run`, or stdin is not a terminal and `--yes` is absent: print, change nothing
  confirm,   ///< a terminal and no `--yes`: print the plan, apply what the user confirms
  apply,     ///< `--yes`: plan and apply without asking
};

ApplyMode apply_mode(bool dry_run, bool yes, bool stdin_is_terminal);

/// Exit bits of sites that could not be planned: unreachable (timeout included) -> 4, else 2.
int plan_exit_bits(const std::vector<SitePlan>& plans);

/// True when some plan has a step to apply.
bool any_step(const std::vector<SitePlan>& plans);

/// The confirmed plans by site, and the sites (in `sites` order) that have one; `plans[i]` is the
/// plan of `sites[i]`.
struct Approved {
  std::map<std::string, Plan> plans;
  std::vector<const inventory::Site*> sites;
};
Approved approve(const std::vector<const inventory::Site*>& sites, const std::vector<SitePlan>& plans);

/// How an apply run ends: 75 (locked) when every site that was not planned away was locked by
/// another tma and nothing else failed; otherwise the sites' bits (`exit_bits`) or-ed with
/// `plan_bits`, a locked site counting as failed (2). `locked` lists the lock holders' messages.
struct RunExit {
  int code = 0;
  std::vector<std::string> locked;
  bool all_locked() const;
};
RunExit fold_exit(const std::vector<SiteRun>& runs, int plan_bits);

} // namespace tma::update
