// The cooling-off rule of `updates.min_release_age` and its application to a site's findings.
#include <tma/check/release_age.hpp>

#include <algorithm>

#include <fmt/format.h>

namespace tma::check {
namespace {

constexpr long long k_seconds_per_day = 86400;

std::string age_text(long long days) {
  if (days == 0) return "released less than a day ago";
  return fmt::format("released {} day{} ago", days, days == 1 ? "" : "s");
}

} // namespace

ReleaseAge release_age(std::optional<core::SysSeconds> released, core::Seconds min_age, core::SysSeconds now,
                       bool fixes_vulnerability, const core::TimeZone& zone) {
  ReleaseAge out;
  if (min_age <= core::Seconds{0}) return out;
  if (fixes_vulnerability) {
    out.state = ReleaseAge::State::security;
    out.note = "fixes a known vulnerability: not held";
    return out;
  }
  if (!released) {
    out.state = ReleaseAge::State::unknown;
    out.note = "release date unknown: not held";
    return out;
  }
  auto age = now - *released;
  // A date in the future (a server clock ahead of ours) reads as a release of now: held.
  out.age_days = std::max<long long>(0, age.count() / k_seconds_per_day);
  if (age >= min_age) {
    out.state = ReleaseAge::State::eligible;
    out.note = age_text(out.age_days);
    return out;
  }
  out.state = ReleaseAge::State::held;
  out.eligible_on = zone.local_date(*released + min_age);
  out.note = fmt::format("{}, eligible on {}", age_text(out.age_days), core::format_date(*out.eligible_on));
  return out;
}

void apply_release_age(SiteCheck& check, core::Seconds min_age, core::SysSeconds now, const core::TimeZone& zone) {
  if (min_age <= core::Seconds{0}) return;
  for (auto& finding : check.findings) {
    if (finding.type != FindingType::update || finding.latest.empty()) continue;
    auto component = std::find_if(check.components.begin(), check.components.end(), [&](const cms::Component& c) {
      return c.kind == finding.kind && c.name == finding.name;
    });
    std::optional<core::SysSeconds> released;
    if (component != check.components.end()) {
      if (auto it = component->released.find(finding.latest); it != component->released.end()) released = it->second;
    }
    bool fixes = finding.severity == Severity::security && !finding.fixed_in.empty();
    auto verdict = release_age(released, min_age, now, fixes, zone);
    finding.release_age = verdict.note;
    if (verdict.eligible_on) finding.held_until = core::format_date(*verdict.eligible_on);
  }
}

} // namespace tma::check
