#include <catch2/catch.hpp>

#include <tma/inventory/load.hpp>
#include <tma/inventory/select.hpp>
#include "support/paths.hpp"

using namespace tma::inventory;

namespace {

const Inventory& example() {
  static const auto loaded = load_inventory(std::string(TMA_FIXTURES) + "/inventories/example.yaml",
                                            [](const std::string&) { return std::optional<std::string>(); });
  return loaded->inventory;
}

std::vector<std::string> names(const Selection& selection, EmptySelection empty = EmptySelection::error) {
  auto sites = select_sites(example(), selection, empty);
  if (!sites) return {"error: " + sites.error().message};
  std::vector<std::string> out;
  for (const auto* s : *sites) out.push_back(s->name);
  return out;
}

} // namespace

TEST_CASE("selection by site, glob, client, tag and all", "[unit][inventory]") {
  CHECK(names({.sites = {"acme-www"}}) == std::vector<std::string>{"acme-www"});
  CHECK(names({.sites = {"acme-*"}}) == std::vector<std::string>{"acme-blog", "acme-www"});
  CHECK(names({.sites = {"lyceum-docs", "acme-www"}}) == std::vector<std::string>{"acme-www", "lyceum-docs"});
  CHECK(names({.clients = {"lyceum"}}) == std::vector<std::string>{"lyceum-docs", "lyceum-portal"});
  CHECK(names({.tags = {"woocommerce"}}) == std::vector<std::string>{"acme-www"});
  CHECK(names({.all = true}).size() == 5);
  CHECK(names({}, EmptySelection::all_sites).size() == 5);
  // Kinds combine with AND.
  CHECK(names({.sites = {"acme-*"}, .tags = {"blog"}}) == std::vector<std::string>{"acme-blog"});
}

TEST_CASE("selection errors suggest names", "[unit][inventory]") {
  CHECK(names({}) == std::vector<std::string>{
                         "error: no sites selected: give --site NAME, --client NAME, --tag TAG or --all"});
  CHECK(names({.sites = {"acme-ww"}}) == std::vector<std::string>{"error: unknown site 'acme-ww' (did you mean 'acme-www'?)"});
  CHECK(names({.sites = {"zz*"}}) == std::vector<std::string>{"error: no site matches 'zz*'"});
  CHECK(names({.clients = {"bistr"}}) == std::vector<std::string>{"error: unknown client 'bistr' (did you mean 'bistro'?)"});
  CHECK(names({.tags = {"blgo"}}) == std::vector<std::string>{"error: unknown tag 'blgo' (did you mean 'blog'?)"});
  CHECK(names({.clients = {"bistro"}, .tags = {"blog"}}) ==
        std::vector<std::string>{"error: the selection matches no site (filters combine with AND)"});
}

TEST_CASE("selection by --env narrows the targets", "[unit][inventory]") {
  auto sites = select_sites(example(), {.all = true}, EmptySelection::error);
  REQUIRE(sites);
  auto all = select_targets(*sites, {});
  REQUIRE(all);
  CHECK(all->size() == 7);
  Selection preprod{.env = "preprod"};
  auto pre = select_targets(*sites, preprod);
  REQUIRE(pre);
  REQUIRE(pre->size() == 2);
  CHECK((*pre)[0].site->name == "acme-www");
  CHECK((*pre)[0].env->name == "preprod");
  auto typo = select_targets(*sites, Selection{.env = "prood"});
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message == "unknown environment 'prood' (did you mean 'prod'?) for the selected sites");
}
