#include <tma/incident/health_days.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include <tma/core/timezone.hpp>

namespace tma::incident {
namespace {

// Bucket b >= 1 holds times in [1.05^(b-1), 1.05^b) ms; bucket 0 holds 0 ms. 1.05 bounds the
// error of a quantile to half a bucket, 2.5 %, which no chart can show.
constexpr double k_growth = 1.05;
constexpr int k_max_bucket = 400; // 1.05^400 ms is centuries: anything beyond is clamped

int bucket_of(std::chrono::milliseconds time) {
  if (time.count() <= 0) return 0;
  auto b = 1 + static_cast<int>(std::floor(std::log(static_cast<double>(time.count())) / std::log(k_growth)));
  return std::clamp(b, 1, k_max_bucket);
}

std::chrono::milliseconds middle_of(int bucket) {
  if (bucket == 0) return std::chrono::milliseconds(0);
  double low = std::pow(k_growth, bucket - 1);
  double high = std::pow(k_growth, bucket);
  return std::chrono::milliseconds(static_cast<long long>(std::llround(std::sqrt(low * high))));
}

constexpr int k_state_version = 1;

core::Result<std::string> text_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return core::fail(core::ErrorKind::internal, fmt::format("`{}` is not a string", key));
  }
  return it->get<std::string>();
}

core::Result<int> count_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > 1'000'000'000) {
    return core::fail(core::ErrorKind::internal, fmt::format("`{}` is not a count", key));
  }
  return static_cast<int>(it->get<long long>());
}

std::optional<std::chrono::milliseconds> millis_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer() || it->get<long long>() < 0) return std::nullopt;
  return std::chrono::milliseconds(it->get<long long>());
}

std::optional<core::Date> date_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  auto date = core::parse_date(it->get<std::string>());
  return date ? std::optional(*date) : std::nullopt;
}

} // namespace

void TimeHistogram::add(std::chrono::milliseconds time, std::uint64_t count) {
  if (count == 0) return;
  m_buckets[bucket_of(time)] += count;
  m_count += count;
}

void TimeHistogram::merge(const TimeHistogram& other) {
  for (const auto& [bucket, count] : other.m_buckets) m_buckets[bucket] += count;
  m_count += other.m_count;
}

std::optional<std::chrono::milliseconds> TimeHistogram::quantile(double q) const {
  if (m_count == 0) return std::nullopt;
  // Nearest rank: the smallest value with at least q x count values at or below it.
  auto rank = static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(m_count)));
  rank = std::max<std::uint64_t>(rank, 1);
  std::uint64_t seen = 0;
  for (const auto& [bucket, count] : m_buckets) {
    seen += count;
    if (seen >= rank) return middle_of(bucket);
  }
  return middle_of(m_buckets.rbegin()->first);
}

nlohmann::json TimeHistogram::to_json() const {
  auto out = nlohmann::json::array();
  for (const auto& [bucket, count] : m_buckets) out.push_back({bucket, count});
  return out;
}

core::Result<TimeHistogram> TimeHistogram::from_json(const nlohmann::json& buckets) {
  if (!buckets.is_array()) return core::fail(core::ErrorKind::internal, "`times` is not an array");
  TimeHistogram out;
  for (const auto& pair : buckets) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_integer() || !pair[1].is_number_unsigned()) {
      return core::fail(core::ErrorKind::internal, "`times` holds something else than [bucket, count] pairs");
    }
    auto bucket = pair[0].get<long long>();
    if (bucket < 0 || bucket > k_max_bucket) return core::fail(core::ErrorKind::internal, "`times` has a bucket out of range");
    auto count = pair[1].get<std::uint64_t>();
    out.m_buckets[static_cast<int>(bucket)] += count;
    out.m_count += count;
  }
  return out;
}

std::vector<DaySample> samples_from_health(const std::vector<check::HealthResult>& results,
                                           const std::function<std::string(const std::string&)>& client_of) {
  std::vector<DaySample> samples;
  for (const auto& r : results) {
    auto it = std::find_if(samples.begin(), samples.end(),
                           [&](const DaySample& s) { return s.site == r.site && s.env == r.env; });
    if (it == samples.end()) {
      samples.push_back(DaySample{r.site, r.env, client_of(r.site), true, std::nullopt, std::nullopt});
      it = samples.end() - 1;
    }
    if (r.level == check::HealthLevel::critical) it->ok = false;
    if (!r.unreachable) it->time = std::max(it->time.value_or(std::chrono::milliseconds(0)), r.time);
    if (r.tls_days_left) it->tls_days_left = std::min(it->tls_days_left.value_or(*r.tls_days_left), *r.tls_days_left);
  }
  return samples;
}

core::Result<OpenDays> OpenDays::parse(const std::string& text) {
  OpenDays out;
  if (text.empty()) return out;
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return core::fail(core::ErrorKind::internal, "not a JSON object");
  auto version = doc.find("version");
  if (version == doc.end() || *version != k_state_version) {
    return core::fail(core::ErrorKind::internal, fmt::format("version is not {}", k_state_version));
  }
  auto days = doc.find("days");
  if (days == doc.end() || !days->is_array()) return core::fail(core::ErrorKind::internal, "`days` is not an array");
  for (const auto& item : *days) {
    if (!item.is_object()) return core::fail(core::ErrorKind::internal, "a day is not an object");
    DayAggregate day;
    auto site = text_field(item, "site");
    auto env = text_field(item, "env");
    auto client = text_field(item, "client");
    auto date = text_field(item, "date");
    auto probes = count_field(item, "probes");
    auto failures = count_field(item, "failures");
    if (!site) return tl::unexpected(site.error());
    if (!env) return tl::unexpected(env.error());
    if (!client) return tl::unexpected(client.error());
    if (!date) return tl::unexpected(date.error());
    if (!probes) return tl::unexpected(probes.error());
    if (!failures) return tl::unexpected(failures.error());
    auto parsed_date = core::parse_date(*date);
    if (!parsed_date) return core::fail(core::ErrorKind::internal, "`date`: " + parsed_date.error());
    auto times = TimeHistogram::from_json(item.value("times", nlohmann::json::array()));
    if (!times) return tl::unexpected(times.error());
    day.site = *site;
    day.env = *env;
    day.client = *client;
    day.date = *parsed_date;
    day.probes = *probes;
    day.failures = std::min(*failures, *probes);
    day.times = std::move(*times);
    day.max = millis_field(item, "max_ms").value_or(std::chrono::milliseconds(0));
    day.tls_expires_on = date_field(item, "tls_expires_on");
    out.m_days.push_back(std::move(day));
  }
  return out;
}

std::string OpenDays::serialise() const {
  auto days = nlohmann::json::array();
  for (const auto& d : m_days) {
    days.push_back({{"site", d.site},
                    {"env", d.env},
                    {"client", d.client},
                    {"date", core::format_date(d.date)},
                    {"probes", d.probes},
                    {"failures", d.failures},
                    {"times", d.times.to_json()},
                    {"max_ms", d.max.count()}});
    if (d.tls_expires_on) days.back()["tls_expires_on"] = core::format_date(*d.tls_expires_on);
  }
  return nlohmann::json{{"version", k_state_version}, {"days", days}}.dump() + "\n";
}

void OpenDays::add(const std::vector<DaySample>& samples, core::Date day) {
  for (const auto& sample : samples) {
    auto it = std::find_if(m_days.begin(), m_days.end(), [&](const DayAggregate& d) {
      return d.site == sample.site && d.env == sample.env && d.date == day;
    });
    if (it == m_days.end()) {
      m_days.push_back(DayAggregate{sample.site, sample.env, sample.client, day, 0, 0, {}, {}, std::nullopt});
      it = m_days.end() - 1;
    }
    ++it->probes;
    if (!sample.ok) ++it->failures;
    if (sample.time) {
      it->times.add(*sample.time);
      it->max = std::max(it->max, *sample.time);
    }
    if (sample.tls_days_left) {
      it->tls_expires_on = core::civil_from_days(core::days_from_civil(day) + *sample.tls_days_left);
    }
  }
}

std::vector<DayAggregate> OpenDays::close_before(core::Date today) {
  std::vector<DayAggregate> closed;
  std::vector<DayAggregate> open;
  for (auto& d : m_days) (d.date < today ? closed : open).push_back(std::move(d));
  m_days = std::move(open);
  std::stable_sort(closed.begin(), closed.end(), [](const DayAggregate& a, const DayAggregate& b) {
    return std::tie(a.date, a.site, a.env) < std::tie(b.date, b.site, b.env);
  });
  return closed;
}

nlohmann::json daily_event_data(const DayAggregate& day) {
  nlohmann::json data = {{"date", core::format_date(day.date)}, {"probes", day.probes}, {"failures", day.failures}};
  if (auto p50 = day.times.quantile(0.5)) data["p50_ms"] = p50->count();
  if (auto p95 = day.times.quantile(0.95)) data["p95_ms"] = p95->count();
  if (day.times.count() > 0) data["max_ms"] = day.max.count();
  if (day.tls_expires_on) data["tls_expires_on"] = core::format_date(*day.tls_expires_on);
  return data;
}

std::optional<double> DailyHealth::uptime_percent() const {
  if (probes <= 0) return std::nullopt;
  return 100.0 * static_cast<double>(probes - failures) / static_cast<double>(probes);
}

std::vector<DailyHealth> fold_daily(const std::vector<journal::Event>& events) {
  std::map<std::tuple<std::string, std::string, core::Date>, DailyHealth> by_day;
  for (const auto& e : events) {
    if (e.type != k_health_daily || !e.data.is_object()) continue;
    auto date_text = text_field(e.data, "date");
    auto probes = count_field(e.data, "probes");
    auto failures = count_field(e.data, "failures");
    if (!date_text || !probes || !failures || *probes == 0) continue;
    auto date = core::parse_date(*date_text);
    if (!date) continue;
    DailyHealth day{e.site, e.env, *date, *probes, std::min(*failures, *probes),
                    millis_field(e.data, "p50_ms"), millis_field(e.data, "p95_ms"), millis_field(e.data, "max_ms"),
                    date_field(e.data, "tls_expires_on")};
    auto [it, inserted] = by_day.try_emplace({e.site, e.env, *date}, day);
    if (!inserted && day.probes > it->second.probes) it->second = day;
  }
  std::vector<DailyHealth> out;
  for (auto& [key, day] : by_day) out.push_back(std::move(day));
  return out;
}

} // namespace tma::incident
