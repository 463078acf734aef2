#pragma once
// IANA time zones without std::chrono::tzdb (g++ 12's libstdc++ has none): the zone's TZif file
// (`$TZDIR`, else /usr/share/zoneinfo) is read once into an immutable table, so a `TimeZone` is
// cheap to copy and safe to share between threads. Times past the file's last transition follow
// the POSIX TZ rule in the file's footer.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <tma/core/error.hpp>
#include <tma/core/units.hpp>

namespace tma::core {

/// A UTC instant with one-second resolution.
using SysSeconds = std::chrono::sys_seconds;

/// Wall-clock time in some zone (what a person in that zone reads on a clock).
struct LocalDateTime {
  Date date;
  int hour = 0;
  int minute = 0;
  int second = 0;
  auto operator<=>(const LocalDateTime&) const = default;
};

/// The local time of an instant, with the offset and abbreviation in force then.
struct CivilTime {
  LocalDateTime local;
  int utc_offset = 0;        ///< seconds east of UTC (Paris: 3600 in winter, 7200 in summer)
  bool dst = false;
  std::string abbreviation;  ///< `CET`, `CEST`, `UTC`
};

/// How to map a local time that occurs twice (clocks go back) or never (clocks go forward).
/// `earliest`: the first of two instants; for a gap, the instant the gap starts at (the local
/// time is pushed forward by the gap's length, like std::chrono::choose::earliest on a gap).
enum class Ambiguity { earliest, latest };

class TimeZone {
public:
  /// Load zone `name` (`Europe/Paris`, `UTC`, `America/New_York`) from `$TZDIR` or
  /// /usr/share/zoneinfo. Fails (ErrorKind::config) for an unknown name, a name that tries to
  /// leave the zoneinfo directory, or a corrupt file.
  static Result<TimeZone> load(std::string_view name);

  /// UTC itself, without touching the file system.
  static TimeZone utc();

  /// The name given to `load` (`UTC` for `utc()`).
  const std::string& name() const;

  /// The civil time in this zone at `instant`.
  CivilTime to_local(SysSeconds instant) const;

  /// The UTC instant at which clocks in this zone show `local`; see `Ambiguity` for the times
  /// that occur twice or not at all.
  SysSeconds to_utc(const LocalDateTime& local, Ambiguity ambiguity = Ambiguity::earliest) const;

  /// The instant local day `date` starts (local midnight, or the first instant after it).
  SysSeconds start_of_day(const Date& date) const;

  /// The instant local calendar month `year`-`month` starts; month 13 means January of `year`+1.
  SysSeconds start_of_month(int year, unsigned month) const;

  /// The local calendar date at `instant`.
  Date local_date(SysSeconds instant) const;

  struct Data;

private:
  explicit TimeZone(std::shared_ptr<const Data> data) : m_data(std::move(data)) {}
  std::shared_ptr<const Data> m_data;
};

/// Days since 1970-01-01 of `date` (proleptic Gregorian), and back.
long long days_from_civil(const Date& date);
Date civil_from_days(long long days);

/// `2026-11-29T01:02:03Z` for `instant`.
std::string format_rfc3339_utc(SysSeconds instant);

/// Parse RFC 3339 (`2026-11-29T01:02:03Z`, `2026-11-29T02:02:03+01:00`, fractional seconds are
/// dropped) into a UTC instant; an error message on anything else.
tl::expected<SysSeconds, std::string> parse_rfc3339(std::string_view text);

} // namespace tma::core
