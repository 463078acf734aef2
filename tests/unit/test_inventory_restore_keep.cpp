// backup.restore_keep (issue 16, item 11): what a restore keeps of the archive's metadata.
#include <catch2/catch.hpp>

#include <tma/inventory/load.hpp>

using namespace tma::inventory;

namespace {

const char* k_inventory = R"(clients:
  acme:
    contract: {model: on_demand, rate: 90}
defaults:
  backup: {restore_keep: [owner]}
sites:
  www:
    client: acme
    cms: wordpress
    environments:
      prod: {url: "https://acme.example", ssh: "deploy@web1:2222", path: /srv/www}
)";

auto load(const std::string& text) {
  return load_inventory_text(text, "sites.yaml", [](const std::string&) -> std::optional<std::string> { return {}; });
}

} // namespace

TEST_CASE("backup.restore_keep: nothing kept by default; special_bits and owner on request", "[unit][inventory]") {
  std::string plain = k_inventory;
  plain.replace(plain.find("defaults:"), plain.find("sites:") - plain.find("defaults:"), "");
  auto none = load(plain);
  REQUIRE(none);
  CHECK_FALSE(none->inventory.site("www")->backup.restore_keep_special_bits);
  CHECK_FALSE(none->inventory.site("www")->backup.restore_keep_owner);

  auto defaults = load(k_inventory);
  REQUIRE(defaults);
  CHECK_FALSE(defaults->inventory.site("www")->backup.restore_keep_special_bits);
  CHECK(defaults->inventory.site("www")->backup.restore_keep_owner);

  // A site's list replaces the defaults' one as a whole.
  auto site = load(std::string(k_inventory) + "    backup: {restore_keep: [special_bits]}\n");
  REQUIRE(site);
  CHECK(site->inventory.site("www")->backup.restore_keep_special_bits);
  CHECK_FALSE(site->inventory.site("www")->backup.restore_keep_owner);
}

TEST_CASE("backup.restore_keep: anything but a list of special_bits and owner is refused with its place", "[unit][inventory]") {
  auto errors = [](const std::string& value) {
    auto result = load(std::string(k_inventory) + "    backup: {restore_keep: " + value + "}\n");
    std::vector<std::string> out;
    if (!result) {
      for (const auto& d : result.error()) out.push_back(d.str());
    }
    return out;
  };
  auto typo = errors("[owner, setuid]");
  REQUIRE(typo.size() == 1);
  CHECK(typo[0].find("sites.yaml:12:") != std::string::npos);
  CHECK(typo[0].find("sites.www.backup.restore_keep[1]") != std::string::npos);
  CHECK(typo[0].find("setuid") != std::string::npos);
  auto scalar = errors("owner");
  REQUIRE(scalar.size() == 1);
  CHECK(scalar[0].find("sites.www.backup.restore_keep") != std::string::npos);
}
