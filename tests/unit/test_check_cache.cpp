#include <catch2/catch.hpp>

#include <fstream>

#include <tma/check/cache.hpp>

#include "support/temp_dir.hpp"

using namespace tma::check;
using namespace std::chrono;

TEST_CASE("check::ResponseCache serves fresh entries and marks stale ones") {
  tma::test::TempDir dir;
  auto now = system_clock::time_point(seconds(1'800'000'000));
  ResponseCache cache(dir.path() / "cache", hours(12), [&] { return now; });
  const std::string url = "https://api.wordpress.org/plugins/info/1.2/?action=plugin_information&request[slug]=akismet";
  CHECK_FALSE(cache.get(url));
  REQUIRE(cache.put(url, "{\"version\":\"5.1\"}\n\x01binary"));
  auto fresh = cache.get(url);
  REQUIRE(fresh);
  CHECK(fresh->fresh);
  CHECK(fresh->body == "{\"version\":\"5.1\"}\n\x01binary");
  now += hours(12) - seconds(1);
  CHECK(cache.get(url)->fresh);
  now += seconds(1);
  auto stale = cache.get(url);
  REQUIRE(stale);
  CHECK_FALSE(stale->fresh);
  CHECK(stale->stored_at == system_clock::time_point(seconds(1'800'000'000)));
  CHECK_FALSE(cache.get(url + "&other"));

  SECTION("a corrupt or truncated entry is absent, not data") {
    {
      std::ofstream out(cache.path_for(url), std::ios::trunc);
      out << "{\"key\":\"" << url << "\",\"stored_at\":1800000000,\"size\":100}\n{\"vers";
    }
    CHECK_FALSE(cache.get(url));
    {
      std::ofstream out(cache.path_for(url), std::ios::trunc);
      out << "garbage";
    }
    CHECK_FALSE(cache.get(url));
  }
  SECTION("an unwritable directory is an io error") {
    ResponseCache broken("/proc/tma-no-such-dir/cache", hours(1));
    auto r = broken.put("k", "v");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == tma::core::ErrorKind::io);
  }
}
