#pragma once
// The words and number formats of client reports, in French and English. Pure: no locale of the C
// library is used (the machine running the cron job may have none installed), so `1 234,50 €` is
// the same on every machine.
#include <string>
#include <string_view>

#include <tma/core/units.hpp>
#include <tma/inventory/model.hpp>

namespace tma::client_report {

using inventory::Lang;

/// The label `key` in `lang` (`updates_title`, `nothing`...); throws std::out_of_range on an unknown
/// key, which the golden tests of both languages catch before a release.
const std::string& label(Lang lang, std::string_view key);

/// `1 234` / `1,234` (non-breaking space in French).
std::string format_integer(long long value, Lang lang);

/// `1 234,50 €` / `€1,234.50` for EUR; other currencies keep their ISO code (`1 234,50 CHF`, `CHF 1,234.50`).
std::string format_money(core::Cents cents, const std::string& currency, Lang lang);

/// Durations as people write hours: `1 h 30`, `12 h`, `0 h 05`, `-2 h 15` (both languages).
std::string format_hours(core::Seconds seconds);

/// `99,95 %` / `99.95%`, two decimals.
std::string format_percent(double value, Lang lang);

/// `3 décembre 2026` / `3 December 2026`.
std::string format_long_date(const core::Date& date, Lang lang);

/// `3 déc.` / `3 Dec`: chart axes and tables.
std::string format_short_date(const core::Date& date, Lang lang);

/// `novembre 2026` / `November 2026`.
std::string month_name(int year, unsigned month, Lang lang);

/// `fr` / `en`.
std::string_view lang_code(Lang lang);

} // namespace tma::client_report
