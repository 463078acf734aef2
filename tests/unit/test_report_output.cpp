#include <catch2/catch.hpp>

#include <tma/report/output.hpp>
#include <tma/report/sites.hpp>

#include "support/temp_dir.hpp"

using namespace tma::report;

TEST_CASE("Table aligns columns by display width and colours only on request", "[unit][report]") {
  Table table({"SITE", "CLIENT"});
  table.add_row({"café-www", Cell("acme", Style::bad)});
  table.add_row({"b", "c"});
  CHECK(table.render(false) == "SITE      CLIENT\ncafé-www  acme\nb         c\n");
  auto coloured = table.render(true);
  CHECK(coloured.find("\033[1;31macme\033[0m") != std::string::npos);
  CHECK(coloured.find("\033[1mSITE\033[0m") != std::string::npos);
}

TEST_CASE("Table aligns wide and combining characters by the columns they take", "[unit][report]") {
  Table table({"NAME", "CLIENT"});
  table.add_row({"日本語", "a"});        // three characters, six columns
  table.add_row({"cafe\u0301", "b"});    // e + combining acute: four columns
  table.add_row({"plain", "c"});
  CHECK(table.render(false) == "NAME    CLIENT\n日本語  a\ncafe\u0301    b\nplain   c\n");
}

TEST_CASE("NO_COLOR and --no-color turn colour off", "[unit][report]") {
  tma::test::EnvGuard guard("NO_COLOR", "1");
  CHECK_FALSE(stdout_colour(Colour::automatic));
  CHECK_FALSE(stdout_colour(Colour::never));
}

TEST_CASE("the JSON envelope", "[unit][report]") {
  auto doc = envelope(3, {{"sites", nlohmann::json::array()}});
  CHECK(doc["schema"] == 3);
  CHECK(doc["tma_version"].is_string());
  auto at = doc["generated_at"].get<std::string>();
  CHECK(at.size() == 20);
  CHECK(at.back() == 'Z');
  CHECK(doc["sites"].is_array());
}

TEST_CASE("report::Table::csv: header then rows, cells as the table shows them", "[unit][report]") {
  tma::report::Table table({"SITE", "NOTE"});
  table.add_row({tma::report::Cell("www", tma::report::Style::good), "a, \"b\""});
  table.add_row({"blog", "line1\nline2"}); // a table cell is one line: the newline is escaped first
  CHECK(table.csv() == "SITE,NOTE\nwww,\"a, \"\"b\"\"\"\nblog,line1\\nline2\n");
}

TEST_CASE("describe_transport", "[unit][report]") {
  tma::inventory::Environment env;
  CHECK(describe_transport(env) == "http only");
  env.local = true;
  CHECK(describe_transport(env) == "local");
  env.local = false;
  env.ssh = tma::inventory::SshTarget{};
  env.ssh->host = "::1";
  env.ssh->port = 2222;
  CHECK(describe_transport(env) == "[::1]:2222");
  env.ssh->user = "deploy";
  env.ssh->host = "web1";
  CHECK(describe_transport(env) == "deploy@web1:2222");
  env.ssh->port.reset(); // left to ~/.ssh/config: no port shown
  CHECK(describe_transport(env) == "deploy@web1");
}

TEST_CASE("report::field_name: lower case with underscores and no parenthesised note", "[unit][report]") {
  CHECK(field_name("SITE") == "site");
  CHECK(field_name("FIXED IN") == "fixed_in");
  CHECK(field_name("OPENED (UTC)") == "opened");
  CHECK(field_name("time (UTC)") == "time");
  CHECK(field_name("SLA RESPOND") == "sla_respond");
}

TEST_CASE("report::Table::select keeps the named columns in the given order", "[unit][report]") {
  Table table({"SITE", "ENV", "FIXED IN"});
  table.add_row({Cell("www", Style::bold), "prod", "5.3"});
  table.add_row({"blog", "preprod", ""});
  CHECK(table.fields() == std::vector<std::string>{"site", "env", "fixed_in"});
  auto picked = table.select({"fixed_in", "site"});
  REQUIRE(picked);
  CHECK(picked->csv() == "FIXED IN,SITE\n5.3,www\n,blog\n");
  CHECK(picked->render(false) == "FIXED IN  SITE\n5.3       www\n          blog\n");
  CHECK(picked->render(true).find("\033[1mwww\033[0m") != std::string::npos); // styles travel with the cells
}

TEST_CASE("report::Table::select refuses unknown empty and repeated names", "[unit][report]") {
  Table table({"SITE", "ENV", "STATUS"});
  auto typo = table.select({"site", "stauts"});
  REQUIRE_FALSE(typo);
  CHECK(typo.error().kind == tma::core::ErrorKind::usage);
  CHECK(typo.error().message == "--fields: unknown field 'stauts' (did you mean 'status'?); the fields are site, env, status");
  auto far = table.select({"colour"});
  REQUIRE_FALSE(far);
  CHECK(far.error().message == "--fields: unknown field 'colour'; the fields are site, env, status");
  CHECK_FALSE(table.select({}));
  auto empty = table.select({"site", ""});
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message == "--fields: an empty field name; the fields are site, env, status");
  auto twice = table.select({"site", "site"});
  REQUIRE_FALSE(twice);
  CHECK(twice.error().message == "--fields: 'site' is given twice");
}
