// SLA clocks: every expected value below was computed by hand (comments show the arithmetic).
#include <catch2/catch.hpp>

#include <tma/incident/sla.hpp>

using namespace std::chrono_literals;
using tma::core::Seconds;
using tma::core::SysSeconds;
using tma::incident::SlaClock;
using tma::incident::SlaStatus;

namespace {

SysSeconds utc(const char* text) { return *tma::core::parse_rfc3339(text); }

tma::core::TimeZone paris() {
  auto zone = tma::core::TimeZone::load("Europe/Paris");
  REQUIRE(zone);
  return *zone;
}

tma::inventory::BusinessHours office(std::vector<tma::core::Date> holidays = {}) {
  tma::inventory::BusinessHours hours; // mon-fri 09:00-18:00
  hours.holidays = std::move(holidays);
  return hours;
}

} // namespace

TEST_CASE("incident::iso_weekday") {
  CHECK(tma::incident::iso_weekday({1970, 1, 1}) == 4);
  CHECK(tma::incident::iso_weekday({2026, 11, 29}) == 7);
  CHECK(tma::incident::iso_weekday({2026, 11, 30}) == 1);
  CHECK(tma::incident::iso_weekday({2026, 12, 25}) == 5);
  CHECK(tma::incident::iso_weekday({1969, 12, 31}) == 3);
}

TEST_CASE("incident::SlaClock 24x7 counts every second") {
  auto clock = SlaClock::always();
  CHECK(clock.elapsed(utc("2026-11-27T15:00:00Z"), utc("2026-11-30T10:00:00Z")) == Seconds{67 * 3600});
  CHECK(clock.elapsed(utc("2026-11-30T10:00:00Z"), utc("2026-11-27T15:00:00Z")) == Seconds{0});
  CHECK(*clock.deadline(utc("2026-11-27T15:00:00Z"), 4h) == utc("2026-11-27T19:00:00Z"));
}

TEST_CASE("incident::SlaClock business hours: nights, weekends, holidays") {
  auto clock = SlaClock::business(office({{2026, 12, 25}}), paris());

  SECTION("within one day") {
    // Mon 30 Nov 2026 10:00 -> 12:30 Paris (CET, UTC+1)
    CHECK(clock.elapsed(utc("2026-11-30T09:00:00Z"), utc("2026-11-30T11:30:00Z")) == Seconds{9000});
  }
  SECTION("over a night") {
    // Tue 17:00 -> Wed 10:00 Paris: 1h on Tuesday + 1h on Wednesday
    CHECK(clock.elapsed(utc("2026-11-24T16:00:00Z"), utc("2026-11-25T09:00:00Z")) == Seconds{2 * 3600});
    // opened Tue 20:00 Paris with 1h to respond: due Wed 10:00 Paris = 09:00Z
    CHECK(*clock.deadline(utc("2026-11-24T19:00:00Z"), 1h) == utc("2026-11-25T09:00:00Z"));
  }
  SECTION("over a weekend") {
    // Fri 27 Nov 16:00 Paris + 4h: 2h on Friday, then Mon 30 Nov 09:00 + 2h = 11:00 Paris = 10:00Z
    CHECK(*clock.deadline(utc("2026-11-27T15:00:00Z"), 4h) == utc("2026-11-30T10:00:00Z"));
    CHECK(clock.elapsed(utc("2026-11-27T15:00:00Z"), utc("2026-11-30T10:00:00Z")) == Seconds{4 * 3600});
    // Saturday to Sunday: nothing
    CHECK(clock.elapsed(utc("2026-11-28T08:00:00Z"), utc("2026-11-29T20:00:00Z")) == Seconds{0});
  }
  SECTION("over a holiday") {
    // Thu 24 Dec 17:00 Paris + 4h: 1h Thursday, Fri 25 Dec holiday, weekend, Mon 28 Dec 09:00 + 3h
    CHECK(*clock.deadline(utc("2026-12-24T16:00:00Z"), 4h) == utc("2026-12-28T11:00:00Z"));
    CHECK(clock.elapsed(utc("2026-12-24T16:00:00Z"), utc("2026-12-28T11:00:00Z")) == Seconds{4 * 3600});
    CHECK_FALSE(clock.is_working_day({2026, 12, 25}));
    CHECK(clock.is_working_day({2026, 12, 24}));
  }
  SECTION("a budget of several days") {
    // Mon 30 Nov 09:00 Paris + 2d (48h of business time) = 5 days of 9h + 3h = Mon 7 Dec 12:00 Paris
    CHECK(*clock.deadline(utc("2026-11-30T08:00:00Z"), 48h) == utc("2026-12-07T11:00:00Z"));
  }
  SECTION("start outside hours, zero budget") {
    CHECK(*clock.deadline(utc("2026-11-28T08:00:00Z"), 0s) == utc("2026-11-28T08:00:00Z"));
  }
  SECTION("deadline exactly at closing time") {
    // Mon 17:00 Paris + 1h = Mon 18:00 Paris, not Tuesday 09:00
    CHECK(*clock.deadline(utc("2026-11-30T16:00:00Z"), 1h) == utc("2026-11-30T17:00:00Z"));
  }
}

TEST_CASE("incident::SlaClock business hours across Europe/Paris DST changes") {
  auto clock = SlaClock::business(office(), paris());
  SECTION("spring forward (Sun 29 Mar 2026)") {
    // Fri 27 Mar 17:00 CET (16:00Z) -> Mon 30 Mar 10:00 CEST (08:00Z): 1h + 1h
    CHECK(clock.elapsed(utc("2026-03-27T16:00:00Z"), utc("2026-03-30T08:00:00Z")) == Seconds{2 * 3600});
    // the same instants 24/7: 64h
    CHECK(SlaClock::always().elapsed(utc("2026-03-27T16:00:00Z"), utc("2026-03-30T08:00:00Z")) == Seconds{64 * 3600});
    // Fri 17:00 CET + 3h: Mon 09:00 CEST (07:00Z) + 2h = 09:00Z
    CHECK(*clock.deadline(utc("2026-03-27T16:00:00Z"), 3h) == utc("2026-03-30T09:00:00Z"));
  }
  SECTION("fall back (Sun 25 Oct 2026)") {
    // Fri 23 Oct 17:00 CEST (15:00Z) -> Mon 26 Oct 10:00 CET (09:00Z): 1h + 1h
    CHECK(clock.elapsed(utc("2026-10-23T15:00:00Z"), utc("2026-10-26T09:00:00Z")) == Seconds{2 * 3600});
    CHECK(*clock.deadline(utc("2026-10-23T15:00:00Z"), 3h) == utc("2026-10-26T10:00:00Z"));
  }
  SECTION("a round-the-clock calendar counts the real length of DST days") {
    tma::inventory::BusinessHours all_week;
    all_week.days = {1, 2, 3, 4, 5, 6, 7};
    all_week.from_minutes = 0;
    all_week.to_minutes = 24 * 60;
    auto always_open = SlaClock::business(all_week, paris());
    // Sun 29 Mar 2026 has 23 hours, Sun 25 Oct 2026 has 25
    CHECK(always_open.elapsed(utc("2026-03-28T23:00:00Z"), utc("2026-03-29T22:00:00Z")) == Seconds{23 * 3600});
    CHECK(always_open.elapsed(utc("2026-10-24T22:00:00Z"), utc("2026-10-25T23:00:00Z")) == Seconds{25 * 3600});
  }
}

TEST_CASE("incident::SlaClock without working days gives no deadline") {
  tma::inventory::BusinessHours none;
  none.days = {};
  auto clock = SlaClock::business(none, tma::core::TimeZone::utc());
  CHECK_FALSE(clock.deadline(utc("2026-11-30T08:00:00Z"), 1h));
  CHECK(clock.elapsed(utc("2026-11-30T08:00:00Z"), utc("2026-12-30T08:00:00Z")) == Seconds{0});
}

TEST_CASE("incident::evaluate met, breached, at risk, running") {
  auto clock = SlaClock::business(office(), paris());
  auto start = utc("2026-11-30T08:00:00Z"); // Mon 09:00 Paris, budget 4h: due 13:00 Paris (12:00Z)
  auto now_at = [&](const char* t) { return tma::incident::evaluate(clock, start, std::nullopt, 4h, utc(t)); };

  auto running = now_at("2026-11-30T10:59:00Z"); // used 2h59m, 1h01m left (> 1h = 25 %)
  CHECK(running.status == SlaStatus::running);
  CHECK(running.used == Seconds{2 * 3600 + 59 * 60});
  CHECK(*running.deadline == utc("2026-11-30T12:00:00Z"));
  CHECK(now_at("2026-11-30T11:00:00Z").status == SlaStatus::running);  // exactly 25 % left
  CHECK(now_at("2026-11-30T11:01:00Z").status == SlaStatus::at_risk);  // 59m left
  CHECK(now_at("2026-11-30T12:00:00Z").status == SlaStatus::breached); // deadline reached
  CHECK(now_at("2026-12-01T08:00:00Z").status == SlaStatus::breached);

  auto done = [&](const char* t) {
    return tma::incident::evaluate(clock, start, utc(t), 4h, utc("2026-12-10T00:00:00Z")).status;
  };
  CHECK(done("2026-11-30T11:30:00Z") == SlaStatus::met);
  CHECK(done("2026-11-30T12:00:00Z") == SlaStatus::met);      // on the dot
  CHECK(done("2026-11-30T12:00:01Z") == SlaStatus::breached);
  // opened Fri 16:00 Paris with 4h: resolved Mon 10:30 Paris used 2h + 1.5h, met
  CHECK(tma::incident::evaluate(clock, utc("2026-11-27T15:00:00Z"), utc("2026-11-30T09:30:00Z"), 4h,
                                utc("2026-12-10T00:00:00Z"))
            .status == SlaStatus::met);
  // the same on a 24/7 clock: 65.5h used, breached
  CHECK(tma::incident::evaluate(SlaClock::always(), utc("2026-11-27T15:00:00Z"), utc("2026-11-30T09:30:00Z"), 4h,
                                utc("2026-12-10T00:00:00Z"))
            .status == SlaStatus::breached);
}

TEST_CASE("incident::SlaClock business hours ending at 24:00 count the day's last minute") {
  tma::inventory::BusinessHours evening;
  evening.days = {1, 2, 3, 4, 5, 6, 7};
  evening.from_minutes = 18 * 60;
  evening.to_minutes = 24 * 60; // `to: "24:00"`
  auto clock = SlaClock::business(evening, paris());
  // Mon 30 Nov 2026 18:00 CET (17:00Z) to Tue 00:00 CET (23:00Z): 6h, the last minute included
  CHECK(clock.elapsed(utc("2026-11-30T12:00:00Z"), utc("2026-12-01T06:00:00Z")) == Seconds{6 * 3600});
  evening.to_minutes = 23 * 60 + 59; // `to: "23:59"` loses a minute a day
  CHECK(SlaClock::business(evening, paris()).elapsed(utc("2026-11-30T12:00:00Z"), utc("2026-12-01T06:00:00Z")) ==
        Seconds{6 * 3600 - 60});
}

TEST_CASE("incident::SlaClock business hours that do not exist on a spring-forward day count nothing") {
  // 02:00-02:59 every day; on Sun 29 Mar 2026 Paris jumps from 02:00 to 03:00: both ends map to
  // the jump instant (01:00Z) and the window is empty that day.
  tma::inventory::BusinessHours night;
  night.days = {1, 2, 3, 4, 5, 6, 7};
  night.from_minutes = 2 * 60;
  night.to_minutes = 2 * 60 + 59;
  auto clock = SlaClock::business(night, paris());
  CHECK(clock.elapsed(utc("2026-03-28T12:00:00Z"), utc("2026-03-29T12:00:00Z")) == Seconds{0});
  CHECK(clock.elapsed(utc("2026-03-29T12:00:00Z"), utc("2026-03-30T12:00:00Z")) == Seconds{59 * 60});
  // 01:00-02:30 ends at the jump (03:00 CEST): one hour that day.
  night.from_minutes = 60;
  night.to_minutes = 2 * 60 + 30;
  CHECK(SlaClock::business(night, paris()).elapsed(utc("2026-03-28T12:00:00Z"), utc("2026-03-29T12:00:00Z")) ==
        Seconds{3600});
}
