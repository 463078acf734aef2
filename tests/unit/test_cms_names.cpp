// Names and versions reported by a server are checked against the shapes the CMS allows before
// they reach a tool's argv (issue 16: a plugin named `--exec=<php>` ran as WP-CLI's --exec).
#include <catch2/catch.hpp>

#include <tma/check/evaluate.hpp>
#include <tma/cms/names.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/transport.hpp>
#include <tma/update/plan.hpp>
#include <tma/cms/wordpress_actions.hpp>
#include <tma/update/pipeline.hpp>

using namespace tma;

namespace {

cms::Component plugin(std::string name, std::string installed, std::string latest) {
  cms::Component c;
  c.kind = cms::ComponentKind::plugin;
  c.name = std::move(name);
  c.installed = std::move(installed);
  c.latest = std::move(latest);
  c.update = cms::UpdateState::available;
  c.source = "wp-cli";
  return c;
}

} // namespace

TEST_CASE("cms name shapes: WordPress slugs, composer packages, versions", "[unit][cms]") {
  for (auto ok : {"akismet", "hello", "object-cache.php", "my_plugin", "dir/file", "Plugin2"}) CHECK(cms::is_wordpress_slug(ok));
  for (auto bad : {"", "--exec=system('id');", "-x", "a b", "a\nb", "../x", "a//b", "a;id", "$(id)"}) {
    INFO(bad);
    CHECK_FALSE(cms::is_wordpress_slug(bad));
  }
  for (auto ok : {"drupal/core-recommended", "symfony/http-kernel", "vendor/a--b", "a.b/c_d"}) CHECK(cms::is_composer_package(ok));
  for (auto bad : {"drupal", "--no-plugins/x", "Vendor/x", "a/b/c", "a/-b", "a/b-", "a/b---c", "a /b"}) {
    INFO(bad);
    CHECK_FALSE(cms::is_composer_package(bad));
  }
  for (auto ok : {"6.4.3", "2.0-beta1", "v1.2.3", "dev-main", "1.x-dev", "dev-main 1a2b3c4", "1.0+build.5"}) {
    CHECK(cms::is_version_text(ok));
  }
  for (auto bad : {"", "--version=1", "-1", "1.0 ; id", "1.0\n", "dev-main XYZ1234"}) {
    INFO(bad);
    CHECK_FALSE(cms::is_version_text(bad));
  }
}

TEST_CASE("a component named like an option is refused: a finding, never an update step", "[unit][cms]") {
  std::vector<cms::Component> components{plugin("akismet", "5.3", "5.3.1"),
                                         plugin("--exec=system('id');", "1.0", "1.1"),
                                         plugin("hello", "1.0", "--require=/tmp/x.php")};
  components[1].update = cms::UpdateState::none;
  cms::refuse_unexpected_names(components);
  CHECK_FALSE(components[0].refused);
  CHECK(components[1].refused);
  CHECK(components[1].note == "refused: the name reported by the server is not a WordPress slug; not updated");
  CHECK(components[2].note == "refused: the latest version reported by the server is not a version; not updated");

  auto findings = check::findings_for("acme", "prod", tma::version::Scheme::php, components, {});
  REQUIRE(findings.size() == 3);
  // The evaluate doc comment promises findings only for newer versions: refused ones are the exception.
  std::size_t refused = 0;
  for (const auto& f : findings) {
    if (f.note.rfind("refused:", 0) == 0) {
      ++refused;
      CHECK(f.severity == check::Severity::major);
    }
  }
  CHECK(refused == 2);

  update::PlanInput in;
  in.site = "acme";
  in.components = components;
  auto plan = update::make_plan(in);
  REQUIRE(plan);
  REQUIRE(plan->steps.size() == 1);
  CHECK(plan->steps[0].name == "akismet");
  CHECK(plan->skipped.size() == 2);
}

namespace {

// Records what would have run; every command succeeds.
class RecordingTransport : public transport::Transport {
public:
  std::vector<std::vector<std::string>> ran;
  transport::CommandResult run(const transport::Command& command) override {
    ran.push_back(command.argv);
    transport::CommandResult result;
    result.exit_code = 0;
    return result;
  }
  std::string describe() const override { return "recording"; }
  std::string host_key() const override { return "recording"; }
};

} // namespace

TEST_CASE("WordPressActions refuses a slug or version shaped like an option before running wp", "[unit][update]") {
  inventory::Environment env;
  env.name = "prod";
  env.local = true;
  env.path = "/srv/www";
  RecordingTransport shell;
  cms::WordPressActions wp(shell, env);
  auto slug = wp.install(cms::ComponentKind::plugin, "--exec=system('id');", "1.0");
  REQUIRE_FALSE(slug);
  CHECK(slug.error().message.find("refused to update --exec=system('id');") != std::string::npos);
  auto version = wp.install(cms::ComponentKind::plugin, "akismet", "--require=/tmp/x.php");
  REQUIRE_FALSE(version);
  CHECK(shell.ran.empty());
}
