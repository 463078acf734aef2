// The WordPress CmsActions against the lab's `wp` stand-in run through the local transport: exact
// versions land in the site's files, reverts downgrade, maintenance mode is idempotent and survives
// an install.
#include <tma/cms/wordpress_http.hpp>
#include <tma/transport/ssh_transport.hpp>
#include <tma/cms/wordpress_actions.hpp>
#include <tma/update/pipeline.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "support/fixture.hpp"
#include "support/run_program.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

using namespace tma;

namespace {

std::string make_site(const test::TempDir& dir) {
  std::string root = dir.file("acme");
  auto made = test::run_program({std::string(TMA_LAB_DIR) + "/make_wp_site", root, "--core", "6.1.9",
                                 "--plugin", "akismet=5.0.2", "--update", "core=6.1.9,6.1.10",
                                 "--update", "plugin:akismet=5.0.2,5.0.3,5.1"});
  REQUIRE(made.exit_code == 0);
  return root;
}

std::string plugin_version(const std::string& root) {
  return cms::wordpress_http::header_version(test::read_file(root + "/wp-content/plugins/akismet/akismet.php"));
}

} // namespace

TEST_CASE("wp_install_argv names the exact version", "[update]") {
  inventory::Environment env;
  env.path = "/srv/www/acme";
  env.binaries["wp"] = "/usr/local/bin/wp";
  CHECK(cms::wp_install_argv(env, cms::ComponentKind::plugin, "akismet", "5.3.1") ==
        std::vector<std::string>{"/usr/local/bin/wp", "--path=/srv/www/acme", "--no-color", "plugin",
                                 "update", "akismet", "--version=5.3.1"});
  CHECK(cms::wp_install_argv(env, cms::ComponentKind::core, "wordpress", "6.4.5") ==
        std::vector<std::string>{"/usr/local/bin/wp", "--path=/srv/www/acme", "--no-color", "core",
                                 "update", "--version=6.4.5", "--force"});
}

TEST_CASE("WordPressActions installs exact versions, reverts, toggles maintenance (lab wp)", "[update]") {
  test::TempDir dir;
  auto root = make_site(dir);
  inventory::Environment env;
  env.name = "prod";
  env.local = true;
  env.path = root;
  env.binaries["wp"] = test::lab_bin("wp");
  transport::LocalTransport local(root);
  cms::WordPressActions wp(local, env);
  auto maintenance_file = std::filesystem::path(root) / ".maintenance";

  REQUIRE(wp.set_maintenance(true));
  CHECK(std::filesystem::exists(maintenance_file));
  REQUIRE(wp.set_maintenance(true)); // already on: still success

  REQUIRE(wp.install(cms::ComponentKind::plugin, "akismet", "5.0.3"));
  CHECK(plugin_version(root) == "5.0.3");
  CHECK(std::filesystem::exists(maintenance_file));
  REQUIRE(wp.install(cms::ComponentKind::plugin, "akismet", "5.0.2"));
  CHECK(plugin_version(root) == "5.0.2");

  REQUIRE(wp.install(cms::ComponentKind::core, "wordpress", "6.1.10"));
  CHECK(test::read_file(root + "/wp-includes/version.php").find("'6.1.10'") != std::string::npos);
  REQUIRE(wp.database_updates());
  REQUIRE(wp.install(cms::ComponentKind::core, "wordpress", "6.1.9"));
  CHECK(test::read_file(root + "/wp-includes/version.php").find("'6.1.9'") != std::string::npos);

  REQUIRE(wp.set_maintenance(false));
  CHECK_FALSE(std::filesystem::exists(maintenance_file));
  REQUIRE(wp.set_maintenance(false));

  auto missing = wp.install(cms::ComponentKind::plugin, "akismet", "9.9");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("akismet --version=9.9") != std::string::npos);
}

namespace {

// Health of a lab site read from its files: down in maintenance, or when a given akismet version is
// installed (the lab's "500 when that version is installed", without the HTTP server).
class FileHealth : public update::SmokeTest {
public:
  FileHealth(std::string root, std::string bad_akismet) : m_root(std::move(root)), m_bad(std::move(bad_akismet)) {}
  core::Result<void> healthy() override {
    if (std::filesystem::exists(m_root + "/.maintenance")) {
      return core::fail(core::ErrorKind::http, "503 maintenance");
    }
    if (!m_bad.empty() && plugin_version(m_root) == m_bad) {
      return core::fail(core::ErrorKind::http, "GET / answered 500");
    }
    return {};
  }
  std::string m_root;
  std::string m_bad;
};

struct NoBackup : update::Backup {
  core::Result<std::string> take_pre_update() override { return std::string("b-lab"); }
  core::Result<void> restore(const std::string&) override {
    return core::fail(core::ErrorKind::internal, "no restore in this test");
  }
  core::Result<void> mark_completed(const std::string& id) override {
    marked.push_back(id);
    return {};
  }
  std::vector<std::string> marked;
};

struct ListRecorder : update::Recorder {
  std::vector<std::string> types;
  core::Result<void> record(const std::string& env, const std::string& type, nlohmann::json) override {
    types.push_back(env + " " + type);
    return {};
  }
};

} // namespace

TEST_CASE("pipeline over the lab wp: a version breaking preprod never reaches prod", "[update]") {
  test::TempDir pre_dir;
  test::TempDir prod_dir;
  auto pre_root = make_site(pre_dir);
  auto prod_root = make_site(prod_dir);
  auto env_for = [](const std::string& name, const std::string& root) {
    inventory::Environment env;
    env.name = name;
    env.local = true;
    env.path = root;
    env.binaries["wp"] = test::lab_bin("wp");
    return env;
  };
  transport::LocalTransport pre_transport(pre_root);
  transport::LocalTransport prod_transport(prod_root);
  cms::WordPressActions preprod(pre_transport, env_for("preprod", pre_root));
  cms::WordPressActions prod(prod_transport, env_for("prod", prod_root));
  FileHealth preprod_health(pre_root, "5.1");
  FileHealth prod_health(prod_root, "");
  NoBackup backup;
  ListRecorder recorder;

  update::Plan plan;
  plan.site = "acme-www";
  plan.env = "prod";
  plan.steps = {{cms::ComponentKind::core, "wordpress", "6.1.9", "6.1.10", "6.1.10", false, "", "", ""},
                {cms::ComponentKind::plugin, "akismet", "5.0.2", "5.1", "5.1", false, "", "", ""}};
  update::Targets targets{&preprod, &preprod_health, &prod, &prod_health, &backup, &recorder};
  auto result = update::run_pipeline(plan, targets, {});

  CHECK(result.outcome == update::Outcome::updated);
  CHECK(backup.marked == std::vector<std::string>{"b-lab"});
  CHECK(result.steps[0].status == update::StepStatus::applied);
  CHECK(result.steps[1].status == update::StepStatus::rejected);
  CHECK(plugin_version(pre_root) == "5.0.2");  // reverted on preprod
  CHECK(plugin_version(prod_root) == "5.0.2"); // never installed on prod
  CHECK(test::read_file(prod_root + "/wp-includes/version.php").find("'6.1.10'") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(prod_root + "/.maintenance"));
  CHECK(std::find(recorder.types.begin(), recorder.types.end(), "prod update.maintenance.off") !=
        recorder.types.end());
}
