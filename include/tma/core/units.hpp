#pragma once
// Strict parsers for the units the inventory and the command line use. Each returns an error
// message (without location; the caller adds file:line:col) rather than guessing.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace tma::core {

using Seconds = std::chrono::seconds;

/// Parse a duration: one or more `<integer><unit>` groups with units d, h, m, s in that order,
/// e.g. `90s`, `15m`, `4h`, `1d`, `1h30m`. No spaces, no bare numbers, no repeated units.
tl::expected<Seconds, std::string> parse_duration(std::string_view text);

/// Format `seconds` the way parse_duration reads it (`1h30m`, `0s`).
std::string format_duration(Seconds seconds);

/// An elapsed time for people, in the one style of every table and message: a number, a space, a
/// unit (`7 ms`, `1.5 s`, `14 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`). Negative values read as 0.
std::string format_elapsed(std::chrono::milliseconds elapsed);

/// Parse a byte size: `<integer>` followed by B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB.
/// KB and KiB both mean 1024 (what people expect from disk tools).
tl::expected<std::uint64_t, std::string> parse_size(std::string_view text);

/// A byte count for people, in powers of 1024 with one decimal: `512 B`, `1.5 MiB`, `2.0 GiB`.
std::string format_size(std::uint64_t bytes);

/// A calendar date.
struct Date {
  int year = 1970;
  unsigned month = 1;
  unsigned day = 1;
  auto operator<=>(const Date&) const = default;
};

/// Parse `YYYY-MM-DD` and check that the day exists.
tl::expected<Date, std::string> parse_date(std::string_view text);

/// `YYYY-MM-DD`.
std::string format_date(const Date& date);

/// Money in integer cents: never floating point.
using Cents = std::int64_t;

/// The largest amount accepted anywhere (inventory fees, rates and prices): 1 000 000 000 000.00.
inline constexpr Cents k_max_money = 100'000'000'000'000;

/// Parse `450`, `450.5`, `450.00` (at most two decimals, non-negative, at most k_max_money) into cents.
tl::expected<Cents, std::string> parse_money(std::string_view text);

/// `1234.50` for 123450.
std::string format_money(Cents cents);

} // namespace tma::core
