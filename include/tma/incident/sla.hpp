#pragma once
// SLA clocks: how much "SLA time" passes between two instants, and when a budget of SLA time runs
// out. A 24/7 clock counts every second; a business clock counts only the seconds inside the
// agency's business hours (`agency.business_hours` in the agency's time zone), skipping other
// weekdays and holidays. Local business hours are mapped to UTC day by day through the time
// zone, so a 09:00-18:00 day is 9 hours on both sides of a DST change. Pure: no I/O, no clock.

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include <tma/core/timezone.hpp>
#include <tma/core/units.hpp>
#include <tma/inventory/model.hpp>

namespace tma::incident {

using core::Seconds;
using core::SysSeconds;

/// Wall-clock time from `from` to `to`, zero when `to` is not after `from`: every duration of an
/// incident goes through here, so none is negative whatever order its recorded times are in (a
/// journal synced from a machine whose clock was ahead, or written before out-of-order times were
/// refused).
Seconds elapsed(SysSeconds from, SysSeconds to);

/// A clock that counts either all time (`24x7`) or business hours only.
class SlaClock {
public:
  /// Every second counts.
  static SlaClock always();
  /// Only seconds inside `hours` (weekdays, from-to, minus holidays) in `zone` count.
  static SlaClock business(const inventory::BusinessHours& hours, core::TimeZone zone);
  /// The clock a contract with `sla` uses: business hours from `agency` or 24/7.
  static SlaClock for_sla(const inventory::Sla& sla, const inventory::Agency& agency, const core::TimeZone& zone);

  bool is_business() const { return m_business; }

  /// SLA time between `from` and `to` (zero when `to` <= `from`).
  Seconds elapsed(SysSeconds from, SysSeconds to) const;

  /// The instant at which `budget` of SLA time has passed since `start`. With a business clock,
  /// a zero budget started outside business hours is due at `start` itself. Returns nullopt when
  /// the business calendar has no working day within ~10 years (e.g. `days: []`).
  std::optional<SysSeconds> deadline(SysSeconds start, Seconds budget) const;

  /// Whether local date `date` is a working day (right weekday, not a holiday); always true 24/7.
  bool is_working_day(const core::Date& date) const;

private:
  /// The business window of local day `date` as UTC instants [first, second).
  std::pair<SysSeconds, SysSeconds> window(const core::Date& date) const;

  bool m_business = false;
  inventory::BusinessHours m_hours;
  core::TimeZone m_zone = core::TimeZone::utc();
};

/// ISO weekday (1 = Monday ... 7 = Sunday) of `date`.
int iso_weekday(const core::Date& date);

/// Where one SLA target stands.
enum class SlaStatus {
  met,      ///< done before the deadline
  breached, ///< done after the deadline, or not done and the deadline has passed
  at_risk,  ///< not done, less than 25 % of the budget left
  running,  ///< not done, 25 % or more of the budget left
};

std::string_view to_string(SlaStatus status);

/// The evaluation of one target (respond or resolve) of one incident.
struct SlaCheck {
  SlaStatus status = SlaStatus::running;
  Seconds budget{0};            ///< the target (e.g. 4h of business time)
  Seconds used{0};              ///< SLA time from start to done (or to `now` while running)
  std::optional<SysSeconds> deadline;
};

/// The share of the budget below which a running target is "at risk".
inline constexpr double k_at_risk_share = 0.25;

/// Evaluate a target of `budget` SLA time on `clock`, started at `start`, done at `done` (if it
/// is), as seen at `now`.
SlaCheck evaluate(const SlaClock& clock, SysSeconds start, std::optional<SysSeconds> done, Seconds budget,
                  SysSeconds now);

/// The target of `sla` for `severity`, if the contract sets one.
std::optional<inventory::SlaTarget> target_for(const inventory::Sla& sla, inventory::Criticality severity);

} // namespace tma::incident
