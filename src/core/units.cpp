#include <tma/core/units.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

#include <fmt/format.h>

namespace tma::core {
namespace {

// Read an unsigned decimal integer at `pos`; false when there is none or it overflows.
bool read_digits(std::string_view text, std::size_t& pos, std::uint64_t& value) {
  auto begin = text.data() + pos;
  auto end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin) return false;
  pos += static_cast<std::size_t>(ptr - begin);
  return true;
}

constexpr std::int64_t k_max_duration_seconds = 36525LL * 86400; // 100 years

} // namespace

tl::expected<Seconds, std::string> parse_duration(std::string_view text) {
  auto bad = [&] {
    return tl::unexpected(fmt::format("invalid duration '{}' (expected e.g. 90s, 15m, 4h, 1d, 1h30m)", text));
  };
  if (text.empty()) return bad();
  static constexpr std::string_view k_units = "dhms";
  static constexpr std::int64_t k_factors[] = {86400, 3600, 60, 1};
  std::size_t pos = 0;
  std::size_t next_unit = 0; // units must appear in decreasing order, each at most once
  std::int64_t total = 0;
  while (pos < text.size()) {
    std::uint64_t value = 0;
    if (!read_digits(text, pos, value) || pos >= text.size()) return bad();
    auto unit = k_units.find(text[pos]);
    if (unit == std::string_view::npos || unit < next_unit) return bad();
    if (value > 100'000'000ULL) return bad();
    total += static_cast<std::int64_t>(value) * k_factors[unit];
    next_unit = unit + 1;
    ++pos;
  }
  // A bound on the sum, not only on each part: `99999999d9999999m` would otherwise print back as
  // more days than a part may hold. Nothing tma schedules or keeps spans a century.
  if (total > k_max_duration_seconds) {
    return tl::unexpected(fmt::format("duration '{}' is longer than 100 years", text));
  }
  return Seconds(total);
}

std::string format_duration(Seconds seconds) {
  auto s = seconds.count();
  if (s == 0) return "0s";
  std::string out;
  if (s < 0) {
    out = "-";
    s = -s;
  }
  const std::pair<std::int64_t, char> parts[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (auto [factor, unit] : parts) {
    if (s >= factor) {
      out += fmt::format("{}{}", s / factor, unit);
      s %= factor;
    }
  }
  return out;
}

std::string format_elapsed(std::chrono::milliseconds elapsed) {
  auto ms = std::max<std::int64_t>(0, elapsed.count());
  if (ms < 1000) return fmt::format("{} ms", ms);
  if (ms < 10000) {
    auto tenths = (ms + 50) / 100; // one decimal, rounded; `1 s` rather than `1.0 s`
    if (tenths % 10 == 0) return fmt::format("{} s", tenths / 10);
    return fmt::format("{}.{} s", tenths / 10, tenths % 10);
  }
  auto s = (ms + 500) / 1000;
  if (s < 60) return fmt::format("{} s", s);
  auto two = [](std::int64_t big, const char* big_unit, std::int64_t small, const char* small_unit) {
    return small == 0 ? fmt::format("{} {}", big, big_unit) : fmt::format("{} {} {} {}", big, big_unit, small, small_unit);
  };
  if (s < 3600) return two(s / 60, "min", s % 60, "s");
  if (s < 86400) return two(s / 3600, "h", s % 3600 / 60, "min");
  return two(s / 86400, "d", s % 86400 / 3600, "h");
}

std::string format_size(std::uint64_t bytes) {
  constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, units[unit]);
}

tl::expected<std::uint64_t, std::string> parse_size(std::string_view text) {
  auto bad = [&] { return tl::unexpected(fmt::format("invalid size '{}' (expected e.g. 512MB, 2GiB, 100K)", text)); };
  std::size_t pos = 0;
  std::uint64_t value = 0;
  if (!read_digits(text, pos, value)) return bad();
  auto unit = text.substr(pos);
  std::uint64_t factor = 0;
  if (unit == "" || unit == "B") factor = 1;
  else if (unit == "K" || unit == "KB" || unit == "KiB") factor = 1ULL << 10;
  else if (unit == "M" || unit == "MB" || unit == "MiB") factor = 1ULL << 20;
  else if (unit == "G" || unit == "GB" || unit == "GiB") factor = 1ULL << 30;
  else if (unit == "T" || unit == "TB" || unit == "TiB") factor = 1ULL << 40;
  else return bad();
  if (value > UINT64_MAX / factor) return bad();
  return value * factor;
}

tl::expected<Date, std::string> parse_date(std::string_view text) {
  auto bad = [&] { return tl::unexpected(fmt::format("invalid date '{}' (expected YYYY-MM-DD)", text)); };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad();
  }
  auto num = [&](std::size_t at, std::size_t len) {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  Date date{num(0, 4), static_cast<unsigned>(num(5, 2)), static_cast<unsigned>(num(8, 2))};
  std::chrono::year_month_day ymd{std::chrono::year(date.year), std::chrono::month(date.month),
                                  std::chrono::day(date.day)};
  if (!ymd.ok()) return tl::unexpected(fmt::format("invalid date '{}' (no such day)", text));
  return date;
}

std::string format_date(const Date& date) {
  return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
}

tl::expected<Cents, std::string> parse_money(std::string_view text) {
  auto bad = [&] {
    return tl::unexpected(fmt::format("invalid amount '{}' (expected e.g. 450 or 450.00, at most {})", text,
                                      format_money(k_max_money)));
  };
  std::size_t pos = 0;
  std::uint64_t units = 0;
  if (!read_digits(text, pos, units) || units > static_cast<std::uint64_t>(k_max_money / 100)) return bad();
  std::int64_t cents = static_cast<std::int64_t>(units) * 100;
  if (pos == text.size()) return cents;
  if (text[pos] != '.') return bad();
  auto frac = text.substr(pos + 1);
  if (frac.empty() || frac.size() > 2) return bad();
  for (char c : frac) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return bad();
  }
  int value = (frac[0] - '0') * 10 + (frac.size() == 2 ? frac[1] - '0' : 0);
  if (cents + value > k_max_money) return bad();
  return cents + value;
}

std::string format_money(Cents cents) {
  auto sign = cents < 0 ? "-" : "";
  auto abs = cents < 0 ? -cents : cents;
  return fmt::format("{}{}.{:02}", sign, abs / 100, abs % 100);
}

} // namespace tma::core
