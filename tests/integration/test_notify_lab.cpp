// Notifications and monitoring incidents against real servers on loopback: the lab HTTP server
// capturing webhooks, tests/lab/smtp_server.py capturing email (with STARTTLS from the lab CA), and
// a site whose HTTP server is stopped and restarted between health checks.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <thread>

#include <openssl/evp.h>

#include <tma/check/health.hpp>
#include <tma/incident/monitor.hpp>
#include <tma/notify/dispatch.hpp>
#include <tma/transport/http.hpp>

#include "support/lab.hpp"
#include "support/lab_smtp.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

using namespace std::chrono_literals;
using tma::inventory::Criticality;
using tma::journal::MemoryJournal;
using tma::journal::Run;
using tma::test::LabSmtp;
namespace notify = tma::notify;
namespace incident = tma::incident;

namespace {


std::string base64_decode(const std::string& text) {
  std::string clean;
  for (char c : text) {
    if (c != '\r' && c != '\n') clean += c;
  }
  std::string out(clean.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

incident::Incident sample(Criticality severity = Criticality::critical) {
  incident::Incident i;
  i.id = i.number = "INC-2026-0007";
  i.opened_event = "f00dfeed00000000-2";
  i.site = "shop";
  i.env = "prod";
  i.client = "acme";
  i.severity = severity;
  i.title = "Paiement refusé";
  i.opened = *tma::core::parse_rfc3339("2026-11-30T08:00:00Z");
  return i;
}

tma::inventory::NotifyChannel channel(std::string name, std::string type, std::string url) {
  tma::inventory::NotifyChannel c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.url.value = std::move(url);
  return c;
}

} // namespace

TEST_CASE("notify: signed generic webhook and Slack preset reach a real HTTP server", "[integration]") {
  tma::test::LabHttp server(nlohmann::json{{"/hook", {{"status", 204}}}, {"/slack", {{"status", 200}, {"body", "ok"}}}});
  tma::transport::CurlHttpClient http;
  notify::ChannelSender sender(http);
  auto message = notify::compose({"incident.opened", "f00dfeed00000000-2", sample()}, tma::inventory::Lang::en, "Atelier");

  auto hook = channel("ops", "webhook", server.url("/hook"));
  hook.secret.value = "lab-signing-key";
  REQUIRE(sender.send(hook, {}, message));
  REQUIRE(sender.send(channel("team", "slack", server.url("/slack")), {}, message));

  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  const auto& signed_request = requests[0];
  CHECK(signed_request["method"] == "POST");
  auto body = signed_request["body"].get<std::string>();
  auto json = nlohmann::json::parse(body);
  CHECK(json["event_id"] == "f00dfeed00000000-2");
  CHECK(json["incident"] == "INC-2026-0007");
  CHECK(json["severity"] == "critical");
  // The receiver's check: HMAC-SHA256 of the raw body with the shared key.
  auto headers = signed_request["headers"];
  CHECK(headers["X-Tma-Signature"] == "sha256=" + notify::hmac_sha256_hex("lab-signing-key", body));
  CHECK(headers["X-Tma-Event-Id"] == "f00dfeed00000000-2");
  CHECK(headers["Content-Type"] == "application/json");
  auto slack = nlohmann::json::parse(requests[1]["body"].get<std::string>());
  CHECK(slack["text"].get<std::string>().find("INC-2026-0007") != std::string::npos);
  CHECK_FALSE(requests[1]["headers"].contains("X-Tma-Signature"));

  SECTION("an error status is a failure naming the status, not the URL") {
    tma::test::LabHttp failing(nlohmann::json{{"*", {{"status", 500}}}});
    auto sent = sender.send(channel("ops", "webhook", failing.url("/hook")), {}, message);
    REQUIRE_FALSE(sent);
    CHECK(sent.error().message == "webhook answered HTTP 500");
  }
}

TEST_CASE("notify: webhook down then up, the pending notification is delivered once", "[integration]") {
  // The first POST gets 503 (the channel is "down"); later ones get 200.
  tma::test::LabHttp server(nlohmann::json{{"/hook", {{"fail_times", 1}, {"fail_status", 503}, {"status", 200}}}});
  tma::inventory::Inventory inv;
  tma::inventory::Client acme;
  acme.id = "acme";
  inv.clients.push_back(acme);
  inv.notify.channels = {channel("ops", "webhook", server.url("/hook"))};
  inv.notify.rules = {{"incident.opened", std::nullopt, {"ops"}}};
  MemoryJournal journal;
  tma::transport::CurlHttpClient http;
  notify::ChannelSender sender(http);
  {
    Run run(journal, "incident open");
    auto report = notify::notify(journal, run, inv, sender, {{"incident.opened", "f00dfeed00000000-2", sample()}});
    REQUIRE(report.failed.size() == 1);
    CHECK(report.failed[0].second == "webhook answered HTTP 503");
    REQUIRE(run.finish(0));
  }
  for (int i = 0; i < 2; ++i) {
    Run run(journal, "notify flush");
    notify::DeliveryReport report;
    REQUIRE(notify::deliver(journal, run, inv, sender, report));
    CHECK(report.sent.size() == (i == 0 ? 1U : 0U));
    REQUIRE(run.finish(0));
  }
  auto requests = server.requests();
  REQUIRE(requests.size() == 2); // the failed attempt and the one delivery
  CHECK(requests[0]["body"] == requests[1]["body"]);
}

TEST_CASE("notify: email over SMTP with STARTTLS and auth, plain text and HTML, French", "[integration]") {
  tma::test::LabCa ca;
  LabSmtp smtp(ca.issue("smtp", 30), std::make_pair(std::string("tma"), std::string("smtp-pass-4242")));
  tma::transport::CurlHttpClient http;
  notify::ChannelSender sender(http, notify::SmtpOptions{ca.ca_file()});
  auto mail = channel("mail", "email", "");
  mail.smtp = smtp.url();
  mail.username = "tma";
  mail.password.value = "smtp-pass-4242";
  mail.from = "TMA Atelier <tma@atelier.example>";
  auto message = notify::compose({"incident.opened", "f00dfeed00000000-2", sample()}, tma::inventory::Lang::fr, "Atelier");
  auto sent = sender.send(mail, {"jeanne@acme.example"}, message);
  REQUIRE(sent);
  auto messages = smtp.messages();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["tls"] == true);
  CHECK(messages[0]["auth"] == "tma");
  CHECK(messages[0]["mail_from"] == "tma@atelier.example");
  CHECK(messages[0]["rcpt"] == nlohmann::json::array({"jeanne@acme.example"}));
  auto data = messages[0]["data"].get<std::string>();
  CHECK(data.find("X-Tma-Event-Id: f00dfeed00000000-2") != std::string::npos);
  CHECK(data.find("Subject: =?UTF-8?B?") != std::string::npos); // "refusé"
  // The plain-text part decodes to the French message.
  auto start = data.find("Content-Transfer-Encoding: base64\r\n\r\n") + 37;
  auto text = base64_decode(data.substr(start, data.find("--", start) - start));
  CHECK(text.find("Incident INC-2026-0007 ouvert.") == 0);
  CHECK(text.find("Gravité: critique") != std::string::npos);
  CHECK(data.find("Content-Type: text/html; charset=utf-8") != std::string::npos);
  CHECK(data.find("smtp-pass-4242") == std::string::npos);

  SECTION("a wrong password is an error without the password") {
    mail.password.value = "wrong-pass-999";
    auto refused = sender.send(mail, {"jeanne@acme.example"}, message);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("wrong-pass-999") == std::string::npos);
  }
}

TEST_CASE("notify: STARTTLS is required unless tls: false", "[integration]") {
  LabSmtp smtp(std::nullopt, std::nullopt); // offers no STARTTLS
  tma::transport::CurlHttpClient http;
  notify::ChannelSender sender(http);
  auto mail = channel("mail", "email", "");
  mail.smtp = smtp.url();
  mail.from = "tma@atelier.example";
  auto message = notify::compose({"incident.opened", "f00dfeed00000000-2", sample()}, tma::inventory::Lang::en, "Atelier");
  auto refused = sender.send(mail, {"oncall@atelier.example"}, message);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message ==
        "email via " + smtp.url() + ": the server does not offer STARTTLS (set tls: false to allow plain SMTP)");
  CHECK(smtp.messages().empty());

  mail.tls = false;
  REQUIRE(sender.send(mail, {"oncall@atelier.example"}, message));
  REQUIRE(smtp.messages().size() == 1);
  CHECK(smtp.messages()[0]["tls"] == false);

  SECTION("a password is never sent in clear") {
    mail.username = "tma";
    mail.password.value = "clear-pass-1234";
    auto clear = sender.send(mail, {"oncall@atelier.example"}, message);
    REQUIRE_FALSE(clear);
    CHECK(clear.error().message == "email: refusing to send the SMTP password without TLS (tls: false)");
  }
}

TEST_CASE("incident: a real site stopped for 3 checks then restarted gives one incident", "[integration]") {
  tma::test::TempDir dir;
  auto routes = dir.write("routes.json", R"({"/": {"status": 200, "body": "welcome"}})");
  int port = tma::test::free_port();
  auto start_site = [&] {
    auto process = tma::test::LabProcess({tma::test::lab_python(), std::string(TMA_LAB_DIR) + "/http_server.py", "--routes",
                                          routes, "--port-file", dir.file("port"), "--requests", dir.file("requests.jsonl"),
                                          "--port", std::to_string(port)},
                                         dir.file("server.log"));
    REQUIRE(tma::test::wait_for_port(port, 10s));
    return process;
  };
  tma::inventory::Inventory inv;
  tma::inventory::Site site;
  site.name = "shop";
  site.client = "acme";
  site.criticality = Criticality::critical;
  inv.sites.push_back(site);
  tma::inventory::Client acme;
  acme.id = "acme";
  inv.clients.push_back(acme);
  inv.notify.channels = {channel("team", "webhook", "")};
  inv.notify.rules = {{"incident.opened", std::nullopt, {"team"}}, {"incident.resolved", std::nullopt, {"team"}}};
  tma::test::LabHttp hooks(nlohmann::json{{"*", {{"status", 200}}}});
  inv.notify.channels[0].url.value = hooks.url("/hook");

  MemoryJournal journal("tma <tma@tma.invalid>", *tma::core::parse_rfc3339("2026-11-30T10:00:00Z"));
  tma::transport::CurlHttpClient http;
  notify::ChannelSender sender(http);
  auto url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto check_once = [&] {
    auto request = tma::transport::request_for(site.environments.empty() ? tma::inventory::HttpSettings{} : site.environments[0].http, url);
    request.max_attempts = 1;
    request.timeout = tma::transport::Milliseconds{5000};
    tma::check::HttpObservation observation;
    auto response = http.send(request);
    if (!response) {
      observation.error = response.error();
    } else {
      observation.status = static_cast<int>(response->status);
      observation.body = response->body;
    }
    auto result = tma::check::evaluate_health("shop", "prod", url, tma::inventory::SmokeCheck{}, site.health, observation,
                                              std::chrono::system_clock::now());
    Run run(journal, "health");
    auto outcomes = incident::record_probes(journal, run, inv, tma::core::TimeZone::utc(), incident::probes_from_health({result}));
    REQUIRE(outcomes);
    std::vector<notify::Trigger> triggers;
    for (const auto& o : *outcomes) {
      if (o.event) triggers.push_back({o.event->type, o.event->id, o.incident});
    }
    CHECK(notify::notify(journal, run, inv, sender, triggers).ok());
    REQUIRE(run.finish(0));
    journal.advance(1min);
    return outcomes->front();
  };

  auto process = start_site();
  CHECK(check_once().transition == incident::Transition::none);
  process.stop();
  CHECK(check_once().transition == incident::Transition::counted);
  auto opened = check_once();
  CHECK(opened.transition == incident::Transition::opened);
  CHECK(check_once().transition == incident::Transition::noted);
  process = start_site();
  auto resolved = check_once();
  CHECK(resolved.transition == incident::Transition::resolved);
  REQUIRE(resolved.downtime);
  CHECK(*resolved.downtime == 3min); // down at 10:01, back at 10:04 (fake journal clock)

  auto all = incident::load_all(journal);
  REQUIRE(all);
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].severity == Criticality::critical);
  CHECK((*all)[0].notes.size() == 1);
  CHECK((*all)[0].notes[0].text.find("127.0.0.1") != std::string::npos);
  auto requests = hooks.requests();
  REQUIRE(requests.size() == 2); // one per transition: opened, resolved
  CHECK(nlohmann::json::parse(requests[0]["body"].get<std::string>())["event_type"] == "incident.opened");
  CHECK(nlohmann::json::parse(requests[1]["body"].get<std::string>())["event_type"] == "incident.resolved");
}
