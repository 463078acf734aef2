// update::policy: what `tma update` decides besides wiring (plan, confirm or apply; approved plans;
// the exit code of a run), and the vulnerability feed shared by `tma check` and `tma update`.
#include <catch2/catch.hpp>

#include <tma/check/run_check.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/update/policy.hpp>

using namespace tma;
using update::ApplyMode;

namespace {

update::SitePlan planned(std::string site, int steps) {
  update::SitePlan p;
  p.site = site;
  p.plan = update::Plan{};
  p.plan->site = site;
  for (int i = 0; i < steps; ++i) p.plan->steps.push_back(update::Step{});
  return p;
}

update::SitePlan failed(std::string site, core::ErrorKind kind) {
  update::SitePlan p;
  p.site = site;
  p.error = core::Error{kind, site + ": no"};
  return p;
}

update::SiteRun ran(update::Outcome outcome) {
  update::SiteRun r;
  r.result = update::SiteResult{};
  r.result->outcome = outcome;
  return r;
}

update::SiteRun locked(std::string holder) {
  update::SiteRun r;
  r.error = core::Error{core::ErrorKind::locked, holder};
  return r;
}

} // namespace

TEST_CASE("update::apply_mode: --dry-run and no terminal without --yes only plan", "[update]") {
  CHECK(update::apply_mode(true, true, true) == ApplyMode::plan_only);
  CHECK(update::apply_mode(false, false, false) == ApplyMode::plan_only);
  CHECK(update::apply_mode(false, false, true) == ApplyMode::confirm);
  CHECK(update::apply_mode(false, true, false) == ApplyMode::apply);
  CHECK(update::apply_mode(false, true, true) == ApplyMode::apply);
}

TEST_CASE("update::plan_exit_bits and approve keep the planned sites in order", "[update]") {
  inventory::Site a, b, c;
  a.name = "a";
  b.name = "b";
  c.name = "c";
  std::vector<const inventory::Site*> sites{&a, &b, &c};
  std::vector<update::SitePlan> plans{planned("a", 2), failed("b", core::ErrorKind::timeout), planned("c", 0)};
  CHECK(update::plan_exit_bits(plans) == core::exit_code::unreachable);
  plans.push_back(failed("d", core::ErrorKind::cms));
  CHECK(update::plan_exit_bits(plans) == (core::exit_code::unreachable | core::exit_code::site_failed));
  CHECK(update::any_step(plans));
  CHECK_FALSE(update::any_step({planned("c", 0), failed("b", core::ErrorKind::cms)}));
  plans.pop_back();
  auto approved = update::approve(sites, plans);
  REQUIRE(approved.sites.size() == 2);
  CHECK(approved.sites[0]->name == "a");
  CHECK(approved.sites[1]->name == "c");
  CHECK(approved.plans.count("a") == 1);
  CHECK(approved.plans.count("b") == 0);
  CHECK(approved.plans.at("a").steps.size() == 2);
}

TEST_CASE("update::fold_exit: all locked is 75, a lock among other sites is a failure", "[update]") {
  auto all = update::fold_exit({locked("held by x"), locked("held by y")}, 0);
  CHECK(all.all_locked());
  CHECK(all.code == core::exit_code::locked);
  CHECK(all.locked == std::vector<std::string>{"held by x", "held by y"});

  auto mixed = update::fold_exit({locked("held by x"), ran(update::Outcome::updated)}, 0);
  CHECK_FALSE(mixed.all_locked());
  CHECK(mixed.code == core::exit_code::site_failed);

  // A site that could not be planned is not hidden behind the lock's 75.
  auto planned_away = update::fold_exit({locked("held by x")}, core::exit_code::unreachable);
  CHECK(planned_away.code == (core::exit_code::unreachable | core::exit_code::site_failed));

  CHECK(update::fold_exit({ran(update::Outcome::updated)}, 0).code == 0);
  CHECK(update::fold_exit({ran(update::Outcome::failed)}, 0).code != 0);
  CHECK(update::fold_exit({}, 0).code == 0);
}

TEST_CASE("check::feed_note and feed_for_run say why a run has no vulnerability database", "[check]") {
  check::Feed none;
  CHECK(check::feed_note(none) == "vulnerability feed not configured");
  check::Feed down;
  down.status.state = check::FeedStatus::State::unavailable;
  down.status.message = "HTTP 503";
  CHECK(check::feed_note(down) == "vulnerability feed unavailable: HTTP 503");
  check::Feed loaded;
  loaded.db.emplace();
  CHECK(check::feed_note(loaded).empty());

  // Not needed (no WordPress site selected): nothing is fetched, whatever the inventory says.
  class RefusingHttp final : public transport::HttpClient {
  public:
    core::Result<transport::HttpResponse> send(const transport::HttpRequest&) override {
      FAIL("no request expected");
      return core::fail(core::ErrorKind::http, "no");
    }
  } http;
  inventory::Sources sources;
  sources.vulnerabilities_url = "https://feed.invalid/v";
  auto skipped = check::feed_for_run(false, sources, http, nullptr);
  CHECK_FALSE(skipped.db);
  CHECK(skipped.status.message == "no WordPress site selected");
  inventory::Sources unset;
  CHECK(check::feed_for_run(true, unset, http, nullptr).status.state == check::FeedStatus::State::not_configured);
}
