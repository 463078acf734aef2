#pragma once
// Accounting periods: a calendar month (`--month 2026-03`) or an inclusive day range
// (`--from 2026-03-01 --to 2026-03-15`), always in local dates of the agency's time zone.

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include <tma/core/units.hpp>

namespace tma::contract {

using core::Date;

/// Inclusive range of local dates.
struct Period {
  Date from;
  Date to;
  std::string label; ///< `2026-03` for a month, `2026-03-01..2026-03-15` for a range

  bool contains(const Date& date) const { return from <= date && date <= to; }
  bool operator==(const Period&) const = default;
};

/// The calendar month `text` (`YYYY-MM`), or a message quoting it.
tl::expected<Period, std::string> parse_month(std::string_view text);

/// The calendar quarter `text` (`YYYY-Qn`: Q1 is January to March), label `YYYY-Qn`.
tl::expected<Period, std::string> parse_quarter(std::string_view text);

/// The month containing `date`.
Period month_of(const Date& date);

/// The range `from`..`to`; an error when `to` is before `from`.
tl::expected<Period, std::string> make_range(const Date& from, const Date& to);

/// The calendar months that overlap `period`, each clipped to it (label `YYYY-MM`). A month is
/// whole when its clipped range equals the full month (see `is_whole_month`).
std::vector<Period> split_months(const Period& period);

/// Whether `period` covers exactly one full calendar month.
bool is_whole_month(const Period& period);

/// `date` plus `days` (may be negative).
Date add_days(const Date& date, int days);

} // namespace tma::contract
