// Notification content, routing, webhook payloads, HMAC and MIME building (pure functions).
#include <catch2/catch.hpp>

#include <tma/notify/channel.hpp>
#include <tma/notify/message.hpp>

using tma::inventory::Criticality;
using tma::inventory::Lang;
namespace notify = tma::notify;

namespace {

tma::incident::Incident sample_incident() {
  tma::incident::Incident i;
  i.id = "INC-2026-0042";
  i.number = i.id;
  i.site = "shop";
  i.env = "prod";
  i.client = "acme";
  i.severity = Criticality::critical;
  i.title = "Checkout <broken>\r\nBcc: evil@example.com";
  i.opened = *tma::core::parse_rfc3339("2026-11-30T08:00:00Z");
  return i;
}

tma::inventory::Inventory inventory() {
  tma::inventory::Inventory inv;
  inv.agency.name = "Atelier";
  inv.agency.contacts = {{"Astreinte", "oncall@atelier.example"}};
  tma::inventory::Client acme;
  acme.id = "acme";
  acme.lang = Lang::fr;
  acme.contacts = {{"Jeanne", "jeanne@acme.example"}, {"Paul", "paul@acme.example"}};
  inv.clients.push_back(acme);
  tma::inventory::NotifyChannel team;
  team.name = "team";
  team.type = "slack";
  tma::inventory::NotifyChannel mail;
  mail.name = "mail";
  mail.type = "email";
  inv.notify.channels = {team, mail};
  inv.notify.rules = {{"incident.opened", Criticality::major, {"team", "client"}},
                      {"incident.resolved", Criticality::major, {"team", "client"}},
                      {"incident.updated", std::nullopt, {"team"}},
                      {"backup.*", std::nullopt, {"mail"}}};
  return inv;
}

} // namespace

TEST_CASE("notify::compose in English and French, one-line subjects, escaped HTML") {
  notify::Trigger trigger{"incident.opened", "abcd-3", sample_incident()};
  auto en = notify::compose(trigger, Lang::en, "Atelier");
  CHECK(en.subject == "[critical] INC-2026-0042 opened: Checkout <broken>  Bcc: evil@example.com");
  CHECK(en.text.find("Incident INC-2026-0042 opened.") == 0);
  CHECK(en.text.find("Site: shop (prod)\n") != std::string::npos);
  CHECK(en.text.find("Event: abcd-3\n") != std::string::npos);
  CHECK(en.html.find("<broken>") == std::string::npos);
  auto fr = notify::compose(trigger, Lang::fr, "Atelier");
  CHECK(fr.subject == "[critique] INC-2026-0042 ouvert: Checkout <broken>  Bcc: evil@example.com");
  CHECK(fr.text.find("Gravité: critique\n") != std::string::npos);
  CHECK(fr.text.find("Événement: abcd-3\n") != std::string::npos);

  auto round = notify::message_from_json(notify::to_json(fr));
  REQUIRE(round);
  CHECK(round->subject == fr.subject);
  CHECK(round->lang == Lang::fr);
  CHECK(notify::html_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;");
}

TEST_CASE("notify::route follows the rules: severity, client contacts, on-call") {
  auto inv = inventory();
  std::vector<std::string> problems;
  SECTION("a critical opening goes to the team and to the client in French") {
    auto deliveries = notify::route(inv, {"incident.opened", "e-1", sample_incident()}, problems);
    REQUIRE(deliveries.size() == 2);
    CHECK(deliveries[0].channel == "team");
    CHECK_FALSE(deliveries[0].client_facing);
    CHECK(deliveries[1].channel == "mail");
    CHECK(deliveries[1].client_facing);
    CHECK(deliveries[1].lang == Lang::fr);
    CHECK(deliveries[1].recipients == std::vector<std::string>{"jeanne@acme.example", "paul@acme.example"});
    CHECK(deliveries[1].key("e-1") == "e-1/mail/client");
    CHECK(problems.empty());
  }
  SECTION("a minor incident is below min_severity") {
    auto minor = sample_incident();
    minor.severity = Criticality::minor;
    CHECK(notify::route(inv, {"incident.opened", "e-1", minor}, problems).empty());
    // incident.updated has no minimum and covers notes
    CHECK(notify::route(inv, {"incident.noted", "e-2", minor}, problems).size() == 1);
    CHECK(notify::route(inv, {"incident.acknowledged", "e-3", minor}, problems).empty());
  }
  SECTION("internal email goes to agency contacts") {
    notify::Trigger backup;
    backup.type = "backup.failed";
    backup.event_id = "e-4";
    backup.site = "shop";
    backup.summary = "backup of shop failed";
    auto deliveries = notify::route(inv, backup, problems);
    REQUIRE(deliveries.size() == 1);
    CHECK(deliveries[0].recipients == std::vector<std::string>{"oncall@atelier.example"});
    CHECK(deliveries[0].lang == Lang::en);
  }
  SECTION("a client without contacts is a reported problem") {
    inv.clients[0].contacts.clear();
    auto deliveries = notify::route(inv, {"incident.opened", "e-5", sample_incident()}, problems);
    CHECK(deliveries.size() == 1);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == "e-5: client 'acme' has no contacts to notify");
  }
  CHECK(notify::rule_matches("incident.*", "incident.resolved"));
  CHECK_FALSE(notify::rule_matches("incident.*", "incidents.x"));
  CHECK_FALSE(notify::rule_matches("incident.opened", "incident.resolved"));
}

TEST_CASE("notify::hmac_sha256_hex matches RFC 4231") {
  CHECK(notify::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("notify::webhook_payload presets") {
  auto message = notify::compose({"incident.opened", "abcd-3", sample_incident()}, Lang::en, "Atelier");
  SECTION("slack and mattermost: text with the event id") {
    for (const auto* type : {"slack", "mattermost"}) {
      auto payload = notify::webhook_payload(type, message, "ignored");
      REQUIRE(payload);
      auto body = nlohmann::json::parse(payload->body);
      CHECK(body["text"].get<std::string>().find("(event abcd-3)") != std::string::npos);
      CHECK(payload->headers.size() == 2); // content type, event id: presets are never signed
    }
  }
  SECTION("teams: a MessageCard") {
    auto body = nlohmann::json::parse(notify::webhook_payload("teams", message, "")->body);
    CHECK(body["@type"] == "MessageCard");
    CHECK(body["themeColor"] == "D00000");
    CHECK(body["title"] == message.subject);
  }
  SECTION("generic: the message as JSON, signed when a secret is set") {
    auto payload = notify::webhook_payload("webhook", message, "s3cret-key");
    REQUIRE(payload);
    auto body = nlohmann::json::parse(payload->body);
    CHECK(body["event_id"] == "abcd-3");
    CHECK(body["incident"] == "INC-2026-0042");
    CHECK_FALSE(body.contains("html"));
    REQUIRE(payload->headers.size() == 3);
    CHECK(payload->headers[1] == std::pair<std::string, std::string>{"X-Tma-Event-Id", "abcd-3"});
    CHECK(payload->headers[2].first == "X-Tma-Signature");
    CHECK(payload->headers[2].second == "sha256=" + notify::hmac_sha256_hex("s3cret-key", payload->body));
    CHECK(notify::webhook_payload("webhook", message, "")->headers.size() == 2);
  }
  CHECK(notify::webhook_payload("pager", message, "").error().message == "unknown webhook type 'pager'");
}

TEST_CASE("notify::build_email: MIME alternative, encoded subject, no header injection") {
  auto message = notify::compose({"incident.opened", "abcd-3", sample_incident()}, Lang::fr, "Atelier");
  auto date = std::chrono::sys_days{std::chrono::year{2026} / 11 / 30} + std::chrono::hours{8};
  auto email = notify::build_email("TMA <tma@atelier.example>", {"jeanne@acme.example"}, message, date);
  REQUIRE(email);
  CHECK(email->from == "tma@atelier.example");
  CHECK(email->recipients == std::vector<std::string>{"jeanne@acme.example"});
  auto headers = email->data.substr(0, email->data.find("\r\n\r\n") + 2);
  // The title held "\r\nBcc: evil@example.com": it stays inside the Subject line.
  CHECK(headers.find("\r\nBcc:") == std::string::npos);
  CHECK(headers.find("From: TMA <tma@atelier.example>\r\n") == 0);
  CHECK(headers.find("Subject: [critique] INC-2026-0042 ouvert: Checkout <broken>  Bcc: evil@example.com\r\n") != std::string::npos);
  CHECK(headers.find("Date: Mon, 30 Nov 2026 08:00:00 +0000\r\n") != std::string::npos);
  CHECK(headers.find("Message-ID: <abcd-3@tma.invalid>\r\n") != std::string::npos);
  CHECK(headers.find("X-Tma-Event-Id: abcd-3\r\n") != std::string::npos);
  CHECK(email->data.find("Content-Type: multipart/alternative;") != std::string::npos);
  CHECK(email->data.find("Content-Type: text/plain; charset=utf-8") < email->data.find("Content-Type: text/html"));

  SECTION("a non-ASCII subject is RFC 2047 encoded") {
    auto resolved = notify::compose({"incident.resolved", "abcd-4", sample_incident()}, Lang::fr, "Atelier");
    auto mail = notify::build_email("tma@atelier.example", {"jeanne@acme.example"}, resolved, date);
    REQUIRE(mail);
    CHECK(mail->data.find("Subject: =?UTF-8?B?") != std::string::npos);
  }
  SECTION("bad addresses are refused") {
    CHECK_FALSE(notify::build_email("no-at-sign", {"a@b.example"}, message, date));
    CHECK(notify::build_email("TMA <tma@atelier.example>\r\nBcc: x@evil.example", {"a@b.example"}, message, date)
              .error().message == "email: invalid address 'TMA <tma@atelier.example>Bcc: x@evil.example'");
    CHECK_FALSE(notify::build_email("a@b.example", {"x@y.example\r\nRCPT TO:<z@z.example>"}, message, date));
    CHECK(notify::build_email("a@b.example", {}, message, date).error().message == "email: no recipients");
  }
}

TEST_CASE("notify::route keeps preprod incidents internal, whatever their severity") {
  auto inv = inventory();
  std::vector<std::string> problems;
  auto preprod = sample_incident();
  preprod.env = "preprod";
  auto deliveries = notify::route(inv, {"incident.opened", "e-1", preprod}, problems);
  REQUIRE(deliveries.size() == 1);
  CHECK(deliveries[0].channel == "team");
  CHECK_FALSE(deliveries[0].client_facing);
}
