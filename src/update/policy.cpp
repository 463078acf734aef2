#include <tma/update/policy.hpp>

#include <tma/core/exit_code.hpp>

namespace tma::update {

ApplyMode apply_mode(bool dry_run, bool yes, bool stdin_is_terminal) {
  if (dry_run || (!yes && !stdin_is_terminal)) return ApplyMode::plan_only;
  return yes ? ApplyMode::apply : ApplyMode::confirm;
}

int plan_exit_bits(const std::vector<SitePlan>& plans) {
  int bits = 0;
  for (const auto& p : plans) {
    if (!p.error) continue;
    bool unreachable = p.error->kind == core::ErrorKind::unreachable || p.error->kind == core::ErrorKind::timeout;
    bits |= unreachable ? core::exit_code::unreachable : core::exit_code::site_failed;
  }
  return bits;
}

bool any_step(const std::vector<SitePlan>& plans) {
  for (const auto& p : plans) {
    if (p.plan && !p.plan->steps.empty()) return true;
  }
  return false;
}

Approved approve(const std::vector<const inventory::Site*>& sites, const std::vector<SitePlan>& plans) {
  Approved approved;
  for (std::size_t i = 0; i < plans.size() && i < sites.size(); ++i) {
    if (!plans[i].plan) continue;
    approved.plans[plans[i].site] = *plans[i].plan;
    approved.sites.push_back(sites[i]);
  }
  return approved;
}

bool RunExit::all_locked() const { return code == core::exit_code::locked; }

RunExit fold_exit(const std::vector<SiteRun>& runs, int plan_bits) {
  RunExit out;
  int bits = plan_bits;
  bool other = false;
  for (const auto& r : runs) {
    if (r.error && r.error->kind == core::ErrorKind::locked) {
      out.locked.push_back(r.error->message);
      continue;
    }
    other = true;
    bits |= exit_bits(r);
  }
  out.code = bits;
  if (!out.locked.empty() && !other && plan_bits == 0) {
    out.code = core::exit_code::locked;
  } else if (!out.locked.empty()) {
    out.code |= core::exit_code::site_failed;
  }
  return out;
}

} // namespace tma::update
