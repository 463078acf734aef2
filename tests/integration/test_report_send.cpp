// `tma report --send` against the lab's real SMTP server: the report goes to the client's contacts
// once per client and period (HTML body, text body, the file attached), `--resend` sends it again,
// and a relay that is down leaves it pending for `tma notify flush`.
#include <catch2/catch.hpp>

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "support/lab_smtp.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

namespace {

using tma::test::run_tma;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The decoded bodies of the base64 MIME parts of `data`, in order.
std::vector<std::string> base64_parts(const std::string& data) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while ((pos = data.find("Content-Transfer-Encoding: base64\r\n\r\n", pos)) != std::string::npos) {
    pos += 37;
    auto end = data.find("--", pos);
    std::string clean;
    for (char c : data.substr(pos, end - pos)) {
      if (c != '\r' && c != '\n') clean += c;
    }
    std::string out(clean.size(), '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
    out.resize(static_cast<std::size_t>(n) - static_cast<std::size_t>(std::count(clean.end() - 2, clean.end(), '=')));
    parts.push_back(out);
    pos = end;
  }
  return parts;
}

std::string inventory_for(const std::string& smtp_url) {
  return fmt::format(R"(agency: {{name: Agence Exemple, timezone: Europe/Paris}}
notify:
  channels:
    mail: {{type: email, smtp: "{}", from: "Agence <tma@agence.example>", tls: false}}
clients:
  lyc:
    name: Lycée Voltaire
    lang: fr
    contacts: [{{name: Jeanne, email: jeanne@lycee.example}}, {{name: Paul, email: paul@lycee.example}}]
    contract: {{model: subscription, monthly_fee: 450, included_hours: 3h, overage_rate: 80}}
sites:
  portal:
    client: lyc
    cms: static
    environments: {{prod: {{url: "http://127.0.0.1:9"}}}}
)",
                     smtp_url);
}

} // namespace

TEST_CASE("tma report --send mails the report once per client and period, at least once", "[integration]") {
  tma::test::LabSmtp smtp(std::nullopt, std::nullopt);
  tma::test::TempDir dir;
  auto root = dir.file("agency");
  REQUIRE(run_tma({"init", root}).exit_code == 0);
  auto inventory = dir.write("agency/sites.yaml", inventory_for(smtp.url()));
  std::map<std::string, std::optional<std::string>> env{{"TMA_ACTOR", "Tester <t@tma.invalid>"},
                                                        {"TMA_INVENTORY", inventory}};
  REQUIRE(run_tma({"hours", "log", "--site", "portal", "1h30m", "mise à jour"}, env, root).exit_code == 0);
  auto month = tma::test::run_program({"date", "+%Y-%m"}, {.env = {{"TZ", "Europe/Paris"}}}).out.substr(0, 7);

  auto first = run_tma({"report", "--client", "lyc", "--month", month, "--send"}, env, root);
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(has(first.out, "sent to jeanne@lycee.example, paul@lycee.example"));
  auto messages = smtp.messages();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["rcpt"] == nlohmann::json::array({"jeanne@lycee.example", "paul@lycee.example"}));
  auto data = messages[0]["data"].get<std::string>();
  CHECK(has(data, "Content-Type: multipart/mixed"));
  CHECK(has(data, fmt::format("Content-Disposition: attachment; filename=\"lyc-{}.html\"", month)));
  auto parts = base64_parts(data);
  REQUIRE(parts.size() == 3); // text, HTML, the attached file
  CHECK(has(parts[0], "# Rapport de maintenance — Lycée Voltaire"));
  CHECK(has(parts[1], "<!DOCTYPE html>"));
  CHECK(parts[2] == tma::test::read_file(root + "/reports/lyc-" + month + ".html"));
  CHECK(has(parts[1], "1\u00a0h\u00a030"));

  auto again = run_tma({"report", "--client", "lyc", "--month", month, "--send"}, env, root);
  CHECK(again.exit_code == 0);
  CHECK(has(again.out, "already sent on"));
  CHECK(smtp.messages().size() == 1);

  auto resend = run_tma({"report", "--client", "lyc", "--month", month, "--send", "--resend"}, env, root);
  CHECK(resend.exit_code == 0);
  CHECK(smtp.messages().size() == 2);
}

TEST_CASE("tma report --send with the relay down leaves the report pending for tma notify flush", "[integration]") {
  tma::test::TempDir dir;
  auto root = dir.file("agency");
  REQUIRE(run_tma({"init", root}).exit_code == 0);
  // Port 9 on loopback: nothing listens, the relay is down.
  auto inventory = dir.write("agency/sites.yaml", inventory_for("smtp://127.0.0.1:9"));
  std::map<std::string, std::optional<std::string>> env{{"TMA_ACTOR", "Tester <t@tma.invalid>"},
                                                        {"TMA_INVENTORY", inventory}};
  auto down = run_tma({"report", "--client", "lyc", "--send"}, env, root);
  CHECK(down.exit_code == 2);
  CHECK(has(down.err, "not delivered yet"));
  // Queued once: a second --send does not queue it again, the flush sends it.
  auto again = run_tma({"report", "--client", "lyc", "--send"}, env, root);
  CHECK(has(again.out, "already sent on"));
  tma::test::LabSmtp smtp(std::nullopt, std::nullopt);
  dir.write("agency/sites.yaml", inventory_for(smtp.url()));
  auto flush = run_tma({"notify", "flush"}, env, root);
  INFO(flush.out << flush.err);
  CHECK(flush.exit_code == 0);
  REQUIRE(smtp.messages().size() == 1);
  CHECK(has(smtp.messages()[0]["data"].get<std::string>(), "multipart/mixed"));
}
