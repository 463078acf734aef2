#include <tma/incident/sla.hpp>

#include <algorithm>

namespace tma::incident {

namespace {

// Ten years of days: enough for any contract, and a bound for calendars without working days.
constexpr long long k_max_days = 3700;

core::Date add_days(const core::Date& date, long long days) {
  return core::civil_from_days(core::days_from_civil(date) + days);
}

} // namespace

int iso_weekday(const core::Date& date) {
  // 1970-01-01 was a Thursday (ISO 4).
  long long days = core::days_from_civil(date);
  return static_cast<int>(((days % 7) + 7 + 3) % 7) + 1;
}

Seconds elapsed(SysSeconds from, SysSeconds to) {
  return to > from ? std::chrono::duration_cast<Seconds>(to - from) : Seconds{0};
}

SlaClock SlaClock::always() { return SlaClock{}; }

SlaClock SlaClock::business(const inventory::BusinessHours& hours, core::TimeZone zone) {
  SlaClock clock;
  clock.m_business = true;
  clock.m_hours = hours;
  clock.m_zone = std::move(zone);
  return clock;
}

SlaClock SlaClock::for_sla(const inventory::Sla& sla, const inventory::Agency& agency, const core::TimeZone& zone) {
  if (sla.clock == inventory::SlaClock::business) return business(agency.business_hours, zone);
  return always();
}

bool SlaClock::is_working_day(const core::Date& date) const {
  if (!m_business) return true;
  int weekday = iso_weekday(date);
  if (std::find(m_hours.days.begin(), m_hours.days.end(), weekday) == m_hours.days.end()) return false;
  return std::find(m_hours.holidays.begin(), m_hours.holidays.end(), date) == m_hours.holidays.end();
}

std::pair<SysSeconds, SysSeconds> SlaClock::window(const core::Date& date) const {
  // Local wall-clock bounds mapped one by one: on a DST day the UTC offset differs between
  // midnight and 09:00, so "start of day + 9h" would be wrong by an hour.
  auto at = [&](int minutes) {
    if (minutes >= 24 * 60) return m_zone.start_of_day(add_days(date, 1));
    return m_zone.to_utc(core::LocalDateTime{date, minutes / 60, minutes % 60, 0});
  };
  return {at(m_hours.from_minutes), at(m_hours.to_minutes)};
}

Seconds SlaClock::elapsed(SysSeconds from, SysSeconds to) const {
  if (!m_business || to <= from) return incident::elapsed(from, to);
  Seconds total{0};
  auto first = m_zone.local_date(from);
  auto last = m_zone.local_date(to);
  for (auto day = core::days_from_civil(first); day <= core::days_from_civil(last); ++day) {
    auto date = core::civil_from_days(day);
    if (!is_working_day(date)) continue;
    auto [open, close] = window(date);
    auto lo = std::max(open, from);
    auto hi = std::min(close, to);
    if (hi > lo) total += std::chrono::duration_cast<Seconds>(hi - lo);
  }
  return total;
}

std::optional<SysSeconds> SlaClock::deadline(SysSeconds start, Seconds budget) const {
  if (!m_business) return start + budget;
  if (budget <= Seconds{0}) return start;
  Seconds left = budget;
  auto first = m_zone.local_date(start);
  for (long long i = 0; i < k_max_days; ++i) {
    auto date = add_days(first, i);
    if (!is_working_day(date)) continue;
    auto [open, close] = window(date);
    auto lo = std::max(open, start);
    if (close <= lo) continue;
    auto available = std::chrono::duration_cast<Seconds>(close - lo);
    if (left <= available) return lo + left;
    left -= available;
  }
  return std::nullopt;
}

std::string_view to_string(SlaStatus status) {
  switch (status) {
  case SlaStatus::met: return "met";
  case SlaStatus::breached: return "breached";
  case SlaStatus::at_risk: return "at_risk";
  case SlaStatus::running: return "running";
  }
  return "running";
}

SlaCheck evaluate(const SlaClock& clock, SysSeconds start, std::optional<SysSeconds> done, Seconds budget,
                  SysSeconds now) {
  SlaCheck check;
  check.budget = budget;
  check.deadline = clock.deadline(start, budget);
  auto end = done ? *done : now;
  check.used = clock.elapsed(start, end);
  if (done) {
    // Compare SLA time rather than instants: done at 18:30 on a Friday with a deadline of Monday
    // 09:00 has used no more budget than the deadline allows.
    check.status = check.used <= budget ? SlaStatus::met : SlaStatus::breached;
    return check;
  }
  if (check.used >= budget && (!check.deadline || now >= *check.deadline)) {
    check.status = SlaStatus::breached;
  } else if (static_cast<double>((budget - check.used).count()) < k_at_risk_share * static_cast<double>(budget.count())) {
    check.status = SlaStatus::at_risk;
  } else {
    check.status = SlaStatus::running;
  }
  return check;
}

std::optional<inventory::SlaTarget> target_for(const inventory::Sla& sla, inventory::Criticality severity) {
  switch (severity) {
  case inventory::Criticality::critical: return sla.critical;
  case inventory::Criticality::major: return sla.major;
  case inventory::Criticality::minor: return sla.minor;
  }
  return std::nullopt;
}

} // namespace tma::incident
