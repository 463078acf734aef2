#pragma once
// The words and number formats of client reports, in French and English. Pure: no locale of the C
// library is used (the machine running the cron job may have none installed), so `1 234,50 €` is
// the same on every machine.
#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include <tma/core/units.hpp>
#include <tma/inventory/model.hpp>

namespace tma::client_report {

using inventory::Lang;

/// The label `key` in `lang` (`updates_title`, `nothing`...); throws std::out_of_range on an unknown
/// key, which the golden tests of both languages catch before a release.
const std::string& label(Lang lang, std::string_view key);

/// The label `key` with its `{name}` placeholders filled from `values`.
std::string fill(Lang lang, std::string_view key, const std::map<std::string, std::string>& values);

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

/// `850 ms`, `1,2 s` / `1.2 s` (one decimal from a second up).
std::string format_millis(std::chrono::milliseconds time, Lang lang);

/// `1,4 Mo` / `1.4 MB`, `820 ko` / `820 kB`: decimal units, one decimal below 10 of a unit.
std::string format_bytes(long long bytes, Lang lang);

/// `fr` / `en`.
std::string_view lang_code(Lang lang);

} // namespace tma::client_report
