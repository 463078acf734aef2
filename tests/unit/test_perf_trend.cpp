// tma perf --record / --compare: the recorded event, periods, medians and the regression judgement,
// without servers (the journal is the in-memory fake).
#include <catch2/catch.hpp>

#include <tma/inventory/load.hpp>
#include <tma/perf/trend.hpp>

using namespace tma;
using perf::PageFigures;

namespace {

perf::PageResult measured_page(std::string path, std::int64_t ttfb, std::int64_t total, std::uint64_t bytes, int requests) {
  perf::PageResult page;
  page.url = "https://www.acme.example" + path;
  page.final_url = page.url;
  page.path = std::move(path);
  page.status = 200;
  page.http_version = "2";
  page.timings.first_byte = perf::Milliseconds(ttfb);
  page.timings.total = perf::Milliseconds(total);
  // The page and requests - 1 assets; the page carries the bytes.
  for (int i = 0; i < requests; ++i) {
    perf::Resource r;
    r.url = page.url + "#" + std::to_string(i);
    r.status = 200;
    r.is_page = i == 0;
    r.transfer_bytes = i == 0 ? bytes : 0;
    page.resources.push_back(r);
  }
  return page;
}

journal::Event measured_event(const std::string& site, const std::string& env, nlohmann::json data, int day) {
  journal::Event event;
  event.type = perf::k_measured_event;
  event.site = site;
  event.env = env;
  event.at = core::SysSeconds{std::chrono::seconds{1'780'000'000 - day * 86400}};
  event.data = std::move(data);
  return event;
}

} // namespace

TEST_CASE("perf trend: median of odd and even counts", "[perf][unit]") {
  CHECK(perf::median({}) == 0);
  CHECK(perf::median({7}) == 7);
  CHECK(perf::median({300, 100, 200}) == 200);
  CHECK(perf::median({100, 400, 200, 300}) == 250);
  CHECK(perf::median({1, 2}) == 1); // rounded down
}

TEST_CASE("perf trend: a metric regresses beyond the ratio and its floor only", "[perf][unit]") {
  std::vector<PageFigures> past{{300, 400, 500'000, 40}, {320, 420, 510'000, 40}, {280, 380, 490'000, 42}};
  SECTION("same figures: nothing regressed") {
    auto t = perf::judge(past, {310, 410, 505'000, 41}, 1.5);
    CHECK(t.samples == 3);
    CHECK(t.ttfb_ms == 300);
    CHECK(t.bytes == 500'000);
    CHECK(t.requests == 40);
    CHECK(t.ttfb_delta == 10);
    CHECK(t.bytes_delta == 5'000);
    CHECK(t.regressed.empty());
  }
  SECTION("twice as slow and heavier") {
    auto t = perf::judge(past, {900, 1000, 1'600'000, 90}, 1.5);
    CHECK(t.regressed == std::vector<std::string>{"ttfb", "total", "bytes", "requests"});
    CHECK(t.ttfb_delta == 600);
    CHECK(t.requests_delta == 50);
  }
  SECTION("exactly at the ratio is not a regression") {
    auto t = perf::judge(past, {450, 600, 750'000, 60}, 1.5);
    CHECK(t.regressed.empty());
  }
  SECTION("a higher ratio tolerates more") {
    auto t = perf::judge(past, {900, 1000, 1'600'000, 90}, 4.0);
    CHECK(t.regressed.empty());
  }
  SECTION("tiny figures are under the floors") {
    std::vector<PageFigures> small{{2, 3, 1'000, 1}};
    auto t = perf::judge(small, {50, 90, 8'000, 4}, 1.5);
    CHECK(t.regressed.empty());
    auto worse = perf::judge(small, {150, 190, 20'000, 9}, 1.5);
    CHECK(worse.regressed == std::vector<std::string>{"ttfb", "total", "bytes", "requests"});
  }
  SECTION("a median of zero never regresses") {
    std::vector<PageFigures> zero{{0, 0, 0, 0}};
    CHECK(perf::judge(zero, {500, 500, 500'000, 50}, 1.5).regressed.empty());
  }
}

TEST_CASE("perf trend: the recorded event holds each page's figures or its error", "[perf][unit]") {
  perf::TargetResult target{"acme-www", "prod", {}, perf::TargetStatus::failed, std::nullopt};
  target.pages.push_back(measured_page("/", 312, 340, 1'900'000, 3));
  target.pages.back().findings.push_back({"ttfb", "slow", {}, 1});
  auto broken = measured_page("/shop/", 0, 0, 0, 0);
  broken.error = core::Error{core::ErrorKind::unreachable, "connection refused"};
  target.pages.push_back(broken);
  auto data = perf::measured_event_data(target);
  CHECK(data["status"] == "failed");
  REQUIRE(data["pages"].size() == 2);
  const auto& page = data["pages"][0];
  CHECK(page["path"] == "/");
  CHECK(page["url"] == "https://www.acme.example/");
  CHECK(page["ttfb_ms"] == 312);
  CHECK(page["total_ms"] == 340);
  CHECK(page["bytes"] == 1'900'000);
  CHECK(page["requests"] == 3);
  CHECK(page["findings"] == 1);
  CHECK(page["http"] == "2");
  CHECK(data["pages"][1]["error"] == "unreachable");
  CHECK(!data["pages"][1].contains("ttfb_ms"));

  // Read back: the error page has no figures; another site's event and malformed pages are skipped.
  perf::History history;
  perf::add_to_history(history, measured_event("acme-www", "prod", data, 1));
  perf::add_to_history(history, measured_event("acme-www", "prod",
                                               {{"pages", {{{"path", "/"}, {"ttfb_ms", "fast"}}, "junk", {{"ttfb_ms", 1}}}}}, 2));
  perf::add_to_history(history, measured_event("acme-www", "prod", {{"pages", "none"}}, 3));
  perf::add_to_history(history, measured_event("other", "prod", data, 1));
  REQUIRE(history.count({"acme-www", "prod", "/"}) == 1);
  CHECK(history.at({"acme-www", "prod", "/"}).size() == 1);
  CHECK(history.at({"acme-www", "prod", "/"})[0].bytes == 1'900'000);
  CHECK(history.count({"acme-www", "prod", "/shop/"}) == 0);
  CHECK(history.count({"other", "prod", "/"}) == 1);
}

TEST_CASE("perf trend: periods are a duration back from now or a month", "[perf][unit]") {
  auto now = core::SysSeconds{std::chrono::seconds{1'780'000'000}};
  auto utc = core::TimeZone::utc();
  auto days = perf::parse_period("30d", now, utc);
  REQUIRE(days);
  CHECK(days->since == now - std::chrono::hours(24 * 30));
  CHECK(!days->until);
  auto month = perf::parse_period("2026-11", now, utc);
  REQUIRE(month);
  CHECK(month->since == utc.start_of_month(2026, 11));
  CHECK(month->until == utc.start_of_month(2026, 12));
  auto december = perf::parse_period("2026-12", now, utc);
  REQUIRE(december);
  CHECK(december->until == utc.start_of_month(2027, 1));
  for (const char* bad : {"", "0d", "30", "2026-13", "2026-11-01", "last month", "-7d"}) {
    INFO(bad);
    auto p = perf::parse_period(bad, now, utc);
    REQUIRE(!p);
    CHECK(p.error().kind == core::ErrorKind::usage);
  }
}

TEST_CASE("perf trend: apply_trends adds a regression finding from the journal's history", "[perf][unit]") {
  journal::MemoryJournal store;
  {
    journal::Run run(store, "perf --record");
    for (std::int64_t bytes : {400'000, 420'000, 410'000}) {
      perf::TargetResult past{"acme-www", "prod", {measured_page("/", 200, 300, static_cast<std::uint64_t>(bytes), 20)},
                              perf::TargetStatus::ok, std::nullopt};
      run.record(perf::k_measured_event, {"acme-www", "prod", "acme"}, perf::measured_event_data(past));
    }
    perf::TargetResult preprod{"acme-www", "preprod", {measured_page("/", 200, 300, 10, 20)}, perf::TargetStatus::ok, std::nullopt};
    run.record(perf::k_measured_event, {"acme-www", "preprod", "acme"}, perf::measured_event_data(preprod));
    REQUIRE(run.finish(0));
  }
  auto period = perf::parse_period("7d", store.now() + std::chrono::seconds(1), core::TimeZone::utc());
  REQUIRE(period);
  auto history = perf::read_history(store, *period, {"acme-www"});
  REQUIRE(history);
  CHECK(history->at({"acme-www", "prod", "/"}).size() == 3);

  perf::TargetResult now{"acme-www", "prod", {measured_page("/", 210, 310, 1'000'000, 21), measured_page("/new/", 1, 1, 1, 1)},
                         perf::TargetStatus::ok, std::nullopt};
  perf::apply_trends(now, *history, 1.5);
  REQUIRE(now.pages[0].trend);
  CHECK(now.pages[0].trend->samples == 3);
  CHECK(now.pages[0].trend->bytes == 410'000);
  CHECK(now.pages[0].trend->bytes_delta == 590'000);
  CHECK(now.pages[0].trend->regressed == std::vector<std::string>{"bytes"});
  REQUIRE(now.pages[0].findings.size() == 1);
  CHECK(now.pages[0].findings[0].rule == "regression");
  CHECK(now.pages[0].findings[0].message.find("median of 3") != std::string::npos);
  CHECK(!now.pages[1].trend); // never recorded
  CHECK(now.status == perf::TargetStatus::findings);

  perf::TargetResult steady{"acme-www", "prod", {measured_page("/", 210, 310, 415'000, 21)}, perf::TargetStatus::ok, std::nullopt};
  perf::apply_trends(steady, *history, 1.5);
  REQUIRE(steady.pages[0].trend);
  CHECK(steady.pages[0].findings.empty());
  CHECK(steady.status == perf::TargetStatus::ok);
}

TEST_CASE("perf keys of the inventory: regression ratio and WordPress thresholds", "[perf][unit]") {
  auto site_with = [](const std::string& perf) {
    return "version: 1\nagency: {name: Lab}\nclients:\n  lab: {name: Lab, contract: {model: on_demand, rate: 90}}\n"
           "sites:\n  www:\n    client: lab\n    cms: wordpress\n    perf: " +
           perf + "\n    environments:\n      prod: {url: \"http://127.0.0.1:1\"}\n";
  };
  auto defaults = inventory::load_inventory_text(site_with("{}"), "sites.yaml");
  REQUIRE(defaults);
  const auto& policy = defaults->inventory.sites.at(0).perf;
  CHECK(policy.regression == Approx(1.5));
  CHECK(policy.autoload_size == 800 * 1024);
  CHECK(policy.cron_overdue == 1);
  CHECK(policy.cron_overdue_age == std::chrono::hours(1));
  CHECK_FALSE(policy.object_cache);

  auto set = inventory::load_inventory_text(
      site_with("{regression: 2.25, autoload_size: 1MiB, cron_overdue: 5, cron_overdue_age: 30m, object_cache: true}"),
      "sites.yaml");
  REQUIRE(set);
  const auto& chosen = set->inventory.sites.at(0).perf;
  CHECK(chosen.regression == Approx(2.25));
  CHECK(chosen.autoload_size == 1024 * 1024);
  CHECK(chosen.cron_overdue == 5);
  CHECK(chosen.cron_overdue_age == std::chrono::minutes(30));
  CHECK(chosen.object_cache);

  for (const char* bad : {"{regression: 1}", "{regression: 1e3}", "{regression: nan}", "{regression: 101}",
                          "{regression: 1.5.1}", "{cron_overdue: 0}", "{cron_overdue_age: 10s}", "{autoload_size: 0B}"}) {
    INFO(bad);
    auto refused = inventory::load_inventory_text(site_with(bad), "sites.yaml");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().front().key.rfind("sites.www.perf.", 0) == 0);
  }
}
