#pragma once
// The update plan: which components of a site to update and to which EXACT version. Pure logic, no
// I/O: built from what the check found on prod (cms::Component list, and findings when
// `--security-only` asks for them), the site's `updates:` policy (exclude, pin) and the command-line
// narrowing (`--only`, `--security-only`, `--minor` / `--patch`). The pipeline applies exactly the
// targets named here; it never asks the CMS tool for "latest".

#include <tma/check/finding.hpp>
#include <tma/core/timezone.hpp>
#include <tma/version/version.hpp>
#include <tma/cms/component.hpp>
#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tma::update {

/// How far a step may move a component: `--minor` forbids major jumps, `--patch` allows only patches.
enum class Limit { none, minor, patch };

/// A component named on the command line: `core`, `plugin:akismet`, `theme:astra`,
/// `package:vendor/name`.
struct ComponentRef {
  cms::ComponentKind kind = cms::ComponentKind::plugin;
  std::string name; ///< empty for `core` (matches whatever the core is called)
  bool operator==(const ComponentRef&) const = default;
};

/// Parse a comma-separated `--only` value. Errors (kind usage) name the bad token.
core::Result<std::vector<ComponentRef>> parse_only(std::string_view text);

/// The key a component goes by in `--only`, `updates.exclude` and `updates.pin`: `core`, `plugin:x`,
/// `theme:x`, `package:vendor/x`.
std::string component_key(cms::ComponentKind kind, std::string_view name);

struct PlanOptions {
  std::vector<ComponentRef> only; ///< empty: every component
  bool security_only = false;
  Limit limit = Limit::none;
};

/// Everything the plan is made from. `findings` is absent when no vulnerability data could be
/// consulted; `--security-only` then fails instead of planning nothing.
struct PlanInput {
  std::string site;
  std::string env = "prod";
  version::Scheme scheme = version::Scheme::php;
  std::vector<cms::Component> components;
  std::optional<std::vector<check::Finding>> findings;
  /// Versions the update server offers per component key besides `latest` (WordPress core lists
  /// each branch's newest release). Lets a pin or a limit pick an exact older target.
  std::map<std::string, std::vector<std::string>> offers;
  inventory::UpdatePolicy policy;
  PlanOptions options;
  /// The run's clock and the agency's zone, for `updates.min_release_age` (a target released less long
  /// ago is held; check/release_age.hpp).
  core::SysSeconds now{};
  core::TimeZone zone = core::TimeZone::utc();
};

/// One update to perform.
struct Step {
  cms::ComponentKind kind = cms::ComponentKind::plugin;
  std::string name;
  std::string installed;
  std::string target;   ///< exact version to install
  std::string latest;   ///< newest offered (differs from target when a pin or limit capped it)
  bool security = false; ///< target fixes a known vulnerability
  std::string note;     ///< why target != latest, when it differs
  /// `updates.min_release_age` set: why the target is not held (`released 12 days ago`, `release date
  /// unknown: not held`, `fixes a known vulnerability: not held`); "" without a minimum age.
  std::string release_age;
  /// Set when preprod's pages changed with this step (the comparison's report): prod waits for
  /// `tma update --promote --accept-visual` (docs/visual.md).
  std::string visual_report;
};

/// A component with an update that the plan leaves alone, and why.
struct Skip {
  cms::ComponentKind kind = cms::ComponentKind::plugin;
  std::string name;
  std::string installed;
  std::string latest;
  std::string reason;
  std::string held_until; ///< held by `updates.min_release_age`: the day the target becomes eligible, else ""
};

struct Plan {
  std::string site;
  std::string env;
  std::vector<Step> steps;   ///< core first, then plugins, themes, packages; by name
  std::vector<Skip> skipped; ///< same order
  std::string note;          ///< about the whole site ("no maintenance mode..."), empty when none
};

/// Build the plan. Only components whose update state is `available` or `unavailable` are considered
/// (the latter always skipped with the tool's reason). Rules, in order: `--only` (a named component
/// that is not installed is an error), `updates.exclude` (glob on the key or the bare name),
/// `--security-only` (needs a security finding; the target must reach its `fixed_in`), then the
/// target: the highest offered version newer than installed that matches the pin pattern (glob,
/// `6.4.*`) and the limit. No such version: skipped with the reason. Last, `updates.min_release_age`:
/// a target released less long ago than that is skipped as held (`held: released 1 day ago, eligible
/// on ...`) unless it fixes a known vulnerability; an undated target is not held.
core::Result<Plan> make_plan(const PlanInput& input);

/// `none|minor|patch`.
std::string_view to_string(Limit limit);

/// Table of steps then skipped components (`tma update --dry-run`).
std::string render_plan_table(const Plan& plan, bool colour);

/// `{site, env, steps:[{component, kind, name, installed, target, latest, security, note, release_age}],
/// skipped:[{component, kind, name, installed, latest, reason, held_until}]}` (`held_until`: null unless held).
nlohmann::json plan_to_json(const Plan& plan);

} // namespace tma::update
