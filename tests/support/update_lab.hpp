#pragma once
// `tma update` lab (tests/integration): prod and preprod WordPress trees of site `acme` made by the
// lab's make_wp_site (core 6.4.2 and three plugins, one update offered for each), served by the lab
// HTTP server like WordPress, an agency made by `tma init`, and an inventory reaching both trees
// with `transport: local` (or over an `ssh:` mapping).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/cms/wordpress_http.hpp>

#include "support/lab.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

namespace tma::test {

inline constexpr const char* k_actor = "Lab <lab@tma.invalid>";

// Prod and preprod of site `acme`: core 6.4.2 and three plugins, each with one update offered.
struct UpdateLab {
  tma::test::TempDir dir;
  std::string prod = dir.file("prod");
  std::string pre = dir.file("pre");
  std::string agency = dir.file("agency");
  std::unique_ptr<tma::test::LabHttp> http;
  /// When set (an inventory `ssh:` mapping), both environments are reached over it, not `transport: local`.
  std::string ssh;
  /// Appended to the inventory as top-level keys (e.g. a `notify:` section).
  std::string extra_yaml;
  /// More keys of site `acme`, indented by four spaces (e.g. a `visual:` block).
  std::string site_yaml;

  explicit UpdateLab(std::string ssh_target = "") : ssh(std::move(ssh_target)) {
    make_sites();
    http = std::make_unique<tma::test::LabHttp>(nlohmann::json{{"/prod/", {{"wp_root", prod}}}, {"/pre/", {{"wp_root", pre}}}});
    REQUIRE(tma({"init", agency}).exit_code == 0);
    write_inventory(true);
  }

  void make_sites() const {
    for (const auto& root : {prod, pre}) {
      auto made = tma::test::run_program(
          {std::string(TMA_LAB_DIR) + "/make_wp_site", root, "--core", "6.4.2", "--plugin", "akismet=5.0.2:active",
           "--plugin", "forms=1.0:active", "--plugin", "seo=2.0:active", "--theme", "twentytwentyfour=1.0:active",
           "--update", "core=6.4.2,6.4.3", "--update", "plugin:akismet=5.0.2,5.0.3", "--update",
           "plugin:forms=1.0,1.1", "--update", "plugin:seo=2.0,2.1"});
      INFO(made.err);
      REQUIRE(made.exit_code == 0);
    }
  }

  void write_inventory(bool with_preprod) const {
    auto env = [&](const std::string& name, const std::string& path, const std::string& root) {
      std::string reach = ssh.empty() ? std::string("transport: local") : "ssh: " + ssh;
      return fmt::format("      {}: {{url: \"{}\", {}, path: \"{}\", wp: \"{}\"}}\n", name, http->url(path), reach,
                         root, tma::test::lab_bin("wp"));
    };
    std::ofstream(agency + "/sites.yaml") << fmt::format(R"(version: 1
agency: {{name: Lab, timezone: Europe/Paris}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
storage:
  local: {{type: local, path: backups}}
defaults:
  backup: {{storage: local, keep: {{last: 5}}, schedule: "daily 02:30"}}
sites:
  acme:
    client: lab
    cms: wordpress
    environments:
{}{}{}{})",
                                                        env("prod", "/prod/", prod),
                                                        with_preprod ? env("preprod", "/pre/", pre) : "", site_yaml,
                                                        extra_yaml);
  }

  tma::test::Output tma(std::vector<std::string> args) const {
    if (args.front() != "init") args.insert(args.begin(), {"-i", agency + "/sites.yaml"});
    return tma::test::run_tma(args, {{"TMA_ACTOR", std::string(k_actor)}, {"http_proxy", std::nullopt},
                                     {"TMA_CACHE_DIR", dir.file("cache")}});
  }

  static std::string plugin(const std::string& root, const std::string& slug) {
    return tma::cms::wordpress_http::header_version(
        tma::test::read_file(root + "/wp-content/plugins/" + slug + "/" + slug + ".php"));
  }
  static std::string core(const std::string& root) {
    auto text = tma::test::read_file(root + "/wp-includes/version.php");
    auto at = text.find("$wp_version = '");
    return text.substr(at + 15, text.find('\'', at + 15) - at - 15);
  }
  static void lab_file(const std::string& root, const std::string& name, const std::string& text) {
    std::ofstream(root + "/.tma-lab/" + name) << text;
  }
  static bool maintenance(const std::string& root) { return std::filesystem::exists(root + "/.maintenance"); }
  static bool locked(const std::string& root) { return std::filesystem::exists(root + "/.tma-update.lock"); }

  nlohmann::json events(const std::string& type) const {
    auto out = tma({"journal", "--type", type, "-n", "500", "--format", "json"});
    REQUIRE(out.exit_code == 0);
    return nlohmann::json::parse(out.out)["events"];
  }
};

inline int count_type(const nlohmann::json& events, const std::string& type, const std::string& env = "") {
  int n = 0;
  for (const auto& e : events) {
    if (e["type"] == type && (env.empty() || e["env"] == env)) ++n;
  }
  return n;
}


} // namespace tma::test
