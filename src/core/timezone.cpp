#include <tma/core/timezone.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cctype>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace tma::core {

namespace {

constexpr long long k_day = 86400;

struct LocalType {
  int utoff = 0;
  bool dst = false;
  std::string abbreviation;
};

// One end of a POSIX TZ DST rule: `Mm.w.d`, `Jn` or `n`, plus the local time of day it happens at.
struct RuleDate {
  enum class Kind { month_week_day, julian_no_leap, zero_based } kind = Kind::month_week_day;
  int month = 0, week = 0, weekday = 0, day = 0;
  long long time = 2 * 3600;
};

// The footer rule (`CET-1CEST,M3.5.0,M10.5.0/3`), used after the last explicit transition.
struct PosixRule {
  LocalType standard;
  std::optional<LocalType> daylight;
  RuleDate start, end;
};

bool is_leap(long long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(long long y, unsigned m) {
  static constexpr std::array<unsigned, 12> k_days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : k_days[m - 1];
}

// Day number (since the epoch) of a rule date in year `y`.
long long rule_day(const RuleDate& r, int y) {
  switch (r.kind) {
  case RuleDate::Kind::julian_no_leap: {
    long long d = days_from_civil({y, 1, 1}) + r.day - 1;
    if (is_leap(y) && r.day >= 60) ++d; // Jn never counts February 29
    return d;
  }
  case RuleDate::Kind::zero_based:
    return days_from_civil({y, 1, 1}) + r.day;
  case RuleDate::Kind::month_week_day:
  default: {
    long long first = days_from_civil({y, static_cast<unsigned>(r.month), 1});
    int first_weekday = static_cast<int>(((first % 7) + 7 + 4) % 7); // 1970-01-01 was a Thursday
    long long d = first + (r.weekday - first_weekday + 7) % 7 + 7LL * (r.week - 1);
    long long last = first + days_in_month(y, static_cast<unsigned>(r.month)) - 1;
    while (d > last) d -= 7; // week 5 means "the last"
    return d;
  }
  }
}

class PosixParser {
public:
  explicit PosixParser(std::string_view text) : m_text(text) {}

  std::optional<PosixRule> parse() {
    PosixRule rule;
    auto std_name = name();
    auto std_offset = offset();
    if (!std_name || !std_offset) return std::nullopt;
    rule.standard = {static_cast<int>(-*std_offset), false, *std_name};
    if (m_pos == m_text.size()) return rule;
    auto dst_name = name();
    if (!dst_name) return std::nullopt;
    LocalType daylight{rule.standard.utoff + 3600, true, *dst_name};
    if (m_pos < m_text.size() && m_text[m_pos] != ',') {
      auto dst_offset = offset();
      if (!dst_offset) return std::nullopt;
      daylight.utoff = static_cast<int>(-*dst_offset);
    }
    rule.daylight = daylight;
    if (!eat(',')) {
      // POSIX default rule (US rules), only for strings without explicit dates.
      rule.start = {RuleDate::Kind::month_week_day, 3, 2, 0, 0, 7200};
      rule.end = {RuleDate::Kind::month_week_day, 11, 1, 0, 0, 7200};
      return rule;
    }
    auto start = date();
    if (!start || !eat(',')) return std::nullopt;
    auto end = date();
    if (!end || m_pos != m_text.size()) return std::nullopt;
    rule.start = *start;
    rule.end = *end;
    return rule;
  }

private:
  bool eat(char c) {
    if (m_pos < m_text.size() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }
  std::optional<std::string> name() {
    std::string out;
    if (eat('<')) {
      while (m_pos < m_text.size() && m_text[m_pos] != '>') out += m_text[m_pos++];
      if (!eat('>')) return std::nullopt;
    } else {
      while (m_pos < m_text.size() && std::isalpha(static_cast<unsigned char>(m_text[m_pos]))) out += m_text[m_pos++];
    }
    if (out.size() < 3) return std::nullopt;
    return out;
  }
  std::optional<long long> number() {
    if (m_pos >= m_text.size() || !std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) return std::nullopt;
    long long n = 0;
    while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) {
      n = n * 10 + (m_text[m_pos++] - '0');
    }
    return n;
  }
  // [+-]hh[:mm[:ss]] in seconds.
  std::optional<long long> offset() {
    long long sign = 1;
    if (eat('-')) sign = -1;
    else eat('+');
    auto h = number();
    if (!h) return std::nullopt;
    long long total = *h * 3600;
    if (eat(':')) {
      auto m = number();
      if (!m) return std::nullopt;
      total += *m * 60;
      if (eat(':')) {
        auto s = number();
        if (!s) return std::nullopt;
        total += *s;
      }
    }
    return sign * total;
  }
  std::optional<RuleDate> date() {
    RuleDate r;
    if (eat('M')) {
      auto m = number();
      if (!m || !eat('.')) return std::nullopt;
      auto w = number();
      if (!w || !eat('.')) return std::nullopt;
      auto d = number();
      if (!d || *m < 1 || *m > 12 || *w < 1 || *w > 5 || *d > 6) return std::nullopt;
      r = {RuleDate::Kind::month_week_day, static_cast<int>(*m), static_cast<int>(*w), static_cast<int>(*d), 0, 7200};
    } else if (eat('J')) {
      auto n = number();
      if (!n || *n < 1 || *n > 365) return std::nullopt;
      r.kind = RuleDate::Kind::julian_no_leap;
      r.day = static_cast<int>(*n);
    } else {
      auto n = number();
      if (!n || *n > 365) return std::nullopt;
      r.kind = RuleDate::Kind::zero_based;
      r.day = static_cast<int>(*n);
    }
    if (eat('/')) {
      auto t = offset(); // v3 allows a sign and hours up to 167
      if (!t) return std::nullopt;
      r.time = *t;
    }
    return r;
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
};

std::int64_t read_be(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

} // namespace

struct TimeZone::Data {
  std::string name;
  std::vector<long long> transitions; ///< UTC seconds, ascending
  std::vector<std::size_t> transition_types;
  std::vector<LocalType> types;       ///< types[0] applies before the first transition
  std::optional<PosixRule> rule;      ///< after the last transition

  const LocalType& type_at(long long t, LocalType& scratch) const {
    if (transitions.empty() || t < transitions.front()) {
      if (transitions.empty() && rule) return rule_type_at(t, scratch);
      return types.front();
    }
    if (t >= transitions.back() && rule) return rule_type_at(t, scratch);
    auto it = std::upper_bound(transitions.begin(), transitions.end(), t);
    return types[transition_types[static_cast<std::size_t>(it - transitions.begin()) - 1]];
  }

  const LocalType& rule_type_at(long long t, LocalType& scratch) const {
    if (!rule->daylight) return rule->standard;
    // Transitions of the years around t; the last one at or before t decides.
    int year = civil_from_days((t + rule->standard.utoff) / k_day - ((t + rule->standard.utoff) % k_day < 0)).year;
    bool in_dst = false;
    long long best = std::numeric_limits<long long>::min();
    for (int y = year - 1; y <= year + 1; ++y) {
      long long start = rule_day(rule->start, y) * k_day + rule->start.time - rule->standard.utoff;
      long long end = rule_day(rule->end, y) * k_day + rule->end.time - rule->daylight->utoff;
      if (start <= t && start > best) {
        best = start;
        in_dst = true;
      }
      if (end <= t && end > best) {
        best = end;
        in_dst = false;
      }
    }
    scratch = in_dst ? *rule->daylight : rule->standard;
    return scratch;
  }

  int offset_at(long long t) const {
    LocalType scratch;
    return type_at(t, scratch).utoff;
  }
};

namespace {

Result<std::shared_ptr<TimeZone::Data>> parse_tzif(const std::string& bytes, const std::string& name) {
  auto corrupt = [&](std::string_view why) {
    return fail(ErrorKind::config, fmt::format("time zone '{}': corrupt zone file ({})", name, why));
  };
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t size = bytes.size();
  if (size < 44 || bytes.compare(0, 4, "TZif") != 0) return corrupt("no TZif header");
  auto counts = [&](std::size_t at) {
    std::array<std::int64_t, 6> c{};
    for (int i = 0; i < 6; ++i) c[static_cast<std::size_t>(i)] = read_be(p + at + 20 + 4 * i, 4);
    return c; // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
  };
  auto block_size = [](const std::array<std::int64_t, 6>& c, int time_size) {
    return static_cast<std::size_t>(c[3] * time_size + c[3] + c[4] * 6 + c[5] + c[2] * (time_size + 4) + c[1] + c[0]);
  };
  char version = bytes[4];
  std::size_t header = 0;
  int time_size = 4;
  auto c = counts(0);
  if (version >= '2') {
    std::size_t second = 44 + block_size(c, 4);
    if (second + 44 > size || bytes.compare(second, 4, "TZif") != 0) return corrupt("bad v2 header");
    header = second;
    time_size = 8;
    c = counts(second);
  }
  std::size_t at = header + 44;
  if (at + block_size(c, time_size) > size || c[4] < 1) return corrupt("truncated");
  auto data = std::make_shared<TimeZone::Data>();
  data->name = name;
  auto timecnt = static_cast<std::size_t>(c[3]);
  auto typecnt = static_cast<std::size_t>(c[4]);
  for (std::size_t i = 0; i < timecnt; ++i) data->transitions.push_back(read_be(p + at + i * time_size, time_size));
  at += timecnt * time_size;
  for (std::size_t i = 0; i < timecnt; ++i) {
    if (p[at + i] >= typecnt) return corrupt("bad type index");
    data->transition_types.push_back(p[at + i]);
  }
  at += timecnt;
  std::size_t chars_at = at + typecnt * 6;
  for (std::size_t i = 0; i < typecnt; ++i) {
    const unsigned char* t = p + at + i * 6;
    std::size_t idx = t[5];
    if (idx >= static_cast<std::size_t>(c[5])) return corrupt("bad abbreviation index");
    std::string abbr(bytes.data() + chars_at + idx);
    data->types.push_back({static_cast<int>(read_be(t, 4)), t[4] != 0, abbr});
  }
  at = header + 44 + block_size(c, time_size);
  if (version >= '2' && at < size && bytes[at] == '\n') {
    auto end = bytes.find('\n', at + 1);
    if (end != std::string::npos && end > at + 1) {
      data->rule = PosixParser(std::string_view(bytes).substr(at + 1, end - at - 1)).parse();
      if (!data->rule) return corrupt("bad TZ footer");
    }
  }
  return data;
}

bool valid_zone_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' || ch == '_' || ch == '-' || ch == '+';
  });
}

} // namespace

Result<TimeZone> TimeZone::load(std::string_view name) {
  if (!valid_zone_name(name)) return fail(ErrorKind::config, fmt::format("time zone '{}': not a valid zone name", name));
  const char* dir = std::getenv("TZDIR");
  std::string path = fmt::format("{}/{}", dir && *dir ? dir : "/usr/share/zoneinfo", name);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (name == "UTC" || name == "Etc/UTC") return utc();
    return fail(ErrorKind::config,
                fmt::format("time zone '{}': unknown zone (no {}; is the tzdata package installed?)", name, path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto data = parse_tzif(buffer.str(), std::string(name));
  if (!data) return tl::unexpected(data.error());
  return TimeZone(std::move(*data));
}

TimeZone TimeZone::utc() {
  static const auto k_utc = [] {
    auto data = std::make_shared<Data>();
    data->name = "UTC";
    data->types.push_back({0, false, "UTC"});
    return std::shared_ptr<const Data>(data);
  }();
  return TimeZone(k_utc);
}

const std::string& TimeZone::name() const { return m_data->name; }

CivilTime TimeZone::to_local(SysSeconds instant) const {
  long long t = instant.time_since_epoch().count();
  LocalType scratch;
  const LocalType& type = m_data->type_at(t, scratch);
  long long local = t + type.utoff;
  long long days = local / k_day - (local % k_day < 0 ? 1 : 0);
  long long secs = local - days * k_day;
  CivilTime out;
  out.local = {civil_from_days(days), static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
               static_cast<int>(secs % 60)};
  out.utc_offset = type.utoff;
  out.dst = type.dst;
  out.abbreviation = type.abbreviation;
  return out;
}

SysSeconds TimeZone::to_utc(const LocalDateTime& local, Ambiguity ambiguity) const {
  long long l = days_from_civil(local.date) * k_day + local.hour * 3600LL + local.minute * 60LL + local.second;
  // Offsets in force around that local time: a zone changes offset at most once in a few days.
  std::vector<int> offsets;
  for (long long probe : {l - 2 * k_day, l, l + 2 * k_day}) offsets.push_back(m_data->offset_at(probe));
  std::vector<long long> candidates;
  for (int o : offsets) {
    long long u = l - o;
    if (m_data->offset_at(u) == o) candidates.push_back(u);
  }
  if (!candidates.empty()) {
    auto [lo, hi] = std::minmax_element(candidates.begin(), candidates.end());
    return SysSeconds{std::chrono::seconds{ambiguity == Ambiguity::earliest ? *lo : *hi}};
  }
  // A gap (clocks went forward over `local`): the answer is the transition instant itself.
  auto [min_o, max_o] = std::minmax_element(offsets.begin(), offsets.end());
  long long lo = l - *max_o, hi = l - *min_o; // offset_at(lo) is the earlier (smaller) offset
  int before = m_data->offset_at(lo);
  while (hi - lo > 1) {
    long long mid = lo + (hi - lo) / 2;
    if (m_data->offset_at(mid) == before) lo = mid;
    else hi = mid;
  }
  return SysSeconds{std::chrono::seconds{hi}};
}

SysSeconds TimeZone::start_of_day(const Date& date) const { return to_utc({date, 0, 0, 0}, Ambiguity::earliest); }

SysSeconds TimeZone::start_of_month(int year, unsigned month) const {
  year += static_cast<int>((month - 1) / 12);
  month = (month - 1) % 12 + 1;
  return start_of_day({year, month, 1});
}

Date TimeZone::local_date(SysSeconds instant) const { return to_local(instant).local.date; }

// Howard Hinnant's days_from_civil / civil_from_days.
long long days_from_civil(const Date& date) {
  long long y = date.year - (date.month <= 2 ? 1 : 0);
  long long era = (y >= 0 ? y : y - 399) / 400;
  long long yoe = y - era * 400;
  long long m = date.month;
  long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
  long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date civil_from_days(long long days) {
  days += 719468;
  long long era = (days >= 0 ? days : days - 146096) / 146097;
  long long doe = days - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long y = yoe + era * 400;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(y + (m <= 2 ? 1 : 0)), m, d};
}

std::string format_rfc3339_utc(SysSeconds instant) {
  auto civil = TimeZone::utc().to_local(instant).local;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", civil.date.year, civil.date.month, civil.date.day,
                     civil.hour, civil.minute, civil.second);
}

tl::expected<SysSeconds, std::string> parse_rfc3339(std::string_view text) {
  auto bad = [&] { return tl::unexpected(fmt::format("'{}' is not an RFC 3339 time (2026-11-29T01:02:03Z)", text)); };
  auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    if (at + n > text.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
      text[13] != ':' || text[16] != ':') {
    return bad();
  }
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2), s = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *mo < 1 || *mo > 12 || *d < 1 ||
      static_cast<unsigned>(*d) > days_in_month(*y, static_cast<unsigned>(*mo)) || *h > 23 || *mi > 59 || *s > 60) {
    return bad();
  }
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    std::size_t start = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
    if (at == start) return bad();
  }
  long long offset = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    auto oh = digits(at + 1, 2), om = digits(at + 4, 2);
    if (!oh || !om || at + 3 >= text.size() || text[at + 3] != ':' || *oh > 23 || *om > 59) return bad();
    offset = (text[at] == '-' ? -1 : 1) * (*oh * 3600LL + *om * 60LL);
    at += 6;
  } else {
    return bad();
  }
  if (at != text.size()) return bad();
  long long local = days_from_civil({*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)}) * k_day +
                    *h * 3600LL + *mi * 60LL + std::min(*s, 59);
  return SysSeconds{std::chrono::seconds{local - offset}};
}

} // namespace tma::core
