// Exact text and JSON of the hours blocks.
#include <catch2/catch.hpp>

#include <tma/contract/render.hpp>

using namespace tma::contract;
using tma::core::Date;
using std::chrono::seconds;

namespace {

TimeEntry entry(Date date, long duration, Billable billable = Billable::yes, Origin origin = Origin::manual) {
  static int next = 0;
  TimeEntry e;
  e.id = "e" + std::to_string(++next);
  e.date = date;
  e.client = "lyceum";
  e.site = "lyceum-portal";
  e.duration = seconds(duration);
  e.description = "work";
  e.billable = billable;
  e.origin = origin;
  return e;
}

} // namespace

TEST_CASE("contract::render_client_hours hour_bank block with an expiry") {
  tma::inventory::Client lyceum;
  lyceum.id = "lyceum";
  lyceum.name = "Lyceum Foundation";
  lyceum.contract.model = ContractModel::hour_bank;
  lyceum.contract.packs = {{Date{2026, 1, 15}, seconds(20 * 3600), 160000, Date{2027, 1, 15}},
                           {Date{2027, 1, 10}, seconds(10 * 3600), 85000, std::nullopt}};
  lyceum.contract.low_balance = seconds(12 * 3600);
  lyceum.contract.overage_rate = 9000;
  std::vector<TimeEntry> entries{entry({2026, 3, 1}, 5 * 3600), entry({2027, 1, 20}, 3 * 3600),
                                 entry({2027, 1, 21}, 1800, Billable::no),
                                 entry({2027, 1, 22}, 600, Billable::no, Origin::automatic)};
  auto hours = summarize_client(lyceum, entries, *parse_month("2027-01"));
  CHECK(render_client_hours(hours, "EUR") ==
        "lyceum (Lyceum Foundation) - hour_bank - 2027-01\n"
        "  carried in      15h00\n"
        "  purchased       2027-01-10 10h00 850.00 EUR\n"
        "  used            3h00 (from packs 3h00, overage 0h00)\n"
        "  overage amount  0h00 x 90.00/h = 0.00 EUR\n"
        "  expired         pack of 2026-01-15 on 2027-01-15: 15h00 lost\n"
        "  balance left    7h00 (low-balance threshold 12h00)\n"
        "  pack            2026-01-15 20h00 1600.00 EUR, expires 2027-01-15: expired\n"
        "  pack            2027-01-10 10h00 850.00 EUR: 7h00 left\n"
        "  not billed      0h30 non-billable (1 entry), 0h10 automatic (1 entry)\n"
        "  warning: pack of 2026-01-15 expired on 2027-01-15 with 15h00 unused (lost)\n"
        "  warning: balance 7h00 is under the low-balance threshold 12h00\n");
  auto json = client_hours_json(hours);
  CHECK(json["model"] == "hour_bank");
  CHECK(json["hour_bank"]["carried_in_seconds"] == 15 * 3600);
  CHECK(json["hour_bank"]["purchased_amount_cents"] == 85000);
  CHECK(json["hour_bank"]["expiries"][0] ==
        nlohmann::json{{"pack_date", "2026-01-15"}, {"expires", "2027-01-15"}, {"lost_seconds", 15 * 3600}});
  CHECK(json["hour_bank"]["packs"][1]["remaining_seconds"] == 7 * 3600);
  CHECK(json["non_billable"] == nlohmann::json{{"entries", 1}, {"seconds", 1800}});
  CHECK(json["automatic"] == nlohmann::json{{"entries", 1}, {"seconds", 600}});
  CHECK(json["warnings"].size() == 2);
}

TEST_CASE("contract::render_entries_table totals per status") {
  std::vector<TimeEntry> entries{entry({2026, 5, 1}, 5400), entry({2026, 5, 2}, 600, Billable::no),
                                 entry({2026, 5, 3}, 90, Billable::no, Origin::automatic)};
  entries[0].ticket = "RM-1";
  CHECK(render_entries_table(entries) ==
        "DATE        CLIENT  SITE           TIME      CATEGORY  STATUS        TICKET  DESCRIPTION\n"
        "2026-05-01  lyceum  lyceum-portal  1h30      support   billable      RM-1    work\n"
        "2026-05-02  lyceum  lyceum-portal  0h10      support   non-billable  -       work\n"
        "2026-05-03  lyceum  lyceum-portal  0h01m30s  support   automatic     -       work\n"
        "3 entries: 1h30 billable, 0h10 non-billable, 0h01m30s automatic\n");
  CHECK(render_entries_table({}) == "no time entries\n");
}
