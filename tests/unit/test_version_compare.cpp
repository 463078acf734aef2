#include <catch2/catch.hpp>

#include <tma/version/version.hpp>

using namespace tma::version;

TEST_CASE("version::php_version_compare follows PHP version_compare") {
  SECTION("numeric parts compare as numbers") {
    CHECK(php_version_compare("1.10", "1.9") > 0);
    CHECK(php_version_compare("6.1.10", "6.1.9") > 0);
    CHECK(php_version_compare("6.4.3", "6.4.3") == 0);
  }
  SECTION("a missing part ranks below a number (PHP: 6.4 < 6.4.0)") {
    CHECK(php_version_compare("6.4", "6.4.0") < 0);
    CHECK(php_version_compare("6.4.0", "6.4") > 0);
  }
  SECTION("special forms: dev < alpha = a < beta = b < RC = rc < number < pl = p") {
    CHECK(php_version_compare("5.0.2-beta1", "5.0.2") < 0);
    CHECK(php_version_compare("5.0.2-beta1", "5.0.2-beta2") < 0);
    CHECK(php_version_compare("1.0-dev", "1.0-alpha") < 0);
    CHECK(php_version_compare("1.0a1", "1.0alpha1") == 0);
    CHECK(php_version_compare("1.0b1", "1.0beta1") == 0);
    CHECK(php_version_compare("1.0RC1", "1.0rc1") == 0);
    CHECK(php_version_compare("6.5-RC1", "6.5-beta3") > 0);
    CHECK(php_version_compare("1.0pl1", "1.0") > 0);
    CHECK(php_version_compare("1.0-p1", "1.0.1") > 0);
    CHECK(php_version_compare("1.0-foo", "1.0-dev") < 0);
  }
  SECTION("canonicalisation: - _ + become dots, digits and letters are split") {
    CHECK(php_version_compare("1-0", "1.0") == 0);
    CHECK(php_version_compare("1_0+1", "1.0.1") == 0);
    CHECK(php_version_compare("6.2RC1", "6.2-RC1") == 0);
  }
  SECTION("empty strings") {
    CHECK(php_version_compare("", "") == 0);
    CHECK(php_version_compare("", "1") < 0);
    CHECK(php_version_compare("1", "") > 0);
  }
}

TEST_CASE("version::normalize_composer gives Composer's normal form") {
  CHECK(normalize_composer("1.2") == "1.2.0.0");
  CHECK(normalize_composer("v3.2.0") == "3.2.0.0");
  CHECK(normalize_composer("8.x-1.2") == "1.2.0.0");
  CHECK(normalize_composer("12.5.3.0") == "12.5.3.0");
  CHECK(normalize_composer("1.0.0-beta1") == "1.0.0.0-beta1");
  CHECK(normalize_composer("2.0.0-rc2") == "2.0.0.0-RC2");
  CHECK(normalize_composer("3.0.x-dev") == "3.0.9999999.9999999-dev");
  CHECK(normalize_composer("dev-main") == "dev-main");
}

TEST_CASE("version::compare_versions under composer rules") {
  CHECK(compare_versions(Scheme::composer, "v1.2", "1.2.0") == 0);
  CHECK(compare_versions(Scheme::composer, "6.4", "6.4.0") == 0);
  CHECK(compare_versions(Scheme::composer, "8.x-1.10", "8.x-1.9") > 0);
  CHECK(compare_versions(Scheme::composer, "10.3.2", "10.3.10") < 0);
  CHECK(compare_versions(Scheme::composer, "1.0.0-beta1", "1.0.0") < 0);
  CHECK(compare_versions(Scheme::composer, "1.0.0-RC1", "1.0.0-beta9") > 0);
  CHECK(compare_versions(Scheme::composer, "12.5.3.1", "12.5.3") > 0);
}

TEST_CASE("version::version_distance classifies major minor and patch") {
  CHECK(version_distance(Scheme::php, "6.4.2", "6.5") == Distance::minor);
  CHECK(version_distance(Scheme::php, "1.9", "2.0") == Distance::major);
  CHECK(version_distance(Scheme::php, "6.1.9", "6.1.10") == Distance::patch);
  CHECK(version_distance(Scheme::php, "5.0.2-beta1", "5.0.2") == Distance::patch);
  CHECK(version_distance(Scheme::php, "5.1", "5.0.3") == Distance::none);
  CHECK(version_distance(Scheme::php, "5.1", "5.1") == Distance::none);
  CHECK(version_distance(Scheme::php, "", "5.1") == Distance::none);
  CHECK(version_distance(Scheme::composer, "v3.2.0", "v3.4.1") == Distance::minor);
  CHECK(version_distance(Scheme::composer, "8.x-1.2", "8.x-2.0") == Distance::major);
  CHECK(version_distance(Scheme::composer, "6.4", "6.4.0") == Distance::none);
  CHECK(to_string(Distance::major) == "major");
}
