#include <tma/update/recovery.hpp>

#include <catch2/catch.hpp>

using namespace tma;

TEST_CASE("the update time entry describes the run and is non-billable update work", "[update]") {
  update::SiteResult r;
  r.site = "acme-www";
  r.outcome = update::Outcome::updated;
  r.steps = {{{cms::ComponentKind::core, "wordpress", "6.4.2", "6.5.3", "6.5.3", false, "", "", ""},
              update::StepStatus::applied, ""},
             {{cms::ComponentKind::plugin, "akismet", "5.3", "5.3.1", "5.3.1", false, "", "", ""},
              update::StepStatus::rejected, "health failed"}};
  CHECK(update::work_description(r) == "update: 1 updated (core 6.4.2 -> 6.5.3), 1 rejected on preprod, updated");
  auto work = update::automatic_work(r, "acme", core::SysSeconds(std::chrono::seconds(1000)),
                                     core::SysSeconds(std::chrono::seconds(1600)));
  CHECK(work.category == contract::Category::update);
  CHECK(work.site == "acme-www");
  CHECK(work.client == "acme");
  CHECK(work.finished - work.started == std::chrono::seconds(600));
}
