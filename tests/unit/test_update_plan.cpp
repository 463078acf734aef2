#include <tma/update/plan.hpp>

#include <catch2/catch.hpp>

using namespace tma;
using update::Limit;
using update::PlanInput;

namespace {

cms::Component component(cms::ComponentKind kind, std::string name, std::string installed,
                         std::string latest,
                         cms::UpdateState state = cms::UpdateState::available) {
  cms::Component c;
  c.kind = kind;
  c.name = std::move(name);
  c.installed = std::move(installed);
  c.latest = std::move(latest);
  c.update = state;
  return c;
}

PlanInput base_input() {
  PlanInput in;
  in.site = "acme-www";
  in.components = {
      component(cms::ComponentKind::plugin, "woocommerce", "8.2.1", "9.0.0"),
      component(cms::ComponentKind::core, "wordpress", "6.4.2", "6.5.3"),
      component(cms::ComponentKind::plugin, "akismet", "5.3", "5.3.1"),
      component(cms::ComponentKind::theme, "astra", "4.5.0", "4.6.1"),
      component(cms::ComponentKind::plugin, "hello", "1.7.2", "", cms::UpdateState::none),
  };
  return in;
}

check::Finding security(std::string name, std::string fixed_in) {
  check::Finding f;
  f.site = "acme-www";
  f.env = "prod";
  f.kind = cms::ComponentKind::plugin;
  f.name = std::move(name);
  f.fixed_in = std::move(fixed_in);
  f.severity = check::Severity::security;
  return f;
}

std::vector<std::string> keys(const update::Plan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) {
    out.push_back(update::component_key(s.kind, s.name) + "=" + s.target);
  }
  return out;
}

} // namespace

TEST_CASE("plan keeps components with updates, core first, exact targets", "[update]") {
  auto plan = update::make_plan(base_input());
  REQUIRE(plan);
  CHECK(keys(*plan) == std::vector<std::string>{"core=6.5.3", "plugin:akismet=5.3.1",
                                                "plugin:woocommerce=9.0.0", "theme:astra=4.6.1"});
  CHECK(plan->skipped.empty());
  CHECK(plan->steps[1].installed == "5.3");
}

TEST_CASE("plan: updates.exclude by key, bare name or glob", "[update]") {
  auto in = base_input();
  in.policy.exclude = {"woocommerce", "theme:*"};
  auto plan = update::make_plan(in);
  REQUIRE(plan);
  CHECK(keys(*plan) == std::vector<std::string>{"core=6.5.3", "plugin:akismet=5.3.1"});
  REQUIRE(plan->skipped.size() == 2);
  CHECK(plan->skipped[0].name == "woocommerce");
  CHECK(plan->skipped[0].reason == "excluded by updates.exclude 'woocommerce'");
  CHECK(plan->skipped[1].reason == "excluded by updates.exclude 'theme:*'");
}

TEST_CASE("plan: a pin caps the target at the newest offered version inside the pattern", "[update]") {
  auto in = base_input();
  in.policy.pin = {{"core", "6.4.*"}};
  SECTION("an offered 6.4 release becomes the target") {
    in.offers["core"] = {"6.4.5", "6.4.4", "6.3.9"};
    auto plan = update::make_plan(in);
    REQUIRE(plan);
    CHECK(plan->steps[0].name == "wordpress");
    CHECK(plan->steps[0].target == "6.4.5");
    CHECK(plan->steps[0].latest == "6.5.3");
    CHECK(plan->steps[0].note == "capped by pin 6.4.*");
  }
  SECTION("nothing offered inside the pin: skipped with the reason") {
    auto plan = update::make_plan(in);
    REQUIRE(plan);
    CHECK(keys(*plan) == std::vector<std::string>{"plugin:akismet=5.3.1", "plugin:woocommerce=9.0.0",
                                                  "theme:astra=4.6.1"});
    REQUIRE(plan->skipped.size() == 1);
    CHECK(plan->skipped[0].reason == "pinned to 6.4.*; 6.5.3 is outside");
  }
}

TEST_CASE("plan: --minor and --patch limits", "[update]") {
  auto in = base_input();
  SECTION("--minor drops the major woocommerce jump") {
    in.options.limit = Limit::minor;
    auto plan = update::make_plan(in);
    REQUIRE(plan);
    CHECK(keys(*plan) == std::vector<std::string>{"core=6.5.3", "plugin:akismet=5.3.1",
                                                  "theme:astra=4.6.1"});
    REQUIRE(plan->skipped.size() == 1);
    CHECK(plan->skipped[0].reason == "major update to 9.0.0 exceeds --minor");
  }
  SECTION("--patch keeps only patches, or an offered patch release") {
    in.options.limit = Limit::patch;
    in.offers["plugin:woocommerce"] = {"8.2.3", "8.9.0"};
    auto plan = update::make_plan(in);
    REQUIRE(plan);
    CHECK(keys(*plan) == std::vector<std::string>{"plugin:akismet=5.3.1",
                                                  "plugin:woocommerce=8.2.3"});
    CHECK(plan->steps[1].note == "capped by --patch");
    REQUIRE(plan->skipped.size() == 2);
    CHECK(plan->skipped[0].reason == "minor update to 6.5.3 exceeds --patch");
  }
}

TEST_CASE("plan: --only narrows and rejects components that are not installed", "[update]") {
  auto in = base_input();
  auto only = update::parse_only("core, plugin:akismet");
  REQUIRE(only);
  in.options.only = *only;
  auto plan = update::make_plan(in);
  REQUIRE(plan);
  CHECK(keys(*plan) == std::vector<std::string>{"core=6.5.3", "plugin:akismet=5.3.1"});

  in.options.only = *update::parse_only("plugin:jetpack");
  auto missing = update::make_plan(in);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == core::ErrorKind::usage);
  CHECK(missing.error().message.find("plugin:jetpack") != std::string::npos);
}

TEST_CASE("parse_only accepts the documented forms and names a bad token", "[update]") {
  auto refs = update::parse_only("core,plugin:akismet,theme:astra,package:drupal/token");
  REQUIRE(refs);
  REQUIRE(refs->size() == 4);
  CHECK((*refs)[0] == update::ComponentRef{cms::ComponentKind::core, ""});
  CHECK((*refs)[3] == update::ComponentRef{cms::ComponentKind::package, "drupal/token"});
  for (const char* bad : {"akismet", "widget:x", "plugin:", "core,,theme:a", "core:x"}) {
    auto r = update::parse_only(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == core::ErrorKind::usage);
  }
  CHECK(update::parse_only("akismet").error().message.find("'akismet'") != std::string::npos);
}

TEST_CASE("plan: --security-only needs findings and reaches fixed_in", "[update]") {
  auto in = base_input();
  in.options.security_only = true;
  SECTION("no vulnerability data is an error, not an empty plan") {
    auto plan = update::make_plan(in);
    REQUIRE_FALSE(plan);
    CHECK(plan.error().message.find("--security-only") != std::string::npos);
  }
  SECTION("only components with a fixed vulnerability, target at least fixed_in") {
    in.findings = std::vector<check::Finding>{security("akismet", "5.3.1"),
                                              security("woocommerce", "")};
    auto plan = update::make_plan(in);
    REQUIRE(plan);
    CHECK(keys(*plan) == std::vector<std::string>{"plugin:akismet=5.3.1"});
    CHECK(plan->steps[0].security);
    REQUIRE(plan->skipped.size() == 3);
    CHECK(plan->skipped[0].reason == "not a security update (--security-only)");
    CHECK(plan->skipped[1].reason == "no fixed version published for the vulnerability");
  }
  SECTION("a limit that stops short of the fix skips the component") {
    in.findings = std::vector<check::Finding>{security("woocommerce", "9.0.0")};
    in.options.limit = Limit::patch;
    in.offers["plugin:woocommerce"] = {"8.2.3"};
    auto plan = update::make_plan(in);
    REQUIRE(plan);
    CHECK(plan->steps.empty());
    auto it = std::find_if(plan->skipped.begin(), plan->skipped.end(),
                           [](const auto& s) { return s.name == "woocommerce"; });
    REQUIRE(it != plan->skipped.end());
    CHECK(it->reason == "major update to 9.0.0 exceeds --patch");
  }
}

TEST_CASE("plan: unavailable updates and unknown installed versions are skipped", "[update]") {
  PlanInput in;
  in.site = "s";
  auto c = component(cms::ComponentKind::plugin, "paid", "1.0", "2.0", cms::UpdateState::unavailable);
  c.note = "update package not available";
  in.components = {c, component(cms::ComponentKind::plugin, "mystery", "", "3.0")};
  auto plan = update::make_plan(in);
  REQUIRE(plan);
  CHECK(plan->steps.empty());
  REQUIRE(plan->skipped.size() == 2);
  CHECK(plan->skipped[0].reason == "installed version unknown");
  CHECK(plan->skipped[1].reason == "update package not available");
}

TEST_CASE("plan renders as a table and as json", "[update]") {
  auto in = base_input();
  in.policy.exclude = {"astra"};
  auto plan = update::make_plan(in);
  REQUIRE(plan);
  auto text = update::render_plan_table(*plan, false);
  CHECK(text.find("acme-www (prod): 3 updates planned, 1 skipped") == 0);
  CHECK(text.find("plugin:akismet") != std::string::npos);
  CHECK(text.find("skipped: excluded by updates.exclude 'astra'") != std::string::npos);
  auto json = update::plan_to_json(*plan);
  CHECK(json["site"] == "acme-www");
  REQUIRE(json["steps"].size() == 3);
  CHECK(json["steps"][0]["component"] == "core");
  CHECK(json["steps"][0]["target"] == "6.5.3");
  CHECK(json["skipped"][0]["component"] == "theme:astra");
}

TEST_CASE("plan: updates.min_release_age holds a fresh target and lets old and undated ones through", "[update][release_age]") {
  auto in = base_input();
  in.now = *core::parse_rfc3339("2026-12-05T10:00:00Z");
  in.policy.min_release_age = core::Seconds{3 * 86400};
  auto date = [](const char* text) { return *core::parse_rfc3339(text); };
  for (auto& c : in.components) {
    if (c.name == "woocommerce") c.released.emplace("9.0.0", date("2026-12-04T09:00:00Z"));   // 1 day old
    if (c.name == "wordpress") c.released.emplace("6.5.3", date("2026-12-02T10:00:00Z"));     // exactly 3 days
    if (c.name == "astra") c.released.emplace("4.6.0", date("2026-01-01T00:00:00Z"));         // not the target
  }
  auto plan = update::make_plan(in);
  REQUIRE(plan);
  CHECK(keys(*plan) == std::vector<std::string>{"core=6.5.3", "plugin:akismet=5.3.1", "theme:astra=4.6.1"});
  CHECK(plan->steps[0].release_age == "released 3 days ago");
  CHECK(plan->steps[1].release_age == "release date unknown: not held");
  CHECK(plan->steps[2].release_age == "release date unknown: not held"); // 4.6.0's date says nothing of 4.6.1
  REQUIRE(plan->skipped.size() == 1);
  CHECK(plan->skipped[0].name == "woocommerce");
  CHECK(plan->skipped[0].reason ==
        "held: released 1 day ago, eligible on 2026-12-07 (updates.min_release_age 3d)");
  CHECK(plan->skipped[0].held_until == "2026-12-07");

  auto text = update::render_plan_table(*plan, false);
  CHECK(text.find("skipped: held: released 1 day ago, eligible on 2026-12-07") != std::string::npos);
  auto json = update::plan_to_json(*plan);
  CHECK(json["skipped"][0]["held_until"] == "2026-12-07");
  CHECK(json["steps"][0]["release_age"] == "released 3 days ago");
  CHECK(json["steps"][0]["note"] == "");

  SECTION("a target fixing a known vulnerability is not held") {
    in.findings = std::vector<check::Finding>{security("woocommerce", "8.9.0")};
    auto secure = update::make_plan(in);
    REQUIRE(secure);
    CHECK(secure->skipped.empty());
    CHECK(keys(*secure) == std::vector<std::string>{"core=6.5.3", "plugin:akismet=5.3.1", "plugin:woocommerce=9.0.0",
                                                    "theme:astra=4.6.1"});
    CHECK(secure->steps[2].security);
    CHECK(secure->steps[2].release_age == "fixes a known vulnerability: not held");
  }
  SECTION("no minimum age: nothing held and nothing said") {
    in.policy.min_release_age = core::Seconds{0};
    auto plain = update::make_plan(in);
    REQUIRE(plain);
    CHECK(plain->skipped.empty());
    for (const auto& s : plain->steps) CHECK(s.release_age.empty());
    CHECK(update::plan_to_json(*plain)["steps"][0]["release_age"] == "");
  }
}
