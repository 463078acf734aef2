// `tma visual snapshot|compare` through the built binary: a lab site served from a temp dir by the
// lab's HTTP server (changed on disk between runs), real headless Chromium, and a site whose server
// is down. Checks the exit codes and the JSON of docs/visual.md, field by field.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;

namespace {

const char* const k_style = R"(body { margin: 0; font: 16px/1.5 sans-serif; color: #222; background: #fff; }
header { background: #234; color: #fff; padding: 12px 24px; }
main { margin: 24px 220px; min-height: 600px; }
#sidebar { position: absolute; top: 120px; right: 20px; width: 160px; height: 160px; background: #c33; color: #fff; }
)";

std::string page(const std::string& title) {
  return fmt::format(R"(<!DOCTYPE html><html><head><title>{0}</title><link rel="stylesheet" href="/style.css"></head><body>
<header><strong>Bakery of the Mill</strong> Home Menu Contact</header>
<main><article><h1>{0}</h1>
<p>Our bakery opens at seven every morning and closes when the last loaf of sourdough is sold.</p>
<p>We bake rye, spelt and wheat breads with flour from the mill down the river, and pastries on Sundays.</p>
<p>Orders for weddings and birthdays are taken at the counter or by telephone one week ahead.</p>
</article></main>
<aside id="sidebar">Opening hours</aside>
</body></html>
)",
                     title);
}

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> keys;
  for (const auto& item : object.items()) keys.insert(item.key());
  return keys;
}

const json& home_of(const json& site) {
  const auto& pages = site.at("pages");
  auto it = std::find_if(pages.begin(), pages.end(), [](const json& p) { return p.at("path") == "/"; });
  REQUIRE(it != pages.end());
  return *it;
}

// The path of the comparison's page in a table: the cell ending in `index.html`.
std::string report_in_table(const std::string& table) {
  auto end = table.find("/index.html");
  if (end == std::string::npos) return {};
  end += std::string("/index.html").size();
  auto start = table.rfind(' ', end);
  return start == std::string::npos ? std::string() : table.substr(start + 1, end - start - 1);
}

} // namespace

TEST_CASE("tma visual snapshot and compare through the binary: exit codes and the JSON of docs/visual.md",
          "[e2e][integration][visual]") {
  tma::test::TempDir dir;
  const auto root = dir.path() / "site";
  tma::test::LabHttp http(json{{"*", {{"root", root.string()}}}});
  const std::string base = "http://127.0.0.1:" + std::to_string(http.port());
  dir.write("site/style.css", k_style);
  dir.write("site/index.html", page("Welcome"));
  std::string urls;
  for (int i = 1; i <= 4; ++i) {
    dir.write(fmt::format("site/post-{}/index.html", i), page(fmt::format("Post {}", i)));
    urls += fmt::format("<url><loc>{}/post-{}/</loc></url>", base, i);
  }
  dir.write("site/sitemap.xml", R"(<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)" +
                                    urls + "</urlset>");
  // Nothing listens on `down`'s port: its sitemap cannot be fetched. `down-unsampled` reads no sitemap:
  // its captures fail, each unreachable.
  const auto inventory = dir.write("agency/sites.yaml", fmt::format(R"(version: 1
clients:
  lab: {{contract: {{model: on_demand, rate: 90}}}}
sites:
  bakery:
    client: lab
    cms: static
    environments:
      prod: {{url: "{0}"}}
    visual: {{widths: [800], sample: 2}}
  down:
    client: lab
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:{1}"}}
    visual: {{widths: [800]}}
  down-unsampled:
    client: lab
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:{1}"}}
    visual: {{widths: [800], sample: 0}}
)",
                                                                   base, tma::test::free_port()));
  const std::map<std::string, std::optional<std::string>> env{
      {"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}, {"HTTPS_PROXY", std::nullopt},
      {"ALL_PROXY", std::nullopt},  {"all_proxy", std::nullopt},   {"TMA_INVENTORY", std::nullopt},
      {"XDG_CACHE_HOME", dir.file("cache")}, {"TMPDIR", dir.path().string()}};
  auto tma = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-i", inventory, "visual"});
    return tma::test::run_tma(args, env, dir.path().string());
  };
  auto json_of = [](const tma::test::Output& out) {
    INFO(out.out << out.err);
    auto doc = json::parse(out.out);
    REQUIRE(doc.at("schema") == 1);
    REQUIRE(doc.at("sites").size() == 1);
    return doc;
  };

  // The first snapshot: `/` and a sample of two posts, at one width.
  auto snapshot = tma({"snapshot", "--site", "bakery", "--format", "json"});
  INFO(snapshot.out << snapshot.err);
  REQUIRE(snapshot.exit_code == 0);
  auto taken = json_of(snapshot);
  CHECK(taken.at("command") == "snapshot");
  const auto& taken_site = taken.at("sites")[0];
  CHECK(keys_of(taken_site) == std::set<std::string>{"site", "env", "status", "error", "snapshot", "notes", "pages"});
  CHECK(taken_site.at("site") == "bakery");
  CHECK(taken_site.at("env") == "prod"); // --env defaults to prod
  CHECK(taken_site.at("status") == "ok");
  CHECK(taken_site.at("error").is_null());
  const std::string reference = taken_site.at("snapshot").get<std::string>();
  CHECK(reference.size() >= 16);
  REQUIRE(taken_site.at("pages").size() == 3);
  for (const auto& p : taken_site.at("pages")) {
    CHECK(keys_of(p) == std::set<std::string>{"url", "path", "width", "mobile", "image", "http_status", "network_idle", "error"});
    CHECK(p.at("url") == base + p.at("path").get<std::string>());
    CHECK(p.at("width") == 800);
    CHECK(p.at("mobile") == false);
    CHECK(p.at("http_status") == 200);
    CHECK(p.at("error").is_null());
    CHECK(std::filesystem::is_regular_file(dir.path() / "agency" / "visual" / "bakery" / "prod" / reference /
                                           p.at("image").get<std::string>()));
  }

  SECTION("an unchanged site compares the same and exits 0") {
    auto compare = tma({"compare", "--site", "bakery", "--format", "json"});
    INFO(compare.out << compare.err);
    CHECK(compare.exit_code == 0);
    auto doc = json_of(compare);
    CHECK(doc.at("command") == "compare");
    const auto& site = doc.at("sites")[0];
    CHECK(keys_of(site) ==
          std::set<std::string>{"site", "env", "status", "error", "snapshot", "against", "report", "notes", "pages"});
    CHECK(site.at("status") == "ok");
    CHECK(site.at("error").is_null());
    CHECK(site.at("against") == reference);
    CHECK(site.at("snapshot") != reference);
    CHECK(std::filesystem::is_regular_file(site.at("report").get<std::string>()));
    REQUIRE(site.at("pages").size() == 3);
    for (const auto& p : site.at("pages")) {
      CHECK(keys_of(p) == std::set<std::string>{"url", "path", "width", "mobile", "verdict", "changed_share", "reasons",
                                                "text_added", "text_removed", "report", "error"});
      CHECK(p.at("verdict") == "same");
      CHECK(p.at("changed_share").is_number());
      CHECK(p.at("changed_share").get<double>() < 0.01);
      CHECK(p.at("reasons").is_array());
      CHECK(p.at("text_added").empty());
      CHECK(p.at("text_removed").empty());
      CHECK(p.at("report") == site.at("report"));
      CHECK(p.at("error").is_null());
    }
  }

  SECTION("a moved sidebar is changed: exit 0 by default and 1 with --fail-on changed") {
    dir.write("site/style.css", std::string(k_style) + "#sidebar { right: auto; left: 20px; }\n");
    auto compare = tma({"compare", "--site", "bakery", "--format", "json"});
    INFO(compare.out << compare.err);
    CHECK(compare.exit_code == 0);
    const auto doc = json_of(compare);
    const auto& home = home_of(doc.at("sites")[0]);
    CHECK(home.at("verdict") == "changed");
    CHECK(home.at("changed_share").get<double>() >= 0.01);
    CHECK(home.at("changed_share").get<double>() < 0.15);

    auto strict = tma({"compare", "--site", "bakery", "--fail-on", "changed", "--against", reference, "--format", "json"});
    INFO(strict.out << strict.err);
    CHECK(strict.exit_code == 1);
    const auto strict_doc = json_of(strict);
    const auto& site = strict_doc.at("sites")[0];
    CHECK(site.at("against") == reference);
    CHECK(home_of(site).at("verdict") == "changed");
  }

  SECTION("content hidden by CSS is broken: exit 1 and the report on disk in JSON and in the table") {
    dir.write("site/style.css", std::string(k_style) + "main article { display: none; }\n");
    auto compare = tma({"compare", "--site", "bakery", "--format", "json"});
    INFO(compare.out << compare.err);
    CHECK(compare.exit_code == 1);
    const auto doc = json_of(compare);
    const auto& site = doc.at("sites")[0];
    CHECK(site.at("status") == "ok");
    const auto& home = home_of(site);
    CHECK(home.at("verdict") == "broken");
    const auto& reasons = home.at("reasons");
    CHECK(std::find(reasons.begin(), reasons.end(), "main content gone") != reasons.end());
    CHECK(home.at("text_removed").size() >= 3);
    CHECK(std::filesystem::is_regular_file(home.at("report").get<std::string>()));

    auto table = tma({"compare", "--site", "bakery", "--against", reference});
    INFO(table.out << table.err);
    CHECK(table.exit_code == 1);
    CHECK(table.out.find("broken") != std::string::npos);
    auto report = report_in_table(table.out);
    CHECK(report.find("/visual/bakery/prod/comparisons/") != std::string::npos);
    CHECK(std::filesystem::is_regular_file(report));
  }

  SECTION("--against an unknown snapshot fails the site with exit 2 and a malformed id is a usage error") {
    auto unknown = tma({"compare", "--site", "bakery", "--against", "20200101T000000Z", "--format", "json"});
    INFO(unknown.out << unknown.err);
    CHECK(unknown.exit_code == 2);
    const auto doc = json_of(unknown);
    const auto& site = doc.at("sites")[0];
    CHECK(site.at("status") == "failed");
    // The per-site error of every command (docs/cli.md): {kind, message}.
    CHECK(site.at("error").at("kind").is_string());
    CHECK(site.at("error").at("message").get<std::string>().find("20200101T000000Z") != std::string::npos);
    CHECK(site.at("snapshot").is_null()); // refused before anything was captured
    CHECK(unknown.err.find("20200101T000000Z") != std::string::npos);

    auto malformed = tma({"compare", "--site", "bakery", "--against", "yesterday"});
    INFO(malformed.err);
    CHECK(malformed.exit_code == 64);
    CHECK(malformed.err.find("--against: 'yesterday' is neither latest nor a snapshot id") != std::string::npos);
  }

  SECTION("a site whose server is down is unreachable: exit 4") {
    for (const char* command : {"snapshot", "compare"}) {
      auto down = tma({command, "--site", "down", "--format", "json"});
      INFO(command << down.out << down.err);
      CHECK(down.exit_code == 4);
      const auto doc = json_of(down);
      const auto& site = doc.at("sites")[0];
      CHECK(site.at("status") == "unreachable");
      CHECK(site.at("error").at("kind") == "unreachable");
      CHECK(down.err.find("down") != std::string::npos);
    }
    auto unsampled = tma({"snapshot", "--site", "down-unsampled", "--format", "json"});
    INFO(unsampled.out << unsampled.err);
    CHECK(unsampled.exit_code == 4);
    const auto doc = json_of(unsampled);
    const auto& site = doc.at("sites")[0];
    CHECK(site.at("status") == "unreachable");
    CHECK(site.at("error").at("message").get<std::string>().find("ERR_CONNECTION_REFUSED") != std::string::npos);
    CHECK(site.at("error").at("kind") == "unreachable");
    CHECK(site.at("snapshot").is_null());
  }
}
