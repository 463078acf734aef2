// An environment's own `database` (the plain dump of that environment) and the warning for two
// environments whose plain dumps reach one database.
#include <catch2/catch.hpp>

#include <tma/backup/methods.hpp>
#include <tma/inventory/load.hpp>

#include "support/inventory_text.hpp"

using namespace tma::inventory;

namespace {

// A static site with prod and preprod over ssh; `backup` and the two environments' extra keys vary.
std::string inventory(const std::string& backup, const std::string& prod_extra, const std::string& preprod_extra,
                      const std::string& preprod_ssh = "deploy@web1:2222") {
  return R"(clients:
  acme:
    contract: {model: on_demand, rate: 90}
sites:
  shop:
    client: acme
    cms: static
    backup: )" + backup + R"(
    environments:
      prod: {url: "https://shop.example", ssh: "deploy@web1:2222", path: /srv/shop)" + prod_extra + R"(}
      preprod: {url: "https://pre.shop.example", ssh: ")" + preprod_ssh + R"(", path: /srv/pre)" + preprod_extra + R"(}
)";
}

std::vector<std::string> warnings_of(const std::string& text) {
  auto loaded = tma::test::load_text(text);
  REQUIRE(loaded);
  std::vector<std::string> out;
  for (const auto& w : loaded->warnings) out.push_back(w.str());
  return out;
}

const std::string k_site_map = "{paths: [], database: {user: shop, name: shop}}";

} // namespace

TEST_CASE("an environment's own database replaces the site's backup.database map for it", "[unit][inventory]") {
  auto loaded = tma::test::load_text(
      inventory(k_site_map, "", ", database: {tool: mariadb-dump, host: db.internal, port: 3307, user: pre, password: x, name: shop_pre}"));
  REQUIRE(loaded);
  const auto& site = *loaded->inventory.site("shop");
  const auto* prod = site.plain_dump(*site.env("prod"));
  const auto* preprod = site.plain_dump(*site.env("preprod"));
  REQUIRE(prod);
  REQUIRE(preprod);
  CHECK(prod->name == "shop"); // the site's map
  CHECK(prod->tool == "mysqldump");
  CHECK(preprod->name == "shop_pre");
  CHECK(preprod->tool == "mariadb-dump");
  CHECK(preprod->host == "db.internal");
  CHECK(preprod->port == 3307);
  CHECK(preprod->user == "pre");
  CHECK(loaded->warnings.size() == 0);
}

TEST_CASE("a plain dump's password_command that fails names the map it belongs to", "[unit][inventory]") {
  auto loaded = tma::test::load_text(inventory("{paths: [], database: {user: shop, password_command: [false], name: shop}}", "",
                                               ", database: {user: pre, password_command: [false], name: shop_pre}"));
  REQUIRE(loaded);
  const auto& site = *loaded->inventory.site("shop");
  for (const auto& [env_name, key] : std::vector<std::pair<std::string, std::string>>{
           {"prod", ": backup.database.password_command: "}, {"preprod", ": environments.preprod.database.password_command: "}}) {
    INFO(env_name);
    const auto& env = *site.env(env_name);
    auto password = tma::backup::plain_dump_password(env, *site.plain_dump(env));
    REQUIRE_FALSE(password);
    CHECK(password.error().message.find(key) != std::string::npos);
  }
}

TEST_CASE("an environment's database without a site map: that environment only; the CMS tool for the others",
          "[unit][inventory]") {
  auto loaded = tma::test::load_text(inventory("{paths: []}", ", database: {user: shop, name: shop}", ""));
  REQUIRE(loaded);
  const auto& site = *loaded->inventory.site("shop");
  REQUIRE(site.plain_dump(*site.env("prod")));
  CHECK(site.plain_dump(*site.env("prod"))->name == "shop");
  CHECK(site.plain_dump(*site.env("preprod")) == nullptr);
}

TEST_CASE("an environment's database: its mistakes name file, line, column and key", "[unit][inventory]") {
  auto missing = tma::test::inventory_errors(inventory(k_site_map, "", ", database: {user: pre}"));
  REQUIRE(missing.size() == 1);
  CHECK(missing[0] == "sites.yaml:11:101: sites.shop.environments.preprod.database.name: required key is missing");
  auto unknown = tma::test::inventory_errors(inventory(k_site_map, ", database: {user: a, name: b, nmae: c}", ""));
  REQUIRE(unknown.size() == 1);
  CHECK(unknown[0].rfind("sites.yaml:10:", 0) == 0);
  CHECK(unknown[0].find("sites.shop.environments.prod.database.nmae: unknown key") != std::string::npos);
  auto not_a_map = tma::test::inventory_errors(inventory(k_site_map, ", database: true", ""));
  REQUIRE(not_a_map.size() == 1);
  CHECK(not_a_map[0].find("sites.shop.environments.prod.database: ") != std::string::npos);
}

TEST_CASE("an environment's database needs the environment's ssh or transport: local", "[unit][inventory]") {
  auto text = tma::test::k_minimal_inventory + "      preprod: {url: \"https://pre.example\", database: {user: a, name: b}}\n";
  auto errors = tma::test::inventory_errors(text);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "sites.yaml:10:55: sites.www.environments.preprod.database: the database is dumped and restored "
                     "over the environment's ssh or transport: local, and it has neither");
}

TEST_CASE("two environments whose plain dumps reach one database get a warning", "[unit][inventory]") {
  const std::string shared =
      "sites.yaml:11:7: sites.shop.environments.preprod: environments 'prod' and 'preprod' dump the same database "
      "'shop': a restore into 'preprod' overwrites the data of 'prod'; give each environment its own 'database'";
  SECTION("one site map, both environments on one server: the same database") {
    CHECK(warnings_of(inventory(k_site_map, "", "")) == std::vector<std::string>{shared});
  }
  SECTION("localhost, 127.0.0.1 and no host are all the server's own database, port 3306 its default") {
    CHECK(warnings_of(inventory("{paths: []}", ", database: {host: localhost, user: a, name: shop}",
                                ", database: {host: 127.0.0.1, port: 3306, user: b, name: shop}")) ==
          std::vector<std::string>{shared});
  }
  SECTION("one network database host: the same database from any server") {
    CHECK(warnings_of(inventory("{paths: [], database: {host: DB.internal, user: shop, name: shop}}", "", "",
                                "deploy@web2")) ==
          std::vector<std::string>{shared});
  }
  SECTION("one site map but each environment on its own server: two databases") {
    CHECK(warnings_of(inventory(k_site_map, "", "", "deploy@web2")).empty());
    CHECK(warnings_of(inventory(k_site_map, "", "", "deploy@web1:2200")).empty());
  }
  SECTION("each environment its own database: no warning") {
    CHECK(warnings_of(inventory(k_site_map, "", ", database: {user: shop, name: shop_pre}")).empty());
    CHECK(warnings_of(inventory(k_site_map, "", ", database: {host: 127.0.0.1, port: 3307, user: shop, name: shop}"))
              .empty());
  }
  SECTION("the CMS's own tool reads each environment's settings: no warning") {
    CHECK(warnings_of(inventory("{paths: []}", "", "")).empty());
  }
}

TEST_CASE("a plain dump's database name and host are checked against their shapes", "[unit][inventory]") {
  for (const std::string& name : std::vector<std::string>{"-e", "shop;drop", "shop name", "\"$(id)\"", std::string(65, 'a')}) {
    INFO(name);
    auto errors = tma::test::inventory_errors(inventory("{paths: [], database: {user: u, name: '" + name + "'}}", "", ""));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].find("sites.shop.backup.database.name: '") != std::string::npos);
    CHECK(errors[0].find("is not a database name") != std::string::npos);
  }
  CHECK(tma::test::inventory_errors(inventory("{paths: []}", ", database: {user: u, name: wp_shop-2$}", "")).empty());
  auto host = tma::test::inventory_errors(inventory("{paths: []}", ", database: {host: 'db host', user: u, name: shop}", ""));
  REQUIRE(host.size() == 1);
  CHECK(host[0].find("sites.shop.environments.prod.database.host: 'db host' is not a host name or address") !=
        std::string::npos);
  auto bracketed = tma::test::inventory_errors(inventory("{paths: []}", ", database: {host: '[::1]', user: u, name: shop}", ""));
  REQUIRE(bracketed.size() == 1);
  CHECK(bracketed[0].find("sites.shop.environments.prod.database.host: '[::1]': write an IPv6 address without brackets") !=
        std::string::npos);
  CHECK(tma::test::inventory_errors(inventory("{paths: []}", ", database: {host: '::1', user: u, name: shop}", "")).empty());
}
