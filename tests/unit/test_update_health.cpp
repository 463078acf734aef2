#include <tma/update/health.hpp>

#include <catch2/catch.hpp>

#include "support/fake_http.hpp"

using namespace tma;

TEST_CASE("the update smoke test fails on critical health problems only", "[update]") {
  inventory::Site site;
  site.name = "acme-www";
  inventory::Environment env;
  env.name = "prod";
  env.url = "https://acme.example";
  test::FakeHttpClient http;
  update::HealthSmokeTest smoke(site, env, http);

  transport::HttpResponse ok;
  ok.status = 200;
  ok.body = "<html>welcome</html>";
  http.reply("https://acme.example/", ok);
  CHECK(smoke.healthy());

  transport::HttpResponse broken;
  broken.status = 500;
  broken.body = "There has been a critical error on this website.";
  http.reply("https://acme.example/", broken);
  auto r = smoke.healthy();
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("https://acme.example/: ") == 0);
  CHECK(r.error().message.find("500") != std::string::npos);
}
