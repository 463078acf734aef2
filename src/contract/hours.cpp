#include <tma/contract/hours.hpp>

#include <cctype>
#include <cstdint>

#include <fmt/format.h>

namespace tma::contract {
namespace {

// Read up to 6 digits at `pos` (more would be a typo, not a duration); -1 when there are none.
std::int64_t read_number(std::string_view text, std::size_t& pos, std::size_t& digits) {
  std::int64_t value = 0;
  digits = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) && digits < 7) {
    value = value * 10 + (text[pos] - '0');
    ++pos;
    ++digits;
  }
  return digits == 0 ? -1 : value;
}

} // namespace

tl::expected<Seconds, std::string> parse_hours(std::string_view text) {
  auto bad = [&] {
    return tl::unexpected(
        fmt::format("invalid duration '{}' (expected e.g. 2h, 90m, 1h30, 1h30m, 1.5h)", text));
  };
  std::size_t pos = 0;
  std::size_t digits = 0;
  auto whole = read_number(text, pos, digits);
  if (whole < 0 || digits > 6 || pos >= text.size()) return bad();
  std::int64_t seconds = 0;
  if (text[pos] == '.') {
    // Decimal hours: `1.5h`, `0.25h`. Two decimals at most so that the value is whole seconds (36 s steps).
    ++pos;
    auto frac_start = pos;
    auto frac = read_number(text, pos, digits);
    if (frac < 0 || digits > 2 || pos + 1 != text.size() || text[pos] != 'h') return bad();
    if (pos - frac_start == 1) frac *= 10;
    seconds = whole * 3600 + frac * 36;
  } else if (text[pos] == 'h') {
    ++pos;
    seconds = whole * 3600;
    if (pos < text.size()) {
      // `1h30` or `1h30m`: minutes below 60.
      auto minutes = read_number(text, pos, digits);
      if (minutes < 0 || digits > 2 || minutes >= 60) return bad();
      bool unit = pos < text.size() && text[pos] == 'm';
      if (unit) ++pos;
      // `1h5` could mean 1h05 or 1h50: without the `m`, minutes take exactly two digits.
      if (pos != text.size() || (!unit && digits != 2)) return bad();
      seconds += minutes * 60;
    }
  } else if (text[pos] == 'm') {
    if (pos + 1 != text.size()) return bad();
    seconds = whole * 60;
  } else {
    return bad();
  }
  if (seconds == 0) return tl::unexpected(fmt::format("invalid duration '{}': must be more than zero", text));
  if (seconds > k_max_entry.count()) {
    return tl::unexpected(
        fmt::format("invalid duration '{}': more than {} in one entry (log each day separately)", text,
                    format_hours(k_max_entry)));
  }
  return Seconds(seconds);
}

std::string format_hours(Seconds seconds) {
  auto s = seconds.count();
  std::string sign = s < 0 ? "-" : "";
  if (s < 0) s = -s;
  auto text = fmt::format("{}{}h{:02}", sign, s / 3600, s % 3600 / 60);
  if (s % 60 != 0) text += fmt::format("m{:02}s", s % 60);
  return text;
}

std::string format_decimal_hours(Seconds seconds) {
  auto s = seconds.count();
  std::string sign = s < 0 ? "-" : "";
  if (s < 0) s = -s;
  // Hundredths of an hour are 36 s; half up means adding 18 s before dividing.
  auto hundredths = (s + 18) / 36;
  return fmt::format("{}{}.{:02}", sign, hundredths / 100, hundredths % 100);
}

} // namespace tma::contract
