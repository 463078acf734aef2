#include <tma/contract/period.hpp>

#include <chrono>

#include <fmt/format.h>

namespace tma::contract {
namespace {

std::chrono::sys_days to_days(const Date& date) {
  return std::chrono::year_month_day{std::chrono::year(date.year), std::chrono::month(date.month),
                                     std::chrono::day(date.day)};
}

Date from_days(std::chrono::sys_days days) {
  std::chrono::year_month_day ymd{days};
  return Date{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())};
}

Date last_of_month(int year, unsigned month) {
  std::chrono::year_month_day_last last{std::chrono::year(year), std::chrono::month_day_last(std::chrono::month(month))};
  return Date{year, month, static_cast<unsigned>(last.day())};
}

std::string month_label(int year, unsigned month) { return fmt::format("{:04}-{:02}", year, month); }

} // namespace

Date add_days(const Date& date, int days) { return from_days(to_days(date) + std::chrono::days(days)); }

tl::expected<Period, std::string> parse_month(std::string_view text) {
  auto bad = [&] { return tl::unexpected(fmt::format("invalid month '{}' (expected YYYY-MM)", text)); };
  if (text.size() != 7 || text[4] != '-') return bad();
  // Reuse the strict date parser on the first day of the month.
  auto first = core::parse_date(std::string(text) + "-01");
  if (!first) return bad();
  return month_of(*first);
}

tl::expected<Period, std::string> parse_quarter(std::string_view text) {
  auto bad = [&] { return tl::unexpected(fmt::format("invalid quarter '{}' (expected YYYY-Qn, n from 1 to 4)", text)); };
  if (text.size() != 7 || text[4] != '-' || (text[5] != 'Q' && text[5] != 'q') || text[6] < '1' || text[6] > '4') {
    return bad();
  }
  auto first_month = static_cast<unsigned>(text[6] - '1') * 3 + 1;
  auto first = core::parse_date(fmt::format("{}-{:02}-01", text.substr(0, 4), first_month));
  if (!first) return bad();
  return Period{*first, last_of_month(first->year, first_month + 2), fmt::format("{}-Q{}", first->year, text[6])};
}

Period month_of(const Date& date) {
  return Period{Date{date.year, date.month, 1}, last_of_month(date.year, date.month),
                month_label(date.year, date.month)};
}

tl::expected<Period, std::string> make_range(const Date& from, const Date& to) {
  if (to < from) {
    return tl::unexpected(fmt::format("--to {} is before --from {}", core::format_date(to), core::format_date(from)));
  }
  return Period{from, to, core::format_date(from) + ".." + core::format_date(to)};
}

std::vector<Period> split_months(const Period& period) {
  std::vector<Period> months;
  auto cursor = period.from;
  while (cursor <= period.to) {
    auto month = month_of(cursor);
    Period clipped{std::max(month.from, period.from), std::min(month.to, period.to), month.label};
    months.push_back(clipped);
    cursor = add_days(month.to, 1);
  }
  return months;
}

bool is_whole_month(const Period& period) {
  auto month = month_of(period.from);
  return period.from == month.from && period.to == month.to;
}

} // namespace tma::contract
