#pragma once
// Schedules (`backup.schedule`, `updates.schedule`; docs/inventory.md, "Schedules"), read in the
// agency's time zone:
//   `daily HH:MM`, `weekly <mon..sun> HH:MM`, `monthly <1..31> HH:MM` (a month without that day
//   has no slot), or a 5-field cron expression `min hour day-of-month month day-of-week` (numbers,
//   `*`, `a-b`, `*/n`, `a-b/n`, `a/n` (from a to the field's maximum, every n, as croniter reads it),
//   lists, month and day names; day-of-week 0 or 7 is Sunday; a range never wraps, so `mon-sun` is
//   refused as Vixie cron refuses it; when both day fields are restricted a day matching either one
//   matches, as in Vixie cron). A cron expression whose day fields select no day at all (`0 0 30 2 *`)
//   is refused: it would never run.
// A local slot that falls in a DST gap happens when the gap ends (02:30 on Paris's spring-forward
// day runs at 03:00 CEST); one that occurs twice happens the first time only.
// The inventory loader parses every schedule (an error names file:line:col); the commands use the
// parsed value.

#include <bitset>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>

namespace tma::core {

class Schedule {
public:
  /// Parse `text`; the error message says what was expected (no location: the caller adds it).
  static tl::expected<Schedule, std::string> parse(std::string_view text);

  const std::string& text() const { return m_text; }

  /// Whether the local date matches the day fields.
  bool matches_day(const Date& date) const;

  /// The latest slot at or before `now` (within the last 8 years), as a UTC instant.
  std::optional<SysSeconds> previous_slot(SysSeconds now, const TimeZone& zone) const;

  /// The first slot strictly after `after`.
  std::optional<SysSeconds> next_slot(SysSeconds after, const TimeZone& zone) const;

private:
  void for_each_slot(const Date& date, const TimeZone& zone,
                     const std::function<void(SysSeconds)>& visit) const;

  std::string m_text;
  std::bitset<60> m_minutes;
  std::bitset<24> m_hours;
  std::bitset<32> m_days;     ///< 1..31
  std::bitset<13> m_months;   ///< 1..12
  std::bitset<7> m_weekdays;  ///< 0 = Sunday
  bool m_day_restricted = false;
  bool m_weekday_restricted = false;
};

/// A daily local window `{from: "HH:MM", to: "HH:MM"}` (`updates.window`). `to` may be `24:00`; a window
/// whose `to` is not after `from` crosses midnight (`22:00`-`06:00`). `from == to` is refused at load.
struct DailyWindow {
  int from_minutes = 0;
  int to_minutes = 24 * 60;
  /// Whether the local time of `instant` in `zone` falls in [from, to).
  bool contains(SysSeconds instant, const TimeZone& zone) const;
  /// `22:00-06:00`.
  std::string text() const;
};

/// Due when a slot has passed since `last` (the last good backup), or when there was none.
bool is_due(const Schedule& schedule, std::optional<SysSeconds> last, SysSeconds now, const TimeZone& zone);

} // namespace tma::core
