// Hand-computed tables for every contract model (docs/contracts.md shows the same figures).
#include <catch2/catch.hpp>

#include <tma/contract/accounting.hpp>
#include <tma/core/error.hpp>

using namespace tma::contract;
using tma::core::Date;
using tma::inventory::Client;
using std::chrono::seconds;

namespace {

constexpr long k_h = 3600;
constexpr long k_m = 60;

int g_next_id = 0;

TimeEntry entry(const std::string& client, Date date, long duration_seconds, Billable billable = Billable::yes,
                Origin origin = Origin::manual) {
  TimeEntry e;
  e.id = "e" + std::to_string(++g_next_id);
  e.at = std::chrono::sys_days{std::chrono::year(date.year) / static_cast<int>(date.month) / static_cast<int>(date.day)} +
         std::chrono::hours(12) + std::chrono::seconds(g_next_id);
  e.date = date;
  e.client = client;
  e.duration = seconds(duration_seconds);
  e.description = "work";
  e.billable = billable;
  e.origin = origin;
  return e;
}

Period month(const char* text) { return *parse_month(text); }

} // namespace

TEST_CASE("contract::amount_for rounds seconds x rate / 3600 half up, once") {
  struct Row {
    long seconds;
    long rate;
    long cents;
  };
  const Row rows[] = {
      {3600, 8500, 8500},  {5400, 9500, 14250},   // 1h30 at 95.00
      {60, 9500, 158},     // 158.33 -> 158
      {90, 100, 3},        // 2.5 -> 3 (half up)
      {1, 1800, 1},        // 0.5 -> 1
      {1, 1799, 0},        // 0.4997 -> 0
      {3900, 8500, 9208},  // 1h05 at 85.00 = 92.0833
      {420, 9555, 1115},   // 7 min at 95.55 = 11.1475 -> 11.15
      {0, 9500, 0},        {-60, 9500, 0},  {3600, -1, 0},
      {36000000, 1000000, 10000000000}, // 10 000 h at 10 000.00: no overflow
  };
  for (const auto& row : rows) {
    INFO(row.seconds << " s at " << row.rate);
    CHECK(amount_for(seconds(row.seconds), row.rate) == row.cents);
  }
}

TEST_CASE("contract::billed_time rounds up to the increment then raises to the minimum") {
  const seconds inc{15 * k_m}, min{30 * k_m};
  CHECK(billed_time(seconds(10 * k_m), inc, min).count() == 30 * k_m);
  CHECK(billed_time(seconds(15 * k_m), inc, min).count() == 30 * k_m);
  CHECK(billed_time(seconds(31 * k_m), inc, min).count() == 45 * k_m);
  CHECK(billed_time(seconds(45 * k_m), inc, min).count() == 45 * k_m);
  CHECK(billed_time(seconds(45 * k_m + 1), inc, min).count() == 60 * k_m);
  CHECK(billed_time(seconds(61 * k_m), inc, min).count() == 75 * k_m);
  CHECK(billed_time(seconds(7 * k_m), seconds(0), seconds(0)).count() == 7 * k_m);
  CHECK(billed_time(seconds(7 * k_m), seconds(0), seconds(10 * k_m)).count() == 10 * k_m);
  // A minimum that is not a multiple of the increment is applied after rounding.
  CHECK(billed_time(seconds(5 * k_m), seconds(6 * k_m), seconds(20 * k_m)).count() == 20 * k_m);
  CHECK(billed_time(seconds(21 * k_m), seconds(6 * k_m), seconds(20 * k_m)).count() == 24 * k_m);
}

TEST_CASE("contract::summarize_client subscription") {
  Client acme;
  acme.id = "acme";
  acme.contract.model = ContractModel::subscription;
  acme.contract.monthly_fee = 45000;
  acme.contract.included = seconds(4 * k_h);
  acme.contract.overage_rate = 8500;

  std::vector<TimeEntry> entries{
      entry("acme", {2026, 3, 2}, 2 * k_h + 30 * k_m),
      entry("acme", {2026, 3, 15}, 1 * k_h + 45 * k_m),
      entry("acme", {2026, 3, 31}, 50 * k_m),
      entry("acme", {2026, 3, 10}, 1 * k_h, Billable::no),
      entry("acme", {2026, 3, 11}, 12 * k_m, Billable::no, Origin::automatic),
      // automatic entries are never billed even when flagged billable
      entry("acme", {2026, 3, 12}, 3 * k_h, Billable::yes, Origin::automatic),
      entry("acme", {2026, 4, 1}, 1 * k_h),        // next month
      entry("acme", {2026, 2, 28}, 9 * k_h),       // previous month: no carry-over either way
      entry("bistro", {2026, 3, 3}, 7 * k_h),      // another client
  };

  SECTION("a month with overage") {
    auto s = summarize_client(acme, entries, month("2026-03"));
    CHECK(s.model == ContractModel::subscription);
    CHECK(s.billable.count() == 5 * k_h + 5 * k_m);
    CHECK(s.billable_entries == 3);
    CHECK(s.unbilled.non_billable.count() == 1 * k_h);
    CHECK(s.unbilled.non_billable_entries == 1);
    CHECK(s.unbilled.automatic.count() == 3 * k_h + 12 * k_m);
    CHECK(s.unbilled.automatic_entries == 2);
    const auto& f = std::get<SubscriptionFigures>(s.figures);
    REQUIRE(f.months.size() == 1);
    CHECK_FALSE(f.months[0].partial);
    CHECK(f.included.count() == 4 * k_h);
    CHECK(f.used.count() == 5 * k_h + 5 * k_m);
    CHECK(f.remaining.count() == 0);
    CHECK(f.overage.count() == 1 * k_h + 5 * k_m);
    CHECK(f.overage_amount == 9208); // 3900 s x 8500 / 3600 = 9208.33
    CHECK(f.fees == 45000);
    CHECK(f.total == 54208);
    CHECK(s.warnings.empty());
  }
  SECTION("a month under the allowance: remaining does not carry over") {
    auto s = summarize_client(acme, entries, month("2026-04"));
    const auto& f = std::get<SubscriptionFigures>(s.figures);
    CHECK(f.used.count() == 1 * k_h);
    CHECK(f.remaining.count() == 3 * k_h);
    CHECK(f.overage.count() == 0);
    CHECK(f.overage_amount == 0);
    CHECK(f.total == 45000);
    auto may = std::get<SubscriptionFigures>(summarize_client(acme, entries, month("2026-05")).figures);
    CHECK(may.remaining.count() == 4 * k_h);
  }
  SECTION("a range is split into months, each with its own allowance") {
    auto range = *make_range(Date{2026, 2, 15}, Date{2026, 4, 10});
    auto f = std::get<SubscriptionFigures>(summarize_client(acme, entries, range).figures);
    REQUIRE(f.months.size() == 3);
    CHECK(f.months[0].partial);
    CHECK(f.months[0].used.count() == 9 * k_h);
    CHECK(f.months[0].overage.count() == 5 * k_h);
    CHECK(f.months[0].overage_amount == 42500);
    CHECK_FALSE(f.months[1].partial);
    CHECK(f.months[1].overage_amount == 9208);
    CHECK(f.months[2].partial);
    CHECK(f.months[2].remaining.count() == 3 * k_h);
    CHECK(f.fees == 3 * 45000);
    CHECK(f.included.count() == 12 * k_h);
    CHECK(f.used.count() == 15 * k_h + 5 * k_m);
    CHECK(f.overage.count() == 6 * k_h + 5 * k_m);
    // Per month, not on the total: 42500 + 9208 (the total 6h05 would give 51708.33 -> 51708 too,
    // but 3 months of 4h would have absorbed April's spare 3h if it were pooled).
    CHECK(f.overage_amount == 51708);
    CHECK(f.remaining.count() == 3 * k_h);
    CHECK(f.total == 135000 + 51708);
  }
}

TEST_CASE("contract::summarize_client on_demand") {
  Client bistro;
  bistro.id = "bistro";
  bistro.contract.model = ContractModel::on_demand;
  bistro.contract.rate = 9500;
  bistro.contract.increment = seconds(15 * k_m);
  bistro.contract.minimum = seconds(30 * k_m);

  std::vector<TimeEntry> entries{
      entry("bistro", {2026, 10, 31}, 61 * k_m), // 1h15 -> 118.75
      entry("bistro", {2026, 10, 1}, 10 * k_m),  // 15m -> 30m -> 47.50
      entry("bistro", {2026, 10, 5}, 31 * k_m),  // 45m -> 71.25
      entry("bistro", {2026, 10, 6}, 60 * k_m),  // 1h -> 95.00
      entry("bistro", {2026, 10, 7}, 15 * k_m),  // 30m -> 47.50
      entry("bistro", {2026, 10, 8}, 2 * k_h, Billable::no),
      entry("bistro", {2026, 11, 1}, 5 * k_h),
  };
  auto s = summarize_client(bistro, entries, month("2026-10"));
  const auto& f = std::get<OnDemandFigures>(s.figures);
  REQUIRE(f.lines.size() == 5);
  // In date order.
  CHECK(f.lines[0].date == Date{2026, 10, 1});
  CHECK(f.lines[4].date == Date{2026, 10, 31});
  const long billed[] = {30, 45, 60, 30, 75};
  const long amounts[] = {4750, 7125, 9500, 4750, 11875};
  for (int i = 0; i < 5; ++i) {
    CHECK(f.lines[i].billed.count() == billed[i] * k_m);
    CHECK(f.lines[i].amount == amounts[i]);
  }
  CHECK(f.worked.count() == 177 * k_m);
  CHECK(f.billed.count() == 4 * k_h);
  CHECK(f.amount == 38000);
  CHECK(s.unbilled.non_billable.count() == 2 * k_h);

  SECTION("rounded once per line, not on the total") {
    bistro.contract.rate = 9555;
    bistro.contract.increment = seconds(0);
    bistro.contract.minimum = seconds(0);
    std::vector<TimeEntry> minutes{entry("bistro", {2026, 10, 1}, 60), entry("bistro", {2026, 10, 2}, 60),
                                   entry("bistro", {2026, 10, 3}, 60)};
    auto g = std::get<OnDemandFigures>(summarize_client(bistro, minutes, month("2026-10")).figures);
    CHECK(g.lines[0].amount == 159); // 159.25
    CHECK(g.amount == 477);          // not 478 (180 s x 9555 / 3600 = 477.75)
  }
}

TEST_CASE("contract::summarize_client hour_bank consumption and carry-over") {
  Client lyceum;
  lyceum.id = "lyceum";
  lyceum.contract.model = ContractModel::hour_bank;
  lyceum.contract.packs = {
      {Date{2026, 1, 15}, seconds(20 * k_h), 160000, Date{2027, 1, 15}},
      {Date{2026, 9, 1}, seconds(10 * k_h), 85000, std::nullopt},
  };
  lyceum.contract.low_balance = seconds(3 * k_h);
  lyceum.contract.overage_rate = 9000;

  std::vector<TimeEntry> entries{
      entry("lyceum", {2026, 2, 10}, 8 * k_h),
      entry("lyceum", {2026, 8, 20}, 10 * k_h),
      entry("lyceum", {2026, 9, 5}, 5 * k_h),
      entry("lyceum", {2026, 10, 1}, 2 * k_h),
      entry("lyceum", {2027, 1, 15}, 1 * k_h),  // the expiry day itself: pack A still usable
      entry("lyceum", {2027, 1, 20}, 3 * k_h),
      entry("lyceum", {2026, 9, 6}, 4 * k_h, Billable::no),
  };

  SECTION("2026-08: used from the first pack, balance under the threshold") {
    auto s = summarize_client(lyceum, entries, month("2026-08"));
    const auto& f = std::get<HourBankFigures>(s.figures);
    CHECK(f.carried_in.count() == 12 * k_h);
    CHECK(f.purchased.empty());
    CHECK(f.used.count() == 10 * k_h);
    CHECK(f.from_packs.count() == 10 * k_h);
    CHECK(f.overage.count() == 0);
    CHECK(f.balance_left.count() == 2 * k_h);
    CHECK(f.low_balance);
    CHECK(s.warnings == std::vector<std::string>{"balance 2h00 is under the low-balance threshold 3h00"});
  }
  SECTION("2026-09: a pack bought, the older one used up first") {
    auto s = summarize_client(lyceum, entries, month("2026-09"));
    const auto& f = std::get<HourBankFigures>(s.figures);
    CHECK(f.carried_in.count() == 2 * k_h);
    REQUIRE(f.purchased.size() == 1);
    CHECK(f.purchased_hours.count() == 10 * k_h);
    CHECK(f.purchased_amount == 85000);
    CHECK(f.used.count() == 5 * k_h);
    CHECK(f.balance_left.count() == 7 * k_h);
    CHECK_FALSE(f.low_balance);
    REQUIRE(f.packs.size() == 2);
    CHECK(f.packs[0].remaining.count() == 0);
    CHECK(f.packs[1].remaining.count() == 7 * k_h);
    CHECK(s.unbilled.non_billable.count() == 4 * k_h);
    CHECK(s.warnings.empty());
  }
  SECTION("2026-10: the second pack pays") {
    auto f = std::get<HourBankFigures>(summarize_client(lyceum, entries, month("2026-10")).figures);
    CHECK(f.carried_in.count() == 7 * k_h);
    CHECK(f.balance_left.count() == 5 * k_h);
  }
}

TEST_CASE("contract::summarize_client hour_bank expiry") {
  Client lyceum;
  lyceum.id = "lyceum";
  lyceum.contract.model = ContractModel::hour_bank;
  lyceum.contract.packs = {
      {Date{2026, 1, 15}, seconds(20 * k_h), 160000, Date{2027, 1, 15}},
      {Date{2026, 9, 1}, seconds(10 * k_h), 85000, std::nullopt},
  };
  lyceum.contract.low_balance = seconds(3 * k_h);
  lyceum.contract.overage_rate = 9000;
  std::vector<TimeEntry> entries{
      entry("lyceum", {2026, 3, 1}, 5 * k_h),
      entry("lyceum", {2026, 10, 1}, 2 * k_h),
      entry("lyceum", {2027, 1, 15}, 1 * k_h),
      entry("lyceum", {2027, 1, 20}, 3 * k_h),
  };
  SECTION("2026-12: nothing happens, the balance carries") {
    auto f = std::get<HourBankFigures>(summarize_client(lyceum, entries, month("2026-12")).figures);
    CHECK(f.carried_in.count() == 23 * k_h);
    CHECK(f.balance_left.count() == 23 * k_h);
    CHECK(f.expiries.empty());
  }
  SECTION("2027-01: usable on its expiry day, remainder lost after it") {
    auto s = summarize_client(lyceum, entries, month("2027-01"));
    const auto& f = std::get<HourBankFigures>(s.figures);
    CHECK(f.carried_in.count() == 23 * k_h);
    CHECK(f.used.count() == 4 * k_h);
    CHECK(f.from_packs.count() == 4 * k_h);
    REQUIRE(f.expiries.size() == 1);
    CHECK(f.expiries[0].pack_date == Date{2026, 1, 15});
    CHECK(f.expiries[0].expires == Date{2027, 1, 15});
    CHECK(f.expiries[0].lost.count() == 12 * k_h);
    CHECK(f.expired.count() == 12 * k_h);
    CHECK(f.balance_left.count() == 7 * k_h);
    CHECK(f.packs[0].expired);
    CHECK(f.packs[1].remaining.count() == 7 * k_h);
    CHECK(s.warnings == std::vector<std::string>{"pack of 2026-01-15 expired on 2027-01-15 with 12h00 unused (lost)"});
  }
  SECTION("a range ending on the expiry day reports the expiry: it happens at the end of that day") {
    auto range = *make_range(Date{2027, 1, 1}, Date{2027, 1, 15});
    auto f = std::get<HourBankFigures>(summarize_client(lyceum, entries, range).figures);
    CHECK(f.used.count() == 1 * k_h);
    REQUIRE(f.expiries.size() == 1);
    CHECK(f.expiries[0].lost.count() == 12 * k_h);
    CHECK(f.balance_left.count() == 10 * k_h);
  }
  SECTION("a range ending the day before the expiry keeps the pack") {
    auto range = *make_range(Date{2027, 1, 1}, Date{2027, 1, 14});
    auto f = std::get<HourBankFigures>(summarize_client(lyceum, entries, range).figures);
    CHECK(f.expiries.empty());
    CHECK(f.balance_left.count() == 23 * k_h);
  }
  SECTION("after the expiry month the loss is history") {
    auto f = std::get<HourBankFigures>(summarize_client(lyceum, entries, month("2027-02")).figures);
    CHECK(f.carried_in.count() == 7 * k_h);
    CHECK(f.expiries.empty());
  }
}

TEST_CASE("contract::summarize_client hour_bank overage") {
  Client c;
  c.id = "c";
  c.contract.model = ContractModel::hour_bank;
  c.contract.packs = {{Date{2026, 5, 1}, seconds(5 * k_h), 40000, Date{2026, 6, 30}}};
  c.contract.low_balance = seconds(3 * k_h);
  c.contract.overage_rate = 9000;
  std::vector<TimeEntry> entries{
      entry("c", {2026, 4, 30}, 1 * k_h), // before the pack: overage of April, never covered later
      entry("c", {2026, 5, 10}, 3 * k_h),
      entry("c", {2026, 6, 10}, 1 * k_h),
      entry("c", {2026, 6, 20}, 2 * k_h + 30 * k_m),
      entry("c", {2026, 7, 2}, 1 * k_h),
  };
  SECTION("2026-04: nothing to draw from") {
    auto f = std::get<HourBankFigures>(summarize_client(c, entries, month("2026-04")).figures);
    CHECK(f.overage.count() == 1 * k_h);
    CHECK(f.overage_amount == 9000);
    CHECK(f.packs.empty());
  }
  SECTION("2026-05: the pack bought, 3h used") {
    auto f = std::get<HourBankFigures>(summarize_client(c, entries, month("2026-05")).figures);
    CHECK(f.carried_in.count() == 0);
    CHECK(f.purchased_hours.count() == 5 * k_h);
    CHECK(f.purchased_amount == 40000);
    CHECK(f.overage.count() == 0);
    CHECK(f.balance_left.count() == 2 * k_h);
    CHECK(f.low_balance);
  }
  SECTION("2026-06: the balance runs out, the rest is overage, the pack expires empty") {
    auto s = summarize_client(c, entries, month("2026-06"));
    const auto& f = std::get<HourBankFigures>(s.figures);
    CHECK(f.carried_in.count() == 2 * k_h);
    CHECK(f.used.count() == 3 * k_h + 30 * k_m);
    CHECK(f.from_packs.count() == 2 * k_h);
    CHECK(f.overage.count() == 1 * k_h + 30 * k_m);
    CHECK(f.overage_amount == 13500);
    REQUIRE(f.expiries.size() == 1);
    CHECK(f.expiries[0].lost.count() == 0);
    CHECK(f.balance_left.count() == 0);
    CHECK(s.warnings == std::vector<std::string>{"balance 0h00 is under the low-balance threshold 3h00",
                                                 "1h30 used beyond the balance, billed at the overage rate"});
  }
  SECTION("2026-07: no pack at all") {
    auto f = std::get<HourBankFigures>(summarize_client(c, entries, month("2026-07")).figures);
    CHECK(f.carried_in.count() == 0);
    CHECK(f.overage_amount == 9000);
    CHECK(f.expiries.empty());
  }
  SECTION("no threshold, no warning") {
    c.contract.low_balance = seconds(0);
    auto s = summarize_client(c, entries, month("2026-07"));
    CHECK_FALSE(std::get<HourBankFigures>(s.figures).low_balance);
  }
}

TEST_CASE("contract::summarize_client hour_bank packs bought the same day are used in declared order") {
  Client c;
  c.id = "c";
  c.contract.model = ContractModel::hour_bank;
  c.contract.packs = {{Date{2026, 5, 1}, seconds(2 * k_h), 100, Date{2026, 12, 31}},
                      {Date{2026, 5, 1}, seconds(2 * k_h), 100, Date{2026, 5, 31}},
                      {Date{2026, 4, 1}, seconds(1 * k_h), 100, std::nullopt}};
  std::vector<TimeEntry> entries{entry("c", {2026, 5, 2}, 3 * k_h)};
  auto f = std::get<HourBankFigures>(summarize_client(c, entries, month("2026-05")).figures);
  REQUIRE(f.packs.size() == 3);
  CHECK(f.packs[0].pack.date == Date{2026, 4, 1}); // oldest first
  CHECK(f.packs[0].remaining.count() == 0);
  CHECK(f.packs[1].remaining.count() == 0);
  CHECK(f.packs[2].remaining.count() == 0); // expired 2026-05-31 with 2h lost
  REQUIRE(f.expiries.size() == 1);
  CHECK(f.expiries[0].lost.count() == 2 * k_h);
  CHECK(f.balance_left.count() == 0);
}

TEST_CASE("contract sums of money and hours never wrap: an overflow is an error naming the client") {
  Client c;
  c.id = "big";
  c.contract.model = ContractModel::subscription;
  c.contract.monthly_fee = tma::core::k_max_money; // 1 000 000 000 000.00, the largest amount accepted
  c.contract.included = seconds(4 * k_h);
  auto all_time = *make_range(Date{1, 1, 1}, Date{9999, 12, 31});
  // 119 988 months of the largest fee: more cents than 64 bits hold.
  CHECK_THROWS_MATCHES(summarize_client(c, {}, all_time), tma::core::OverflowError,
                       Catch::Matchers::Message("client big, 0001-01-01..9999-12-31: the monthly fees: too large to "
                                                "compute exactly (the limit is 2^63 - 1 cents or seconds); ask for a "
                                                "shorter period"));
  try {
    summarize_client(c, {}, all_time);
  } catch (const tma::core::OverflowError& e) {
    CHECK(e.exit_code() == 65);
  }
  // A century of it still fits, exactly.
  auto century = *make_range(Date{2001, 1, 1}, Date{2100, 12, 31});
  CHECK(std::get<SubscriptionFigures>(summarize_client(c, {}, century).figures).total == 1200 * tma::core::k_max_money);

  SECTION("time x rate, and sums of time read from the journal") {
    CHECK_THROWS_AS(amount_for(seconds(INT64_MAX), tma::core::k_max_money), tma::core::OverflowError);
    CHECK(amount_for(seconds(INT64_MAX / 3600 * 3600), 1) == INT64_MAX / 3600);
    Client d;
    d.id = "d";
    d.contract.model = ContractModel::on_demand;
    d.contract.rate = 100;
    std::vector<TimeEntry> huge{entry("d", {2026, 3, 2}, INT64_MAX / 2 + 1), entry("d", {2026, 3, 3}, INT64_MAX / 2 + 1)};
    CHECK_THROWS_AS(summarize_client(d, huge, month("2026-03")), tma::core::OverflowError);
  }
}
