// First-response targets of requests on the SLA clock, their table cells and JSON, the request
// block of `tma summary`, and `request_targets` in the inventory. Expected values computed by hand.
#include <catch2/catch.hpp>

#include <tma/request/stats.hpp>
#include <tma/request/targets.hpp>

#include "support/inventory_text.hpp"

using namespace std::chrono_literals;
using tma::core::Seconds;
using tma::core::SysSeconds;
namespace request = tma::request;

namespace {

SysSeconds utc(const char* text) { return *tma::core::parse_rfc3339(text); }

tma::core::TimeZone paris() {
  auto zone = tma::core::TimeZone::load("Europe/Paris");
  REQUIRE(zone);
  return *zone;
}

// acme: urgent 4h, normal 3d of business time (mon-fri 09:00-18:00 Paris); globex: 24x7, no low.
tma::inventory::Inventory inventory() {
  tma::inventory::Inventory inv;
  tma::inventory::Client acme;
  acme.id = "acme";
  tma::inventory::RequestTargets business;
  business.urgent = Seconds{4h};
  business.normal = Seconds{3 * 24h};
  acme.contract.request_targets = business;
  tma::inventory::Client globex;
  globex.id = "globex";
  tma::inventory::RequestTargets always;
  always.clock = tma::inventory::SlaClock::always;
  always.high = Seconds{24h};
  globex.contract.request_targets = always;
  tma::inventory::Client initech;
  initech.id = "initech";
  inv.clients = {acme, globex, initech};
  return inv;
}

request::Request opened(std::string client, request::Priority priority, const char* at) {
  request::Request r;
  r.id = r.number = "REQ-2026-0001";
  r.client = std::move(client);
  r.priority = priority;
  r.opened = utc(at);
  return r;
}

} // namespace

TEST_CASE("request targets: business hours from a Friday evening") {
  auto inv = inventory();
  // Friday 27 Nov 2026 17:00 Paris: 1h left that day, 3h on Monday: due Monday 12:00 Paris (11:00Z).
  auto r = opened("acme", request::Priority::urgent, "2026-11-27T16:00:00Z");

  SECTION("not answered yet: due, with the wall-clock time left") {
    auto check = request::check_response(r, inv, paris(), utc("2026-11-27T16:30:00Z"));
    REQUIRE(check);
    CHECK(check->state == request::ResponseState::due);
    CHECK(check->target == Seconds{4h});
    CHECK(check->used == Seconds{30min});
    CHECK(check->deadline == utc("2026-11-30T11:00:00Z"));
    CHECK(check->due_in == Seconds{2 * 24h + 18h + 30min});
    CHECK(request::response_cell(check) == "due in 2d18h30m");
  }
  SECTION("answered Monday 11:00 Paris: met after 3h of business time") {
    r.first_response = utc("2026-11-30T10:00:00Z");
    auto check = request::check_response(r, inv, paris(), utc("2026-12-01T10:00:00Z"));
    REQUIRE(check);
    CHECK(check->state == request::ResponseState::met);
    CHECK(check->used == Seconds{3h});
    CHECK(request::response_cell(check) == "met");
    auto json = request::to_json(r, check);
    CHECK(json["response"]["state"] == "met");
    CHECK(json["response"]["target_seconds"] == 4 * 3600);
    CHECK(json["response"]["used_seconds"] == 3 * 3600);
    CHECK(json["response"]["deadline"] == "2026-11-30T11:00:00Z");
    CHECK(json["response"]["due_in_seconds"].is_null());
    CHECK(json["first_response_at"] == "2026-11-30T10:00:00Z");
    CHECK(json["site"].is_null());
    CHECK(json["assignee"].is_null());
  }
  SECTION("not answered by Monday 13:00 Paris: late") {
    auto check = request::check_response(r, inv, paris(), utc("2026-11-30T12:00:00Z"));
    REQUIRE(check);
    CHECK(check->state == request::ResponseState::late);
    CHECK(request::response_cell(check) == "late");
  }
  SECTION("answered after the deadline: late") {
    r.first_response = utc("2026-11-30T13:00:00Z");
    CHECK(request::check_response(r, inv, paris(), utc("2026-12-01T10:00:00Z"))->state == request::ResponseState::late);
  }
}

TEST_CASE("request targets: a 24x7 clock, and no target") {
  auto inv = inventory();
  auto high = opened("globex", request::Priority::high, "2026-11-28T10:00:00Z"); // a Saturday
  auto check = request::check_response(high, inv, paris(), utc("2026-11-28T12:00:00Z"));
  REQUIRE(check);
  CHECK(check->deadline == utc("2026-11-29T10:00:00Z"));
  CHECK(check->used == Seconds{2h});
  CHECK(check->due_in == Seconds{22h});
  // The table shows whole minutes.
  CHECK(request::response_cell(request::check_response(high, inv, paris(), utc("2026-11-29T09:58:30Z"))) == "due in 1m");
  CHECK(request::response_cell(request::check_response(high, inv, paris(), utc("2026-11-29T09:59:30Z"))) == "due now");
  // No target for the priority, no targets in the contract, no such client: nothing to check.
  CHECK_FALSE(request::check_response(opened("globex", request::Priority::low, "2026-11-28T10:00:00Z"), inv, paris(),
                                      utc("2026-11-28T12:00:00Z")));
  CHECK_FALSE(request::check_response(opened("initech", request::Priority::urgent, "2026-11-28T10:00:00Z"), inv, paris(),
                                      utc("2026-11-28T12:00:00Z")));
  CHECK_FALSE(request::check_response(opened("nobody", request::Priority::urgent, "2026-11-28T10:00:00Z"), inv, paris(),
                                      utc("2026-11-28T12:00:00Z")));
  CHECK(request::response_cell(std::nullopt) == "-");
  CHECK(request::to_json(high, std::nullopt)["response"].is_null());
}

TEST_CASE("request::period_stats counts opened and closed and takes medians") {
  auto from = utc("2026-11-01T00:00:00Z");
  auto to = utc("2026-12-01T00:00:00Z");
  auto a = opened("acme", request::Priority::normal, "2026-11-02T09:00:00Z");
  a.first_response = utc("2026-11-02T10:00:00Z");
  a.resolved = utc("2026-11-03T09:00:00Z");
  auto b = opened("acme", request::Priority::normal, "2026-11-10T09:00:00Z");
  b.first_response = utc("2026-11-10T12:00:00Z");
  auto c = opened("acme", request::Priority::normal, "2026-11-20T09:00:00Z");
  c.first_response = utc("2026-11-20T09:30:00Z");
  c.resolved = utc("2026-11-20T13:00:00Z");
  auto earlier = opened("acme", request::Priority::normal, "2026-10-20T09:00:00Z"); // closed in November
  earlier.resolved = utc("2026-11-05T09:00:00Z");
  auto later = opened("acme", request::Priority::normal, "2026-12-02T09:00:00Z");
  auto other = opened("globex", request::Priority::normal, "2026-11-02T09:00:00Z");
  auto stats = request::period_stats({a, b, c, earlier, later, other}, "acme", from, to);
  CHECK(stats.opened == 3);
  CHECK(stats.closed == 3);
  CHECK(stats.median_first_response == Seconds{1h});  // 30m, 1h, 3h
  CHECK(stats.median_resolution == Seconds{14h});     // (4h + 24h) / 2
  auto json = request::to_json(stats);
  CHECK(json == nlohmann::json{{"opened", 3},
                               {"closed", 3},
                               {"median_first_response_seconds", 3600},
                               {"median_resolution_seconds", 14 * 3600}});
  CHECK(request::render(stats) == "  requests: 3 opened, 3 closed, median first response 1h, median resolution 14h\n");
  auto none = request::period_stats({a}, "globex", from, to);
  CHECK(none.empty());
  CHECK(request::to_json(none)["median_first_response_seconds"].is_null());
  CHECK(request::median({}) == std::nullopt);
  CHECK(request::median({Seconds{5}}) == Seconds{5});
}

TEST_CASE("request_targets in the inventory: clock, budgets, mistakes") {
  auto text = std::string(tma::test::k_minimal_inventory);
  auto with = [&](const std::string& targets) {
    auto changed = text;
    auto at = changed.find("rate: 90}");
    changed.replace(at, std::string("rate: 90}").size(), "rate: 90, request_targets: " + targets + "}");
    return changed;
  };
  auto loaded = tma::test::load_text(with("{urgent: 4h, high: 1d, normal: 3d, low: 5d}"));
  REQUIRE(loaded);
  const auto& targets = loaded->inventory.client("acme")->contract.request_targets;
  REQUIRE(targets);
  CHECK(targets->clock == tma::inventory::SlaClock::business);
  CHECK(targets->urgent == Seconds{4h});
  CHECK(targets->high == Seconds{24h});
  CHECK(targets->normal == Seconds{72h});
  CHECK(targets->low == Seconds{120h});
  auto always = tma::test::load_text(with("{clock: 24x7, urgent: 1h}"));
  REQUIRE(always);
  CHECK(always->inventory.client("acme")->contract.request_targets->clock == tma::inventory::SlaClock::always);
  CHECK_FALSE(always->inventory.client("acme")->contract.request_targets->low);
  auto errors = tma::test::inventory_errors(with("{urgnt: 4h}"));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("clients.acme.contract.request_targets.urgnt") != std::string::npos);
  CHECK(errors[0].find("did you mean 'urgent'?") != std::string::npos);
  CHECK(tma::test::inventory_errors(with("{urgent: soon}")).size() == 1);
}
