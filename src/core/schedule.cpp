#include <tma/core/schedule.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

#include <fmt/format.h>


namespace tma::core {

namespace {

constexpr std::array<std::string_view, 7> k_day_names{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::array<std::string_view, 12> k_month_names{"jan", "feb", "mar", "apr", "may", "jun",
                                                         "jul", "aug", "sep", "oct", "nov", "dec"};

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto pos = text.find(sep, start);
    out.push_back(text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// Digits only: from_chars alone would take `-2` (and a negative hour indexes no bitset).
std::optional<int> number(std::string_view text) {
  int value = 0;
  if (text.empty() || text.size() > 4) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

/// A value of a cron field: a number or, where `names` is given, a name (first three letters).
std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<int> field_value(std::string_view text, const std::string_view* names, std::size_t name_count,
                               int name_base) {
  if (auto n = number(text)) return n;
  if (names != nullptr) {
    for (std::size_t i = 0; i < name_count; ++i) {
      if (lower(text) == names[i]) return static_cast<int>(i) + name_base;
    }
  }
  return std::nullopt;
}

/// Parse one cron field into `bits` (values min..max). Returns an error message.
template <std::size_t N>
std::optional<std::string> parse_field(std::string_view text, int min, int max, std::bitset<N>& bits,
                                       const std::string_view* names, std::size_t name_count, int name_base,
                                       std::string_view what) {
  for (auto item : split(text, ',')) {
    int step = 1;
    auto slash = item.find('/');
    std::string_view range = item;
    if (slash != std::string_view::npos) {
      auto s = number(item.substr(slash + 1));
      if (!s || *s <= 0) return fmt::format("bad step in {} field '{}' (a whole number from 1)", what, item);
      step = *s;
      range = item.substr(0, slash);
    }
    int lo = min;
    int hi = max;
    if (range != "*") {
      auto dash = range.find('-');
      auto first = field_value(range.substr(0, dash), names, name_count, name_base);
      if (!first) return fmt::format("bad {} value '{}'", what, item);
      lo = *first;
      hi = *first;
      if (dash != std::string_view::npos) {
        auto last = field_value(range.substr(dash + 1), names, name_count, name_base);
        if (!last) return fmt::format("bad {} value '{}'", what, item);
        hi = *last;
      } else if (slash != std::string_view::npos) {
        hi = max; // `5/15` means from 5 to the end, every 15 (croniter; cronie reads "just 5")
      }
    }
    if (lo < min || lo > max || hi < min || hi > max) {
      return fmt::format("{} field '{}' out of range {}-{}", what, item, min, max);
    }
    if (lo > hi) {
      if (what == "day-of-week" && hi == 0) {
        // `mon-sun`: Sunday is day 0 at the end of a range; Vixie cron refuses it too.
        auto step_text = slash == std::string_view::npos ? std::string() : std::string(item.substr(slash));
        auto instead = fmt::format("'{}-7{}'", lo, step_text);
        if (lo == 1 && step == 1) instead = "'*' or '1-7' for every day";
        return fmt::format("day-of-week range '{}' ends on Sunday, which is day 0, before it starts (ranges do not "
                           "wrap, as in Vixie cron): write {} (7 is Sunday too)",
                           item, instead);
      }
      return fmt::format("{} range '{}' ends before it starts (ranges do not wrap)", what, item);
    }
    for (int v = lo; v <= hi; v += step) bits.set(static_cast<std::size_t>(v));
  }
  return std::nullopt;
}

std::optional<std::pair<int, int>> parse_time(std::string_view text) {
  auto parts = split(text, ':');
  if (parts.size() != 2 || parts[0].empty() || parts[1].size() != 2) return std::nullopt;
  auto h = number(parts[0]);
  auto m = number(parts[1]);
  if (!h || !m || *h > 23 || *m > 59) return std::nullopt;
  return std::make_pair(*h, *m);
}

int weekday_of(const Date& date) {
  long long days = days_from_civil(date);
  return static_cast<int>(((days % 7 + 7) % 7 + 4) % 7); // 1970-01-01 was a Thursday; 0 = Sunday
}

constexpr long long k_search_days = 8 * 366; // enough for `29 2 *` style schedules and leap years

} // namespace

tl::expected<Schedule, std::string> Schedule::parse(std::string_view text) {
  const std::string expected =
      "expected 'daily HH:MM', 'weekly <mon..sun> HH:MM', 'monthly <1-31> HH:MM', 'every Nm', 'every Nh' or a 5-field "
      "cron expression";
  Schedule s;
  s.m_text = std::string(text);
  auto w = words(text);
  auto set_time = [&](std::string_view t) -> bool {
    auto hm = parse_time(t);
    if (!hm) return false;
    s.m_hours.set(static_cast<std::size_t>(hm->first));
    s.m_minutes.set(static_cast<std::size_t>(hm->second));
    return true;
  };
  s.m_days.set();
  s.m_days.reset(0);
  s.m_months.set();
  s.m_months.reset(0);
  s.m_weekdays.set();
  if (w.size() == 2 && w[0] == "daily") {
    if (!set_time(w[1])) return tl::unexpected(fmt::format("bad time '{}' in schedule: {}", w[1], expected));
    return s;
  }
  if (w.size() == 3 && w[0] == "weekly") {
    auto day = field_value(w[1], k_day_names.data(), k_day_names.size(), 0);
    if (!day || number(w[1])) return tl::unexpected(fmt::format("bad day '{}' in schedule: {}", w[1], expected));
    if (!set_time(w[2])) return tl::unexpected(fmt::format("bad time '{}' in schedule: {}", w[2], expected));
    s.m_weekdays.reset();
    s.m_weekdays.set(static_cast<std::size_t>(*day));
    s.m_weekday_restricted = true;
    return s;
  }
  if (w.size() == 2 && w[0] == "every") {
    // `every 5m` / `every 2h`: a cron step (`*/5 * * * *`, `0 */2 * * *`), so the slots stay on the
    // clock (:00, :05, ...) whatever the time a runner starts. The step must divide the hour or day.
    auto unit = w[1].empty() ? '\0' : w[1].back();
    auto n = number(w[1].substr(0, w[1].empty() ? 0 : w[1].size() - 1));
    bool minutes = unit == 'm' && n && *n >= 1 && *n <= 60 && 60 % *n == 0;
    bool hours = unit == 'h' && n && *n >= 1 && *n <= 24 && 24 % *n == 0;
    if (!minutes && !hours) {
      return tl::unexpected(fmt::format("bad interval '{}' in schedule: expected 'every Nm' with N dividing 60 "
                                        "(1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60) or 'every Nh' with N dividing 24",
                                        w[1]));
    }
    if (minutes && *n == 60) {
      s.m_minutes.set(0);
      s.m_hours.set();
    } else if (minutes) {
      for (int m = 0; m < 60; m += *n) s.m_minutes.set(static_cast<std::size_t>(m));
      s.m_hours.set();
    } else {
      s.m_minutes.set(0);
      for (int h = 0; h < 24; h += *n) s.m_hours.set(static_cast<std::size_t>(h));
    }
    return s;
  }
  if (w.size() == 3 && w[0] == "monthly") {
    auto day = number(w[1]);
    if (!day || *day < 1 || *day > 31) {
      return tl::unexpected(fmt::format("bad day of month '{}' in schedule: {}", w[1], expected));
    }
    if (!set_time(w[2])) return tl::unexpected(fmt::format("bad time '{}' in schedule: {}", w[2], expected));
    s.m_days.reset();
    s.m_days.set(static_cast<std::size_t>(*day));
    s.m_day_restricted = true;
    return s;
  }
  if (w.size() != 5) return tl::unexpected(fmt::format("bad schedule '{}': {}", text, expected));
  s.m_days.reset();
  s.m_months.reset();
  s.m_weekdays.reset();
  std::bitset<8> weekdays;
  std::optional<std::string> error;
  if (!error) error = parse_field(w[0], 0, 59, s.m_minutes, nullptr, 0, 0, "minute");
  if (!error) error = parse_field(w[1], 0, 23, s.m_hours, nullptr, 0, 0, "hour");
  if (!error) error = parse_field(w[2], 1, 31, s.m_days, nullptr, 0, 0, "day-of-month");
  if (!error) error = parse_field(w[3], 1, 12, s.m_months, k_month_names.data(), k_month_names.size(), 1, "month");
  if (!error) error = parse_field(w[4], 0, 7, weekdays, k_day_names.data(), k_day_names.size(), 0, "day-of-week");
  if (error) return tl::unexpected(fmt::format("bad cron expression '{}': {}", text, *error));
  for (std::size_t i = 0; i < 7; ++i) s.m_weekdays[i] = weekdays[i];
  if (weekdays[7]) s.m_weekdays.set(0);
  s.m_day_restricted = w[2][0] != '*';
  s.m_weekday_restricted = w[4][0] != '*';
  if (s.m_day_restricted && !s.m_weekday_restricted) {
    // Only the day of month decides: some selected month must have one of the selected days.
    constexpr std::array<unsigned, 13> k_longest{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool some_day = false;
    for (unsigned month = 1; month <= 12; ++month) {
      if (!s.m_months[month]) continue;
      for (unsigned day = 1; day <= k_longest[month]; ++day) some_day = some_day || s.m_days[day];
    }
    if (!some_day) {
      return tl::unexpected(fmt::format("bad cron expression '{}': no month it selects has the days it selects, "
                                        "so it would never run",
                                        text));
    }
  }
  return s;
}

bool Schedule::matches_day(const Date& date) const {
  if (!m_months[date.month]) return false;
  bool day_ok = m_days[date.day];
  bool weekday_ok = m_weekdays[static_cast<std::size_t>(weekday_of(date))];
  if (m_day_restricted && m_weekday_restricted) return day_ok || weekday_ok;
  return day_ok && weekday_ok;
}

std::optional<SysSeconds> Schedule::previous_slot(SysSeconds now, const TimeZone& zone) const {
  // Start one day after today's local date and take each day's latest slot <= now: slots in a DST
  // gap are pushed forward, so within a day the instants are not always in clock order.
  long long today = days_from_civil(zone.local_date(now)) + 1;
  for (long long day = today; day > today - k_search_days; --day) {
    auto date = civil_from_days(day);
    if (!matches_day(date)) continue;
    std::optional<SysSeconds> best;
    for_each_slot(date, zone, [&](SysSeconds instant) {
      if (instant <= now && (!best || instant > *best)) best = instant;
    });
    if (best) return best;
  }
  return std::nullopt;
}

std::optional<SysSeconds> Schedule::next_slot(SysSeconds after, const TimeZone& zone) const {
  long long start = days_from_civil(zone.local_date(after)) - 1;
  for (long long day = start; day < start + k_search_days; ++day) {
    auto date = civil_from_days(day);
    if (!matches_day(date)) continue;
    std::optional<SysSeconds> best;
    for_each_slot(date, zone, [&](SysSeconds instant) {
      if (instant > after && (!best || instant < *best)) best = instant;
    });
    if (best) return best;
  }
  return std::nullopt;
}

void Schedule::for_each_slot(const Date& date, const TimeZone& zone,
                             const std::function<void(SysSeconds)>& visit) const {
  for (int h = 0; h < 24; ++h) {
    if (!m_hours[static_cast<std::size_t>(h)]) continue;
    for (int m = 0; m < 60; ++m) {
      if (!m_minutes[static_cast<std::size_t>(m)]) continue;
      visit(zone.to_utc(LocalDateTime{date, h, m, 0}, Ambiguity::earliest));
    }
  }
}

bool DailyWindow::contains(SysSeconds instant, const TimeZone& zone) const {
  auto local = zone.to_local(instant).local;
  int minute = local.hour * 60 + local.minute;
  if (from_minutes < to_minutes) return minute >= from_minutes && minute < to_minutes;
  return minute >= from_minutes || minute < to_minutes; // crosses midnight
}

std::string DailyWindow::text() const {
  return fmt::format("{:02}:{:02}-{:02}:{:02}", from_minutes / 60, from_minutes % 60, to_minutes / 60, to_minutes % 60);
}

bool is_due(const Schedule& schedule, std::optional<SysSeconds> last_good_backup, SysSeconds now,
            const TimeZone& zone) {
  if (!last_good_backup) return true;
  auto slot = schedule.previous_slot(now, zone);
  return slot && *slot > *last_good_backup;
}

} // namespace tma::core
