// run_check() and run_health() helpers with a fake transport: error mapping per target, no servers.
#include <catch2/catch.hpp>

#include <tma/check/run_check.hpp>
#include <tma/check/run_health.hpp>

#include "support/fake_transport.hpp"

using namespace tma;

namespace {

struct Fixture {
  inventory::Site site;
  inventory::Environment env;
  transport::CommandResult answer = test::FakeTransport::ok();
  check::CheckTransportFactory factory = [this](const inventory::Environment&) {
    auto fake = std::make_unique<test::FakeTransport>();
    fake->reply_default(answer);
    return core::Result<std::unique_ptr<transport::Transport>>(std::move(fake));
  };
  check::CheckInputs inputs;
  Fixture() {
    site.name = "acme";
    env.name = "prod";
    env.url = "https://acme.example";
    env.ssh = inventory::SshTarget{};
    env.path = "/srv/acme";
    inputs.transports = &factory;
  }
};

} // namespace

TEST_CASE("run_check maps transport and tool failures to site statuses", "[check]") {
  Fixture f;
  SECTION("unreachable") {
    f.answer = test::FakeTransport::unreachable();
    auto c = check::run_check(f.site, f.env, f.inputs);
    REQUIRE(c.error);
    CHECK(c.error->kind == core::ErrorKind::unreachable);
    CHECK(check::site_status(c) == check::SiteStatus::unreachable);
    CHECK(c.error->message.rfind("site acme: prod: ", 0) == 0);
  }
  SECTION("timeout is unreachable too") {
    f.answer.outcome = transport::Outcome::timed_out;
    f.answer.message = "timed out";
    auto c = check::run_check(f.site, f.env, f.inputs);
    REQUIRE(c.error);
    CHECK(c.error->kind == core::ErrorKind::timeout);
    CHECK(check::site_status(c) == check::SiteStatus::unreachable);
  }
  SECTION("garbage output is failed, naming the command") {
    f.answer = test::FakeTransport::ok("<html>502 Bad Gateway</html>");
    auto c = check::run_check(f.site, f.env, f.inputs);
    REQUIRE(c.error);
    CHECK(c.error->kind == core::ErrorKind::cms);
    CHECK(c.error->message.find("core version") != std::string::npos);
    CHECK(check::site_status(c) == check::SiteStatus::failed);
  }
  SECTION("a PHP fatal (exit 255) is failed with the exit code") {
    f.answer = test::FakeTransport::exit(255, "PHP Fatal error: boom");
    auto c = check::run_check(f.site, f.env, f.inputs);
    REQUIRE(c.error);
    CHECK(c.error->kind == core::ErrorKind::remote);
    CHECK(c.error->message.find("exited with 255") != std::string::npos);
    CHECK(check::site_status(c) == check::SiteStatus::failed);
  }
  SECTION("static sites are skipped without running anything") {
    f.site.cms = inventory::Cms::static_site;
    f.answer = test::FakeTransport::unreachable();
    auto c = check::run_check(f.site, f.env, f.inputs);
    CHECK_FALSE(c.error);
    CHECK(check::site_status(c) == check::SiteStatus::skipped);
  }
  SECTION("Drupal needs a shell") {
    f.site.cms = inventory::Cms::drupal;
    f.env.ssh.reset();
    auto c = check::run_check(f.site, f.env, f.inputs);
    REQUIRE(c.error);
    CHECK(c.error->kind == core::ErrorKind::config);
  }
}

TEST_CASE("load_feed without a configured URL is not_configured", "[check]") {
  struct NoHttp : transport::HttpClient {
    core::Result<transport::HttpResponse> send(const transport::HttpRequest&) override {
      FAIL("no request expected");
      return core::fail(core::ErrorKind::internal, "unreachable");
    }
  } http;
  auto feed = check::load_feed(inventory::Sources{}, http, nullptr);
  CHECK_FALSE(feed.db);
  CHECK(feed.status.state == check::FeedStatus::State::not_configured);
}

TEST_CASE("join_url puts exactly one slash between base and path", "[check]") {
  CHECK(check::join_url("https://a.example", "/") == "https://a.example/");
  CHECK(check::join_url("https://a.example/", "/shop") == "https://a.example/shop");
  CHECK(check::join_url("https://a.example//", "shop") == "https://a.example/shop");
}
