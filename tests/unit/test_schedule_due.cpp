// schedule/: which jobs are due over a simulated clock, catch-up, windows, claims between runners,
// the commands that run them, and --shard.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include <tma/inventory/select.hpp>
#include <tma/schedule/jobs.hpp>

using namespace tma;
using schedule::Decision;
using schedule::Job;
using schedule::JobKind;
using schedule::Verdict;

namespace {

core::SysSeconds at(const char* text) {
  auto parsed = core::parse_rfc3339(text);
  REQUIRE(parsed);
  return *parsed;
}

core::TimeZone paris() {
  auto zone = core::TimeZone::load("Europe/Paris");
  REQUIRE(zone);
  return *zone;
}

Job job(JobKind kind, const char* schedule_text, const char* site = "www", const char* env = "") {
  Job j;
  j.kind = kind;
  j.site = site;
  j.env = env;
  j.client = "acme";
  auto parsed = core::Schedule::parse(schedule_text);
  REQUIRE(parsed);
  j.schedule = *parsed;
  return j;
}

journal::Event event(const std::string& id, const std::string& run, const std::string& type, const char* when,
                     nlohmann::json data) {
  journal::Event e;
  e.id = id;
  e.run = run;
  e.type = type;
  e.at = at(when);
  e.data = std::move(data);
  return e;
}

journal::Event claimed(const std::string& id, const std::string& run, const std::string& key, const char* slot,
                       const char* when) {
  return event(id, run, "job.claimed", when, {{"job", key}, {"slot", slot}});
}

Decision decide_one(const Job& j, const std::vector<journal::Event>& events, const char* now,
                    const std::map<std::string, core::SysSeconds>& backups = {}) {
  auto decisions = schedule::decide({j}, schedule::fold_history(events), backups, at(now), paris());
  REQUIRE(decisions.size() == 1);
  return decisions.front();
}

} // namespace

TEST_CASE("schedule: a job is due once per slot over a simulated week", "[unit][schedule]") {
  auto check = job(JobKind::check, "daily 06:00");
  std::vector<journal::Event> events;
  int runs = 0;
  // Every 5 minutes for a week, claiming what is due, as `tma run --due` from a timer.
  for (auto now = at("2026-11-30T00:00:00Z"); now < at("2026-12-07T00:00:00Z"); now += std::chrono::minutes(5)) {
    auto d = schedule::decide({check}, schedule::fold_history(events), {}, now, paris()).front();
    if (d.verdict != Verdict::due) continue;
    ++runs;
    REQUIRE(d.slot);
    events.push_back(claimed("c" + std::to_string(runs), "r" + std::to_string(runs), check.key(),
                             core::format_rfc3339_utc(*d.slot).c_str(), core::format_rfc3339_utc(now).c_str()));
    CHECK(d.missed == 0);
  }
  // 30 Nov 00:00Z is 01:00 in Paris: the 29th's 06:00 slot is 19 hours old, so the new job runs at
  // once, then on each of the seven days.
  CHECK(runs == 8);
}

TEST_CASE("schedule: after a long stop a job catches up once and says how many slots it missed", "[unit][schedule]") {
  auto backup = job(JobKind::health, "every 15m");
  std::vector<journal::Event> events{claimed("c1", "r1", backup.key(), "2026-12-01T10:00:00Z", "2026-12-01T10:00:05Z")};
  auto d = decide_one(backup, events, "2026-12-01T13:07:00Z");
  CHECK(d.verdict == Verdict::due);
  CHECK(core::format_rfc3339_utc(*d.slot) == "2026-12-01T13:00:00Z");
  CHECK(d.missed == 11); // 10:15 ... 12:45
  CHECK_FALSE(d.missed_capped);
  CHECK(core::format_rfc3339_utc(*d.next_slot) == "2026-12-01T13:15:00Z");
  // Claimed for 13:00: not due again until 13:15.
  events.push_back(claimed("c2", "r2", backup.key(), "2026-12-01T13:00:00Z", "2026-12-01T13:07:01Z"));
  CHECK(decide_one(backup, events, "2026-12-01T13:14:59Z").verdict == Verdict::not_due);
  CHECK(decide_one(backup, events, "2026-12-01T13:15:00Z").verdict == Verdict::due);
}

TEST_CASE("schedule: DST days run a 02:30 job once", "[unit][schedule]") {
  auto j = job(JobKind::check, "daily 02:30");
  struct Case {
    const char* last_slot;
    const char* from;
    const char* to;
  };
  for (auto [last, from, to] : {Case{"2026-03-28T01:30:00Z", "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z"},   // spring forward
                                Case{"2026-10-24T00:30:00Z", "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z"}}) { // fall back
    std::vector<journal::Event> events{claimed("c0", "r0", j.key(), last, last)};
    int runs = 0;
    for (auto now = at(from); now < at(to); now += std::chrono::minutes(1)) {
      auto d = schedule::decide({j}, schedule::fold_history(events), {}, now, paris()).front();
      if (d.verdict != Verdict::due) continue;
      ++runs;
      events.push_back(claimed("c" + std::to_string(runs), "r", j.key(), core::format_rfc3339_utc(*d.slot).c_str(),
                               core::format_rfc3339_utc(now).c_str()));
    }
    INFO(from);
    // The DST day and the day after: one run each (02:30 that never was runs at 03:00; the one that
    // happened twice runs the first time).
    CHECK(runs == 2);
  }
}

TEST_CASE("schedule: a new job starts at its next slot unless its latest slot is recent", "[unit][schedule]") {
  auto update = job(JobKind::update, "weekly mon 09:00");
  // Tuesday: Monday's slot is over a day old.
  auto d = decide_one(update, {}, "2026-12-01T12:00:00Z");
  CHECK(d.verdict == Verdict::new_job);
  CHECK(core::format_rfc3339_utc(*d.next_slot) == "2026-12-07T08:00:00Z");
  // Monday 10:00 Paris: the slot is an hour old.
  CHECK(decide_one(update, {}, "2026-12-07T09:00:00Z").verdict == Verdict::due);
  // Backups keep `backup --due`'s rule: never backed up means due.
  CHECK(decide_one(job(JobKind::backup, "daily 02:30", "www", "prod"), {}, "2026-12-01T12:00:00Z").verdict ==
        Verdict::due);
}

TEST_CASE("schedule: a backup taken since the slot counts as with backup --due", "[unit][schedule]") {
  auto backup = job(JobKind::backup, "daily 02:30", "www", "prod");
  std::map<std::string, core::SysSeconds> backups{{backup.key(), at("2026-12-01T08:00:00Z")}};
  CHECK(decide_one(backup, {}, "2026-12-01T12:00:00Z", backups).verdict == Verdict::backed_up);
  backups[backup.key()] = at("2026-11-30T08:00:00Z");
  CHECK(decide_one(backup, {}, "2026-12-01T12:00:00Z", backups).verdict == Verdict::due);
}

TEST_CASE("schedule: an update due outside its window waits for it", "[unit][schedule]") {
  auto update = job(JobKind::update, "weekly mon 09:00");
  update.window = core::DailyWindow{22 * 60, 6 * 60}; // 22:00-06:00 Paris, across midnight
  auto d = decide_one(update, {}, "2026-12-07T09:00:00Z"); // Monday 10:00 Paris
  CHECK(d.verdict == Verdict::outside_window);
  CHECK(decide_one(update, {}, "2026-12-07T21:30:00Z").verdict == Verdict::due);            // 22:30 Paris: in it
  CHECK(decide_one(update, {}, "2026-12-08T04:59:00Z").verdict == Verdict::due);            // 05:59 Paris: in it
  CHECK(decide_one(update, {}, "2026-12-08T05:00:00Z").verdict == Verdict::outside_window); // 06:00 Paris: out
  update.window = core::DailyWindow{9 * 60, 24 * 60};
  CHECK(decide_one(update, {}, "2026-12-07T09:00:00Z").verdict == Verdict::due);
  CHECK(update.window->text() == "09:00-24:00");
}

TEST_CASE("schedule: claims fold to the latest slot and a released claim holds nothing", "[unit][schedule]") {
  std::vector<journal::Event> events{
      claimed("a-1", "a", "check:www", "2026-12-01T05:00:00Z", "2026-12-01T05:00:10Z"),
      claimed("b-1", "b", "check:www", "2026-12-02T05:00:00Z", "2026-12-02T05:00:10Z"),
      event("b-2", "b", "job.finished", "2026-12-02T05:01:00Z", {{"job", "check:www"}, {"claim", "b-1"}, {"exit_code", 1}}),
      claimed("c-1", "c", "check:www", "2026-12-03T05:00:00Z", "2026-12-03T05:00:10Z"),
      event("c-2", "c", "job.released", "2026-12-03T05:00:11Z", {{"job", "check:www"}, {"claim", "c-1"}}),
      claimed("x-1", "x", "check:www", "not a time", "2026-12-03T05:00:10Z"),
  };
  auto history = schedule::fold_history(events);
  REQUIRE(history.count("check:www") == 1);
  const auto& h = history["check:www"];
  CHECK(core::format_rfc3339_utc(*h.last_slot) == "2026-12-02T05:00:00Z");
  CHECK(h.last_run == "b");
  CHECK(h.last_exit_code == 1);
}

TEST_CASE("schedule: of two runners claiming one slot the one already on the remote wins", "[unit][schedule]") {
  std::vector<journal::Event> events{
      claimed("theirs-1", "theirs", "update:www", "2026-12-07T08:00:00Z", "2026-12-07T08:00:01Z"),
      claimed("mine-1", "mine", "update:www", "2026-12-07T08:00:00Z", "2026-12-07T08:00:02Z"),
      claimed("mine-2", "mine", "check:www", "2026-12-07T05:00:00Z", "2026-12-07T08:00:02Z"),
      claimed("mine-3", "mine", "backup:www:prod", "2026-12-07T01:30:00Z", "2026-12-07T08:00:02Z"),
      claimed("old-1", "old", "backup:www:prod", "2026-12-06T01:30:00Z", "2026-12-06T01:30:02Z"),
  };
  CHECK(schedule::contested_claims(events, "mine") == std::vector<std::string>{"mine-1"});
  CHECK(schedule::contested_claims(events, "theirs") == std::vector<std::string>{"theirs-1"});
  // Once released, mine holds nothing and theirs is uncontested.
  events.push_back(event("mine-4", "mine", "job.released", "2026-12-07T08:00:03Z", {{"claim", "mine-1"}}));
  CHECK(schedule::contested_claims(events, "mine").empty());
  CHECK(schedule::contested_claims(events, "theirs").empty());
}

namespace {

// The in-memory journal, keeping the `since` of the last scan it was asked for.
class SinceJournal final : public journal::Journal {
public:
  explicit SinceJournal(core::SysSeconds now) : m_inner("tma <tma@tma.invalid>", now) {}
  core::Result<void> write_run(const std::string& run_id, core::SysSeconds started,
                               const std::vector<journal::Event>& events) override {
    return m_inner.write_run(run_id, started, events);
  }
  core::Result<void> scan(const journal::Filter& filter, const journal::Visitor& visit) const override {
    last_since = filter.since;
    return m_inner.scan(filter, visit);
  }
  std::string actor() const override { return m_inner.actor(); }
  core::SysSeconds now() const override { return m_inner.now(); }
  mutable std::optional<core::SysSeconds> last_since;

private:
  journal::MemoryJournal m_inner;
};

Decision due_at(const Job& j, const char* slot) {
  Decision d;
  d.job = j;
  d.verdict = Verdict::due;
  d.slot = at(slot);
  return d;
}

} // namespace

// Found by the soak (bench/soak): `tma run --due --sync` read the job history twice per run, the
// second time only to find the claims another runner also holds, and both times over the whole
// k_history_horizon (35 days) of `job.*` events: in a 200-site agency, hundreds of thousands of
// events per hourly step. A claim of slot S is recorded at or after S, so the contest reads from the
// earliest slot claimed, with the same answer.
TEST_CASE("schedule: the contest before a push reads the journal from the earliest slot claimed", "[unit][schedule]") {
  SinceJournal journal(at("2026-11-30T10:30:00Z"));
  REQUIRE(journal.write_run("old", at("2026-11-10T10:00:00Z"),
                            {claimed("old-1", "old", "health:www", "2026-11-10T10:00:00Z", "2026-11-10T10:00:05Z")}));
  REQUIRE(journal.write_run("theirs", at("2026-11-30T10:00:00Z"),
                            {claimed("theirs-1", "theirs", "health:www", "2026-11-30T10:00:00Z", "2026-11-30T10:00:30Z")}));
  REQUIRE(journal.write_run("mine", at("2026-11-30T10:30:00Z"),
                            {claimed("mine-1", "mine", "health:www", "2026-11-30T10:00:00Z", "2026-11-30T10:30:00Z")}));
  auto hourly = due_at(job(JobKind::health, "every 1h"), "2026-11-30T10:00:00Z");

  auto events = schedule::read_contest_events(journal, {hourly}, journal.now());
  REQUIRE(events);
  REQUIRE(journal.last_since);
  CHECK(core::format_rfc3339_utc(*journal.last_since) == "2026-11-30T10:00:00Z");
  CHECK(events->size() == 2); // this slot's claims, not last month's
  CHECK(schedule::contested_claims(*events, "mine") == std::vector<std::string>{"mine-1"});
  journal::Filter every_job;
  every_job.types = {"job."};
  auto whole = journal::read_events(journal, every_job);
  REQUIRE(whole);
  CHECK(whole->size() == 3);
  CHECK(schedule::contested_claims(*whole, "mine") == schedule::contested_claims(*events, "mine"));

  // A nightly backup claimed in the same run widens the read to its slot.
  auto nightly = due_at(job(JobKind::backup, "daily 02:30", "www", "prod"), "2026-11-30T02:30:00Z");
  REQUIRE(schedule::read_contest_events(journal, {hourly, nightly}, journal.now()));
  CHECK(core::format_rfc3339_utc(*journal.last_since) == "2026-11-30T02:30:00Z");
  // A claim without a slot, or a slot older than the horizon, reads the whole horizon.
  Decision no_slot = hourly;
  no_slot.slot.reset();
  REQUIRE(schedule::read_contest_events(journal, {hourly, no_slot}, journal.now()));
  CHECK(*journal.last_since == journal.now() - std::chrono::duration_cast<std::chrono::seconds>(schedule::k_history_horizon));
  auto ancient = due_at(job(JobKind::report, "monthly 1 08:00"), "2026-01-01T08:00:00Z");
  REQUIRE(schedule::read_contest_events(journal, {ancient}, journal.now()));
  CHECK(*journal.last_since == journal.now() - std::chrono::duration_cast<std::chrono::seconds>(schedule::k_history_horizon));
}

TEST_CASE("schedule: phases run every backup before any update with one command per group", "[unit][schedule]") {
  std::vector<Decision> due;
  auto add = [&](Job j) {
    Decision d;
    d.job = std::move(j);
    d.verdict = Verdict::due;
    due.push_back(d);
  };
  auto update = job(JobKind::update, "weekly mon 09:00", "shop");
  update.security_only = true;
  add(update);
  add(job(JobKind::backup, "daily 02:30", "shop", "prod"));
  add(job(JobKind::backup, "daily 02:30", "www", "prod"));
  add(job(JobKind::backup, "daily 02:30", "www", "preprod"));
  auto report = job(JobKind::report, "monthly 1 08:00", "");
  add(report);
  add(job(JobKind::visual, "monthly 1 07:00", "www"));
  add(job(JobKind::notify_flush, "every 10m", ""));
  for (const char* name : {"redmine", "jira"}) {
    auto sync = job(JobKind::connectors_sync, "every 15m", "");
    sync.connector = name;
    CHECK(sync.key() == std::string("connectors-sync:") + name);
    add(sync);
  }
  auto phases = schedule::phases_of(due, schedule::PhaseOptions{3, 1});
  REQUIRE(phases.size() == 7);
  using V = std::vector<std::string>;
  CHECK(phases[0].args == V{"backup", "--kind", "scheduled", "--env", "preprod", "--jobs", "3", "--per-host", "1", "--site", "www"});
  CHECK(phases[1].args == V{"backup", "--kind", "scheduled", "--env", "prod", "--jobs", "3", "--per-host", "1", "--site",
                            "shop", "--site", "www"});
  CHECK(phases[2].args == V{"update", "--yes", "--jobs", "3", "--security-only", "--site", "shop"});
  // The visual comparison of prod before the report that counts its pages; --jobs browsers.
  CHECK(phases[3].args == V{"visual", "compare", "--env", "prod", "--browsers", "3", "--site", "www"});
  CHECK(phases[4].args == V{"report", "--send", "--jobs", "3", "--client", "acme"});
  // Connectors sync after the reports, one command for every due connector, before the flush.
  CHECK(phases[5].args == V{"connectors", "sync", "--connector", "redmine", "--connector", "jira"});
  CHECK(phases[6].args == V{"notify", "flush"});
  CHECK(phases[1].jobs.size() == 2);
}

TEST_CASE("shard: stable and 1-based and even over 10000 names", "[unit][schedule][inventory]") {
  std::vector<int> counts(8, 0);
  for (int i = 0; i < 10000; ++i) {
    int shard = inventory::shard_of("client" + std::to_string(i % 97) + "-site-" + std::to_string(i), 8);
    REQUIRE(shard >= 1);
    REQUIRE(shard <= 8);
    ++counts[static_cast<std::size_t>(shard - 1)];
  }
  for (int c : counts) {
    CHECK(c >= 1125); // within 10 % of 1250
    CHECK(c <= 1375);
  }
  // Fixed forever: a site must land on the same runner after an upgrade.
  CHECK(inventory::shard_of("acme-www", 4) == inventory::shard_of("acme-www", 4));
  // FNV-1a of "" is its offset basis; through MurmurHash3's finalizer, modulo 1000.
  auto h = 14695981039346656037ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  CHECK(inventory::shard_of("", 1000) == static_cast<int>(h % 1000) + 1);
  CHECK(inventory::parse_shard("2/4")->index == 2);
  for (const char* bad : {"0/4", "5/4", "1/0", "a/b", "1", "1/", "/4", "-1/4", "1/1001", "1/4/2"}) {
    INFO(bad);
    CHECK_FALSE(inventory::parse_shard(bad));
  }
}

TEST_CASE("schedule: New York DST and month ends and leap days", "[unit][schedule]") {
  auto zone = core::TimeZone::load("America/New_York");
  REQUIRE(zone);
  auto decide_ny = [&](const Job& j, const std::vector<journal::Event>& events, const char* now) {
    return schedule::decide({j}, schedule::fold_history(events), {}, at(now), *zone).front();
  };
  // Spring forward on 2026-03-08: 02:30 does not exist and runs at 03:00 EDT (07:00Z), once.
  auto nightly = job(JobKind::check, "daily 02:30");
  std::vector<journal::Event> events{claimed("c0", "r0", nightly.key(), "2026-03-07T07:30:00Z", "2026-03-07T07:30:00Z")};
  CHECK(decide_ny(nightly, events, "2026-03-08T06:59:00Z").verdict == Verdict::not_due);
  auto d = decide_ny(nightly, events, "2026-03-08T07:00:00Z");
  CHECK(d.verdict == Verdict::due);
  CHECK(core::format_rfc3339_utc(*d.slot) == "2026-03-08T07:00:00Z");
  // The 31st: months without one have no slot, so the catch-up after February counts none.
  auto month_end = job(JobKind::report, "monthly 31 08:00", "");
  events = {claimed("m0", "r0", month_end.key(), "2026-01-31T13:00:00Z", "2026-01-31T13:00:01Z")};
  CHECK(decide_ny(month_end, events, "2026-03-30T12:00:00Z").verdict == Verdict::not_due);
  d = decide_ny(month_end, events, "2026-03-31T12:00:00Z");
  CHECK(d.verdict == Verdict::due);
  CHECK(d.missed == 0);
  // A leap-day job claimed in 2024 is due again on 2028-02-29 and missed no slot between.
  auto leap = job(JobKind::check, "0 8 29 2 *");
  events = {claimed("l0", "r0", leap.key(), "2024-02-29T13:00:00Z", "2024-02-29T13:00:01Z")};
  CHECK(decide_ny(leap, events, "2027-03-01T12:00:00Z").verdict == Verdict::not_due);
  d = decide_ny(leap, events, "2028-02-29T13:00:00Z");
  CHECK(d.verdict == Verdict::due);
  CHECK(d.missed == 0);
  CHECK(core::format_rfc3339_utc(*d.next_slot) == "2032-02-29T13:00:00Z");
}
