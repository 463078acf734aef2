#pragma once
// Durations as people write them when they log their hours (`1h30`, `90m`, `1.5h`), and the way
// tma prints them back. Stricter than guessing: anything else is an error naming the bad text.

#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include <tma/core/units.hpp>

namespace tma::contract {

using core::Seconds;

/// The longest single entry `parse_hours` accepts; longer work is logged as several entries.
inline constexpr Seconds k_max_entry{24 * 3600};

/// Parse a worked duration: `2h`, `90m`, `1h30`, `1h30m`, `1.5h`, `0.25h` (at most two decimals).
/// Minutes after `h` must be 0..59. Returns the duration, or a message quoting `text` when it is
/// malformed, zero, or longer than `k_max_entry`.
tl::expected<Seconds, std::string> parse_hours(std::string_view text);

/// `seconds` for humans: `1h30`, `2h00`, `0h45`, `12h07m30s` (seconds only when not whole minutes),
/// a leading `-` for negative values.
std::string format_hours(Seconds seconds);

/// `seconds` as decimal hours with two decimals, rounded half up (`1.50`), for spreadsheets.
std::string format_decimal_hours(Seconds seconds);

} // namespace tma::contract
