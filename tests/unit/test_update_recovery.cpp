#include <tma/update/recovery.hpp>

#include <catch2/catch.hpp>

using namespace tma;

namespace {

journal::Event event(std::string type, std::string site, std::string env, long long at) {
  journal::Event e;
  e.type = std::move(type);
  e.site = std::move(site);
  e.env = std::move(env);
  e.at = core::SysSeconds(std::chrono::seconds(at));
  return e;
}

} // namespace

TEST_CASE("maintenance left on by a killed run is found from the journal", "[update]") {
  std::vector<journal::Event> events{
      event("update.maintenance.on", "acme-www", "prod", 100),
      event("update.maintenance.off", "acme-www", "prod", 110),
      event("update.maintenance.on", "acme-www", "prod", 200), // killed after this
      event("update.maintenance.on", "other", "prod", 300),
      event("update.install", "acme-www", "preprod", 150),
  };
  CHECK(update::maintenance_left_on(events, "acme-www") == std::vector<std::string>{"prod"});
  events.push_back(event("update.maintenance.off", "acme-www", "prod", 250));
  CHECK(update::maintenance_left_on(events, "acme-www").empty());
  // Out of order input is ordered by time.
  std::swap(events.front(), events.back());
  CHECK(update::maintenance_left_on(events, "acme-www").empty());
}

TEST_CASE("the update time entry describes the run and is non-billable update work", "[update]") {
  update::SiteResult r;
  r.site = "acme-www";
  r.outcome = update::Outcome::updated;
  r.steps = {{{cms::ComponentKind::core, "wordpress", "6.4.2", "6.5.3", "6.5.3", false, ""},
              update::StepStatus::applied, ""},
             {{cms::ComponentKind::plugin, "akismet", "5.3", "5.3.1", "5.3.1", false, ""},
              update::StepStatus::rejected, "health failed"}};
  CHECK(update::work_description(r) == "update: 1 updated (core 6.4.2 -> 6.5.3), 1 rejected on preprod, updated");
  auto work = update::automatic_work(r, "acme", core::SysSeconds(std::chrono::seconds(1000)),
                                     core::SysSeconds(std::chrono::seconds(1600)));
  CHECK(work.category == contract::Category::update);
  CHECK(work.site == "acme-www");
  CHECK(work.client == "acme");
  CHECK(work.finished - work.started == std::chrono::seconds(600));
}
