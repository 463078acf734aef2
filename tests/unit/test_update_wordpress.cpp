// The WordPress CmsActions against the lab's `wp` stand-in run through the local transport: exact
// versions land in the site's files, reverts downgrade, maintenance mode is idempotent and survives
// an install.
#include <tma/cms/wordpress_http.hpp>
#include <tma/transport/ssh_transport.hpp>
#include <tma/update/wordpress.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

#include "support/fixture.hpp"
#include "support/run_program.hpp"
#include "support/temp_dir.hpp"

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
  CHECK(update::wp_install_argv(env, cms::ComponentKind::plugin, "akismet", "5.3.1") ==
        std::vector<std::string>{"/usr/local/bin/wp", "--path=/srv/www/acme", "--no-color", "plugin",
                                 "update", "akismet", "--version=5.3.1"});
  CHECK(update::wp_install_argv(env, cms::ComponentKind::core, "wordpress", "6.4.5") ==
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
  update::WordPressActions wp(local, env);
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
