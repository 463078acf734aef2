// Daily aggregates of health checks: the histogram's quantiles, the open days kept on the machine,
// the `health.daily` payload and how a report folds the events back. Pure, no I/O.
#include <catch2/catch.hpp>

#include <cmath>

#include <tma/incident/health_days.hpp>

using namespace tma;
using namespace tma::incident;
using std::chrono::milliseconds;

namespace {

check::HealthResult result(const char* site, const char* env, check::HealthLevel level, long ms, bool unreachable = false) {
  check::HealthResult r;
  r.site = site;
  r.env = env;
  r.level = level;
  r.time = milliseconds(ms);
  r.unreachable = unreachable;
  return r;
}

journal::Event daily(const char* site, const char* env, nlohmann::json data) {
  journal::Event e;
  e.type = std::string(k_health_daily);
  e.site = site;
  e.env = env;
  e.client = "acme";
  e.data = std::move(data);
  return e;
}

} // namespace

TEST_CASE("health days: the histogram's quantiles are within 2.5 percent of the exact ones", "[unit][incident]") {
  TimeHistogram h;
  CHECK_FALSE(h.quantile(0.5).has_value());
  for (long ms = 1; ms <= 1000; ++ms) h.add(milliseconds(ms));
  CHECK(h.count() == 1000);
  auto p50 = h.quantile(0.5)->count();
  auto p95 = h.quantile(0.95)->count();
  CHECK(std::abs(p50 - 500) <= 13);
  CHECK(std::abs(p95 - 950) <= 24);
  CHECK(h.quantile(1.0)->count() >= 975);

  TimeHistogram zero;
  zero.add(milliseconds(0), 3);
  CHECK(zero.quantile(0.95) == milliseconds(0));

  auto again = TimeHistogram::from_json(h.to_json());
  REQUIRE(again);
  CHECK(again->count() == 1000);
  CHECK(again->quantile(0.95) == h.quantile(0.95));
  CHECK_FALSE(TimeHistogram::from_json(nlohmann::json::parse(R"([[1]])")));
  CHECK_FALSE(TimeHistogram::from_json(nlohmann::json::parse(R"([[9999, 1]])")));
  CHECK_FALSE(TimeHistogram::from_json(nlohmann::json::parse(R"({"1": 2})")));

  TimeHistogram merged;
  merged.add(milliseconds(100), 9);
  TimeHistogram slow;
  slow.add(milliseconds(5000), 1);
  merged.merge(slow);
  CHECK(merged.count() == 10);
  CHECK(std::abs(merged.quantile(0.5)->count() - 100) <= 3);
  CHECK(std::abs(merged.quantile(1.0)->count() - 5000) <= 125);
}

TEST_CASE("health days: one sample per target, down when any check is critical", "[unit][incident]") {
  std::vector<check::HealthResult> results = {
      result("www", "prod", check::HealthLevel::ok, 120),
      result("www", "prod", check::HealthLevel::warning, 340),
      result("www", "preprod", check::HealthLevel::critical, 0, true),
      result("shop", "prod", check::HealthLevel::critical, 80),
  };
  auto samples = samples_from_health(results, [](const std::string& site) { return site == "www" ? "acme" : "beta"; });
  REQUIRE(samples.size() == 3);
  CHECK(samples[0].site == "www");
  CHECK(samples[0].client == "acme");
  CHECK(samples[0].ok);
  CHECK(samples[0].time == milliseconds(340)); // the slowest answered check
  CHECK_FALSE(samples[1].ok);
  CHECK_FALSE(samples[1].time.has_value()); // nothing answered
  CHECK_FALSE(samples[2].ok);               // a 500 answers, and is down
  CHECK(samples[2].time == milliseconds(80));
  CHECK(samples[2].client == "beta");
  CHECK_FALSE(samples[0].tls_days_left.has_value());

  auto secure = result("www", "prod", check::HealthLevel::ok, 100);
  secure.tls_days_left = 40;
  auto other = secure;
  other.tls_days_left = 12;
  auto https = samples_from_health({secure, other}, [](const std::string&) { return "acme"; });
  REQUIRE(https.size() == 1);
  CHECK(https[0].tls_days_left == 12); // the soonest expiry

  OpenDays days;
  days.add(https, core::Date{2026, 11, 25});
  auto closed = days.close_before(core::Date{2026, 11, 26});
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].tls_expires_on == core::Date{2026, 12, 7});
  CHECK(daily_event_data(closed[0]).at("tls_expires_on") == "2026-12-07");
  journal::Event e;
  e.type = std::string(k_health_daily);
  e.site = "www";
  e.env = "prod";
  e.data = daily_event_data(closed[0]);
  CHECK(fold_daily({e}).at(0).tls_expires_on == core::Date{2026, 12, 7});
}

TEST_CASE("health days: open days are kept until the day is over, then closed oldest first", "[unit][incident]") {
  OpenDays days;
  core::Date d1{2026, 11, 30}, d2{2026, 12, 1}, d3{2026, 12, 2};
  days.add({{"www", "prod", "acme", true, milliseconds(200)}, {"shop", "prod", "beta", false, std::nullopt}}, d1);
  days.add({{"www", "prod", "acme", false, milliseconds(900)}}, d1);
  days.add({{"www", "prod", "acme", true, milliseconds(150)}}, d2);

  auto state = days.serialise();
  auto parsed = OpenDays::parse(state);
  REQUIRE(parsed);
  REQUIRE(parsed->days().size() == 3);
  CHECK(parsed->serialise() == state);

  CHECK(parsed->close_before(d1).empty());
  auto closed = parsed->close_before(d2);
  REQUIRE(closed.size() == 2);
  CHECK(closed[0].site == "shop"); // same day: by site
  CHECK(closed[1].site == "www");
  CHECK(closed[1].probes == 2);
  CHECK(closed[1].failures == 1);
  CHECK(closed[1].max == milliseconds(900));
  REQUIRE(parsed->days().size() == 1);
  CHECK(parsed->days()[0].date == d2);

  auto data = daily_event_data(closed[1]);
  CHECK(data.at("date") == "2026-11-30");
  CHECK(data.at("probes") == 2);
  CHECK(data.at("failures") == 1);
  CHECK(data.at("max_ms") == 900);
  CHECK(data.contains("p50_ms"));
  // A target that never answered has counts and no times.
  auto down = daily_event_data(closed[0]);
  CHECK(down.at("failures") == 1);
  CHECK_FALSE(down.contains("p50_ms"));
  CHECK_FALSE(down.contains("max_ms"));

  auto rest = parsed->close_before(d3);
  CHECK(rest.size() == 1);
  CHECK(parsed->days().empty());
}

TEST_CASE("health days: a state this version cannot read is an error and an empty one is no day", "[unit][incident]") {
  CHECK(OpenDays::parse("")->days().empty());
  CHECK_FALSE(OpenDays::parse("not json"));
  CHECK_FALSE(OpenDays::parse(R"({"version": 2, "days": []})"));
  CHECK_FALSE(OpenDays::parse(R"({"version": 1, "days": [{"site": "www"}]})"));
  CHECK_FALSE(OpenDays::parse(
      R"({"version": 1, "days": [{"site": "www", "env": "prod", "client": "a", "date": "2026-02-30", "probes": 1, "failures": 0}]})"));
  auto ok = OpenDays::parse(
      R"({"version": 1, "days": [{"site": "www", "env": "prod", "client": "a", "date": "2026-02-03", "probes": 2, "failures": 5}]})");
  REQUIRE(ok);
  CHECK(ok->days()[0].failures == 2); // never more failures than probes
}

TEST_CASE("health days: a day journalled twice counts once and malformed payloads are skipped", "[unit][incident]") {
  std::vector<journal::Event> events = {
      daily("www", "prod", {{"date", "2026-11-30"}, {"probes", 100}, {"failures", 1}, {"p50_ms", 180}, {"p95_ms", 420}}),
      daily("www", "prod", {{"date", "2026-11-30"}, {"probes", 288}, {"failures", 2}, {"p50_ms", 190}, {"p95_ms", 400}}),
      daily("www", "prod", {{"date", "2026-11-29"}, {"probes", 288}, {"failures", 0}}),
      daily("www", "prod", {{"date", "not a date"}, {"probes", 288}, {"failures", 0}}),
      daily("www", "prod", {{"date", "2026-11-28"}, {"probes", "many"}, {"failures", 0}}),
      daily("www", "prod", {{"date", "2026-11-27"}, {"probes", 0}, {"failures", 0}}),
  };
  auto other = daily("www", "prod", {{"date", "2026-11-26"}, {"probes", 5}, {"failures", 0}});
  other.type = "health.other";
  events.push_back(other);
  auto days = fold_daily(events);
  REQUIRE(days.size() == 2);
  CHECK(days[0].date == core::Date{2026, 11, 29});
  CHECK_FALSE(days[0].p50.has_value());
  CHECK(days[0].uptime_percent() == Approx(100.0));
  CHECK(days[1].probes == 288);
  CHECK(days[1].p50 == milliseconds(190));
  CHECK(*days[1].uptime_percent() == Approx(100.0 * 286 / 288));
}
