// `tma report` end to end: the built binary on an agency whose journal holds hours, an incident and a
// backup recorded by tma itself; the HTML parsed by html5lib, rendered by headless Chromium (phone and
// desktop screenshots, the DOM it built) and printed to PDF (read back with pdftotext).
#include <catch2/catch.hpp>

#include <ctime>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/paths.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

namespace {

using tma::test::run_program;
using tma::test::run_tma;

// The current month in Paris, the agency's zone: what the events recorded now belong to.
std::string this_month() {
  auto out = run_program({"date", "+%Y-%m"}, {.env = {{"TZ", "Europe/Paris"}}});
  return out.out.substr(0, 7);
}

struct Agency {
  tma::test::TempDir dir;
  std::string root = dir.file("agency");
  std::string inventory;
  std::map<std::string, std::optional<std::string>> env{{"TMA_ACTOR", "Tester <tester@tma.invalid>"}};

  Agency() {
    REQUIRE(run_tma({"init", root}).exit_code == 0);
    auto www = dir.file("www");
    std::filesystem::create_directories(www);
    inventory = dir.write("agency/sites.yaml", fmt::format(R"(agency:
  name: Agence Exemple
  timezone: Europe/Paris
  report: {{accent: "#0a7d4f", closing: {{fr: "Merci de votre confiance.", en: "Thank you for your trust."}}}}
clients:
  lyc:
    name: Lycée Voltaire
    lang: fr
    contract:
      model: subscription
      monthly_fee: 450
      included_hours: 3h
      overage_rate: 80
      sla: {{clock: 24x7, critical: {{respond: 1h, resolve: 4h}}}}
  bank:
    name: Banque Durand
    lang: en
    contract: {{model: hour_bank, packs: [{{date: 2026-01-01, hours: 20h, price: 1500}}], overage_rate: 90}}
sites:
  portal:
    client: lyc
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:9", transport: local, path: {www}}}
      preprod: {{url: "http://127.0.0.1:9"}}
    backup: {{method: custom, commands: {{site: [echo, hello]}}}}
  vault:
    client: bank
    cms: static
    environments: {{prod: {{url: "http://127.0.0.1:9"}}}}
)",
                                                           fmt::arg("www", www)));
    env["TMA_INVENTORY"] = inventory;
  }
  tma::test::Output tma(const std::vector<std::string>& args) const { return run_tma(args, env, root); }
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const std::string nbsp = "\u00a0";

} // namespace

TEST_CASE("tma report writes the client's month from what tma recorded, prod only", "[e2e]") {
  Agency agency;
  REQUIRE(agency.tma({"hours", "log", "--site", "portal", "2h", "mise à jour", "--category", "update"}).exit_code == 0);
  REQUIRE(agency.tma({"hours", "log", "--site", "portal", "2h30m", "assistance"}).exit_code == 0);
  REQUIRE(agency.tma({"incident", "open", "--site", "portal", "--severity", "critical", "Panne du portail"}).exit_code == 0);
  REQUIRE(agency.tma({"incident", "open", "--site", "portal", "--env", "preprod", "--severity", "critical",
                      "Préprod en panne"}).exit_code == 0);
  auto backup = agency.tma({"backup", "--site", "portal"});
  INFO(backup.out << backup.err);
  REQUIRE(backup.exit_code == 0);
  auto month = this_month();

  SECTION("json: the glance, the backups and the hours of tma hours summary") {
    auto out = agency.tma({"report", "--client", "lyc", "--month", month, "--format", "json", "--out", "-"});
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    auto doc = nlohmann::json::parse(out.out);
    CHECK(doc["schema"] == 1);
    CHECK(doc["client"]["lang"] == "fr");
    CHECK(doc["period"]["label"] == month);
    CHECK(doc["glance"]["backups"] == 1);
    CHECK(doc["glance"]["incidents"] == 1); // the preprod incident is internal
    CHECK(doc["glance"]["hours_used_seconds"] == 16200);
    REQUIRE(doc["incidents"].size() == 1);
    CHECK(doc["incidents"][0]["title"] == "Panne du portail");
    CHECK(doc["backups"][0]["taken"] == 1);
    auto summary = agency.tma({"hours", "summary", "--client", "lyc", "--month", month, "--format", "json"});
    REQUIRE(summary.exit_code == 0);
    auto hours = nlohmann::json::parse(summary.out)["clients"][0];
    for (const auto& key : {"billable", "subscription", "model", "non_billable"}) {
      INFO(key);
      CHECK(doc["hours"][key] == hours[key]);
    }
  }

  SECTION("markdown in the client's French, no English left") {
    auto out = agency.tma({"report", "--client", "lyc", "--month", month, "--format", "markdown", "--out", "-"});
    REQUIRE(out.exit_code == 0);
    CHECK(has(out.out, "# Rapport de maintenance — Lycée Voltaire"));
    CHECK(has(out.out, "4" + nbsp + "h" + nbsp + "30"));
    CHECK(has(out.out, "450,00" + nbsp + "€"));
    CHECK(has(out.out, "Panne du portail"));
    CHECK_FALSE(has(out.out, "Préprod en panne"));
    CHECK(has(out.out, "Merci de votre confiance."));
    for (const char* english : {"Nothing this period", "Updates applied", "Hours used", "Recommendations", "Thank you"}) {
      INFO(english);
      CHECK_FALSE(has(out.out, english));
    }
  }

  SECTION("html: one valid self-contained file, rendered by Chromium at phone and desktop widths, and as PDF") {
    auto out = agency.tma({"report", "--client", "lyc", "--month", month, "--lang", "en"});
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    auto path = agency.root + "/reports/lyc-" + month + ".html";
    CHECK(out.out == path + "\n");
    REQUIRE(std::filesystem::exists(path));
    auto html = tma::test::read_file(path);
    CHECK_FALSE(has(html, "src=\"http"));
    CHECK_FALSE(has(html, "href=\"http"));
    CHECK_FALSE(has(html, "<link"));
    CHECK_FALSE(has(html, "<script"));
    auto parsed = run_program({"/usr/bin/python3", "-c",
                               "import html5lib,sys; html5lib.HTMLParser(strict=True).parse(open(sys.argv[1],'rb'))", path});
    INFO(parsed.err);
    CHECK(parsed.exit_code == 0);

    tma::test::TempDir shots;
    const std::vector<std::string> chromium = {"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                               "--disable-background-networking", "--disable-component-update",
                                               "--disable-sync", "--user-data-dir=" + shots.file("profile")};
    for (const auto& [name, width] : {std::pair{"phone", 390}, std::pair{"desktop", 1280}}) {
      INFO(name);
      auto argv = chromium;
      argv.push_back(fmt::format("--window-size={},1600", width));
      argv.push_back("--screenshot=" + shots.file(std::string(name) + ".png"));
      argv.push_back("file://" + path);
      REQUIRE(run_program(argv).exit_code == 0);
      auto check = run_program({"/usr/bin/python3", std::string(TMA_SOURCE_DIR) + "/tests/support/png_check.py",
                                shots.file(std::string(name) + ".png")});
      REQUIRE(check.exit_code == 0);
      int w = 0, h = 0, colours = 0;
      REQUIRE(std::sscanf(check.out.c_str(), "%dx%d %d", &w, &h, &colours) == 3);
      CHECK(w == width);
      CHECK(colours > 20); // text, tiles and the accent colour: a blank page has one or two
    }
    auto dom_argv = chromium;
    dom_argv.push_back("--dump-dom");
    dom_argv.push_back("file://" + path);
    auto dom = run_program(dom_argv);
    REQUIRE(dom.exit_code == 0);
    CHECK(has(dom.out, "Maintenance report"));
    CHECK(has(dom.out, "Lycée Voltaire"));
    CHECK(has(dom.out, "4&nbsp;h&nbsp;30")); // the DOM serialiser writes U+00A0 as &nbsp;
    CHECK(has(dom.out, "€450.00"));

    auto pdf_path = shots.file("report.pdf");
    auto pdf = agency.tma({"report", "--client", "lyc", "--month", month, "--format", "pdf", "--out", pdf_path});
    INFO(pdf.err);
    REQUIRE(pdf.exit_code == 0);
    CHECK(tma::test::read_file(pdf_path).substr(0, 5) == "%PDF-");
    auto text = run_program({"pdftotext", pdf_path, "-"});
    REQUIRE(text.exit_code == 0);
    CHECK(has(text.out, "Rapport de maintenance"));
    CHECK(has(text.out, "Voltaire"));
    CHECK(has(text.out, "Panne du portail"));
  }

  SECTION("--all writes one report per client in its own language") {
    auto out = agency.tma({"report", "--all", "--month", month, "--format", "markdown"});
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    auto lyc = tma::test::read_file(agency.root + "/reports/lyc-" + month + ".md");
    auto bank = tma::test::read_file(agency.root + "/reports/bank-" + month + ".md");
    CHECK(has(lyc, "Rapport de maintenance"));
    CHECK(has(bank, "# Maintenance report — Banque Durand"));
    CHECK(has(bank, "Prepaid hour bank"));
    CHECK(has(bank, "20" + nbsp + "h")); // the pack's balance carried in
  }
}

TEST_CASE("tma report refuses what it cannot do, with the reason", "[e2e]") {
  Agency agency;
  auto unknown = agency.tma({"report", "--client", "lyk"});
  CHECK(unknown.exit_code == 64);
  CHECK(has(unknown.err, "lyc"));
  auto nobody = agency.tma({"report"});
  CHECK(nobody.exit_code == 64);
  CHECK(has(nobody.err, "--client"));
  auto quarter = agency.tma({"report", "--client", "lyc", "--quarter", "2026-Q5"});
  CHECK(quarter.exit_code == 64);
  CHECK(has(quarter.err, "YYYY-Qn"));
  auto two_out = agency.tma({"report", "--all", "--out", "x.html"});
  CHECK(two_out.exit_code == 64);
  // No Chromium on PATH: the package to install is named, nothing is written.
  tma::test::TempDir empty;
  auto env = agency.env;
  env["PATH"] = empty.path().string();
  auto pdf = run_tma({"report", "--client", "lyc", "--format", "pdf", "--out", empty.file("r.pdf")}, env, agency.root);
  CHECK(pdf.exit_code == 78);
  CHECK(has(pdf.err, "apt install chromium"));
  CHECK_FALSE(std::filesystem::exists(empty.file("r.pdf")));
}
