#include <catch2/catch.hpp>

#include <tma/core/text.hpp>
#include <tma/run/ping.hpp>

#include "support/fake_http.hpp"
#include "support/fake_transport.hpp"

using namespace tma;
using namespace std::chrono_literals;

namespace {

struct World {
  inventory::Site site;
  test::FakeTransport shell{"web1:22"};
  test::FakeHttpClient http;
  run::TransportFactory factory;
  run::PingOptions options;
  World() {
    site.name = "acme";
    inventory::Environment env;
    env.name = "prod";
    env.url = "https://acme.example/";
    env.ssh = inventory::SshTarget{};
    env.ssh->host = "web1";
    env.path = "/var/www/acme";
    env.binaries["php"] = "/opt/php/bin/php";
    site.environments.push_back(env);
    factory = [this](const inventory::Environment&) -> core::Result<std::unique_ptr<transport::Transport>> {
      // Each call gets a view of the same fake, so the test sees every command.
      struct View final : transport::Transport {
        test::FakeTransport* fake;
        explicit View(test::FakeTransport* f) : fake(f) {}
        transport::CommandResult run(const transport::Command& c) override { return fake->run(c); }
        std::string describe() const override { return fake->describe(); }
        std::string host_key() const override { return fake->host_key(); }
      };
      return std::unique_ptr<transport::Transport>(std::make_unique<View>(&shell));
    };
    options.now = std::chrono::system_clock::from_time_t(1'800'000'000);
  }
  transport::HttpResponse response(long status, std::optional<int> days_left) {
    transport::HttpResponse r;
    r.status = status;
    r.timings.total = 42ms;
    if (days_left) {
      r.certificate = transport::PeerCertificate{options.now + std::chrono::hours(24 * *days_left + 1), "CN=CA", "CN=x"};
    }
    return r;
  }
};

} // namespace

TEST_CASE("run::ping_target reports system, PHP, HTTP status and TLS days") {
  World w;
  auto probe = core::join(run::ping_probe_argv("/opt/php/bin/php"), " ");
  w.shell.reply(probe, test::FakeTransport::ok("Linux 6.1.0\n8.2.7\n"));
  w.http.reply("https://acme.example/", w.response(200, 60));
  auto r = run::ping_target(w.site, w.site.environments[0], w.factory, w.http, w.options);
  CHECK(r.status == run::Status::ok);
  CHECK_FALSE(r.error);
  CHECK(r.data["ssh"]["system"] == "Linux 6.1.0");
  CHECK(r.data["ssh"]["php"] == "8.2.7");
  CHECK(r.data["http"]["status"] == 200);
  CHECK(r.data["http"]["time_ms"] == 42);
  CHECK(r.data["http"]["tls_days_left"] == 60);
  REQUIRE(w.shell.calls().size() == 1);
  CHECK(w.shell.calls()[0].argv.back() == "/opt/php/bin/php");
}

TEST_CASE("run::ping_target statuses") {
  World w;
  auto probe = core::join(run::ping_probe_argv("/opt/php/bin/php"), " ");
  SECTION("no php: null version") {
    w.shell.reply(probe, test::FakeTransport::ok("Linux 6.1.0\n\n"));
    w.http.reply("https://acme.example/", w.response(200, std::nullopt));
    auto r = run::ping_target(w.site, w.site.environments[0], w.factory, w.http, w.options);
    CHECK(r.status == run::Status::ok);
    CHECK(r.data["ssh"]["php"].is_null());
    CHECK(r.data["http"]["tls_days_left"].is_null());
  }
  SECTION("certificate expiring within tls_warn is a finding") {
    w.http.reply("https://acme.example/", w.response(200, 5));
    auto r = run::ping_target(w.site, w.site.environments[0], w.factory, w.http, w.options);
    CHECK(r.status == run::Status::findings);
    CHECK(r.data["warnings"][0] == "TLS certificate expires in 5 days");
  }
  SECTION("HTTP 500 is a failure") {
    w.http.reply("https://acme.example/", w.response(500, 60));
    auto r = run::ping_target(w.site, w.site.environments[0], w.factory, w.http, w.options);
    CHECK(r.status == run::Status::failed);
    CHECK(r.error->message == "GET https://acme.example/: HTTP 500");
  }
  SECTION("ssh unreachable wins over an HTTP answer") {
    w.shell.reply(probe, test::FakeTransport::unreachable("ssh web1:22: Connection refused"));
    w.http.reply("https://acme.example/", w.response(500, 60));
    auto r = run::ping_target(w.site, w.site.environments[0], w.factory, w.http, w.options);
    CHECK(r.status == run::Status::unreachable);
    CHECK(r.error->message == "ssh web1:22: Connection refused");
    CHECK(r.data["ssh"]["ok"] == false);
  }
  SECTION("HTTP-only environment") {
    w.site.environments[0].ssh.reset();
    w.http.reply("https://acme.example/", w.response(200, 60));
    auto r = run::ping_target(w.site, w.site.environments[0], w.factory, w.http, w.options);
    CHECK(r.status == run::Status::ok);
    CHECK(r.data["ssh"].is_null());
    CHECK(w.shell.calls().empty());
  }
}

TEST_CASE("run::ping_table and ping_json render results") {
  run::SiteResult r;
  r.site = "acme";
  r.env = "prod";
  r.data = {{"ssh", {{"ok", true}, {"time_ms", 120}, {"system", "Linux 6.1"}, {"php", "8.2.7"}}},
            {"http", {{"status", 200}, {"time_ms", 35}, {"tls_days_left", 4}}},
            {"warnings", {"TLS certificate expires in 4 days"}}};
  r.status = run::Status::findings;
  auto text = run::ping_table({r}).render(false);
  CHECK(text.find("acme") != std::string::npos);
  CHECK(text.find("Linux 6.1") != std::string::npos);
  CHECK(text.find("4d") != std::string::npos);
  CHECK(text.find("findings") != std::string::npos);
  auto doc = run::ping_json({r}, run::summarize({r}));
  CHECK(doc["results"][0]["status"] == "findings");
  CHECK(doc["results"][0]["error"].is_null());
  CHECK(doc["results"][0]["http"]["tls_days_left"] == 4);
  CHECK(doc["summary"]["findings"] == 1);
}

TEST_CASE("run::ping_target adds the PHP note (end of life) without changing the status") {
  World w;
  auto probe = core::join(run::ping_probe_argv("/opt/php/bin/php"), " ");
  w.shell.reply(probe, test::FakeTransport::ok("Linux 6.1.0\n8.2.7\n"));
  w.http.reply("https://acme.example/", w.response(200, 60));
  std::vector<std::string> asked;
  w.options.php_note = [&asked](const std::string& php) {
    asked.push_back(php);
    return std::string("PHP 8.2: security support ends on 2026-12-31 (in 28 days); PHP 8.3 is supported");
  };
  auto r = run::ping_target(w.site, w.site.environments[0], w.factory, w.http, w.options);
  CHECK(asked == std::vector<std::string>{"8.2.7"});
  CHECK(r.status == run::Status::ok);
  REQUIRE(r.data["warnings"].size() == 1);
  CHECK(r.data["warnings"][0] == "PHP 8.2: security support ends on 2026-12-31 (in 28 days); PHP 8.3 is supported");
  auto table = run::ping_table({r}).render(false);
  CHECK(table.find("PHP 8.3 is supported") != std::string::npos);
}
