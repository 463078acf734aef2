#pragma once
// Daily aggregates of the health checks (`tma health --record`; docs/incidents.md, "Daily
// aggregates"): per site, environment and agency-local day, how many checks ran, how many failed,
// and the response times' median, 95th percentile and maximum. A 500-site agency probing every 5
// minutes makes 4 M probes a month: the journal gets one `health.daily` event per site, environment
// and day instead, written once the day is over. The day still running is kept on this machine
// (`OpenDays`, serialised to the journal's local state) and costs a bounded histogram per target,
// whatever the number of probes. Pure: the caller reads and writes the state and the journal.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/check/health.hpp>
#include <tma/core/error.hpp>
#include <tma/core/units.hpp>
#include <tma/journal/journal.hpp>

namespace tma::incident {

inline constexpr std::string_view k_health_daily = "health.daily";

/// Response times in logarithmic buckets 5 % wide: memory bounded by the range of times (about
/// 230 buckets from 1 ms to 60 s, sparse), percentiles within 2.5 % of the exact ones.
class TimeHistogram {
public:
  void add(std::chrono::milliseconds time, std::uint64_t count = 1);
  void merge(const TimeHistogram& other);
  std::uint64_t count() const { return m_count; }
  /// The `q`-quantile (0 < q <= 1) by nearest rank, as the middle of its bucket; nullopt when empty.
  std::optional<std::chrono::milliseconds> quantile(double q) const;
  /// `[[bucket, count], ...]`, buckets ascending.
  nlohmann::json to_json() const;
  static core::Result<TimeHistogram> from_json(const nlohmann::json& buckets);

private:
  std::map<int, std::uint64_t> m_buckets; ///< bucket -> probes
  std::uint64_t m_count = 0;
};

/// One target's checks on one day.
struct DayAggregate {
  std::string site, env, client;
  core::Date date;
  int probes = 0;
  int failures = 0;                      ///< probes with a critical problem (down)
  TimeHistogram times;                   ///< probes that got an answer
  std::chrono::milliseconds max{0};
  std::optional<core::Date> tls_expires_on; ///< the certificate's expiry as the day's last check saw it
};

/// One health check of a target as the daily aggregate counts it.
struct DaySample {
  std::string site, env, client;
  bool ok = true;
  std::optional<std::chrono::milliseconds> time; ///< unset when nothing answered
  std::optional<long> tls_days_left;             ///< the soonest certificate expiry of the checks (HTTPS)
};

/// The samples of `results` (check::run_health's, any number per target): one per site and env,
/// down when any result is critical, timed by the slowest answered result, with the soonest TLS
/// expiry. `client_of` names
/// the site's client.
std::vector<DaySample> samples_from_health(const std::vector<check::HealthResult>& results,
                                           const std::function<std::string(const std::string&)>& client_of);

/// The days not yet in the journal, kept on the machine that runs the checks.
class OpenDays {
public:
  /// Parse the state written by `serialise()`; "" is no open day. A state this version cannot read
  /// is an error naming what is wrong (the caller decides whether to start afresh).
  static core::Result<OpenDays> parse(const std::string& text);
  std::string serialise() const;

  void add(const std::vector<DaySample>& samples, core::Date day);
  /// Remove and return the days before `today`, oldest first: complete, to be journalled.
  std::vector<DayAggregate> close_before(core::Date today);
  const std::vector<DayAggregate>& days() const { return m_days; }

private:
  std::vector<DayAggregate> m_days;
};

/// The `health.daily` payload: `{date, probes, failures, p50_ms, p95_ms, max_ms, tls_expires_on}`
/// (times only when some probe answered, the expiry only over HTTPS).
nlohmann::json daily_event_data(const DayAggregate& day);

/// What a report reads back from a `health.daily` event.
struct DailyHealth {
  std::string site, env;
  core::Date date;
  int probes = 0, failures = 0;
  std::optional<std::chrono::milliseconds> p50, p95, max;
  std::optional<core::Date> tls_expires_on;
  /// 100 x (probes - failures) / probes; unset without probes.
  std::optional<double> uptime_percent() const;
};

/// The daily figures of `events` (other types ignored; a malformed payload skipped), one per site,
/// env and date: when a day was journalled twice (a crash between the journal and the state file),
/// the one with more probes counts. Sorted by site, env, date.
std::vector<DailyHealth> fold_daily(const std::vector<journal::Event>& events);

} // namespace tma::incident
