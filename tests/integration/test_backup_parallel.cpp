// `tma backup --jobs N --per-host N`: sites go through the parallel runner, and the per-host limit
// holds for sites on one server. Two sites on the lab sshd whose `db export` waits at a barrier:
// each records whether the other site's dump was running at the same time.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/backup_lab.hpp"
#include "support/run_program.hpp"

using tma::test::BackupLab;

namespace {

// A wp whose `db export` marks itself running, waits up to `tenths`/10 s for another running
// dump, logs `<site> together|alone`, then runs the lab's export.
std::string barrier_wp(const BackupLab& lab, const std::string& site, int tenths) {
  auto dir = lab.agency.path().string();
  return lab.script("wp-" + site, fmt::format(R"SH(case "$*" in
  *"db export"*)
    touch '{dir}/running-{site}'
    i=0
    while [ "$i" -lt {tenths} ] && [ "$(ls '{dir}' | grep -c '^running-')" -lt 2 ]; do sleep 0.1; i=$((i+1)); done
    if [ "$(ls '{dir}' | grep -c '^running-')" -ge 2 ]; then echo '{site} together' >> '{dir}/overlap.log'
    else echo '{site} alone' >> '{dir}/overlap.log'; fi
    {wp} "$@"; code=$?
    rm -f '{dir}/running-{site}'
    exit $code ;;
  *) exec {wp} "$@" ;;
esac
)SH",
                                              fmt::arg("dir", dir), fmt::arg("site", site),
                                              fmt::arg("tenths", tenths), fmt::arg("wp", tma::test::lab_bin("wp"))));
}

void write_two_sites(const BackupLab& lab, int tenths) {
  auto ssh = fmt::format("{{target: {}@127.0.0.1:{}, identity_file: {}, known_hosts: {}, connect_timeout: 5s}}",
                         lab.sshd.user(), lab.sshd.port(), lab.sshd.identity(), lab.sshd.known_hosts());
  std::string sites;
  for (std::string site : {"one", "two"}) {
    sites += fmt::format("  {}:\n    client: lab\n    cms: wordpress\n    environments:\n"
                         "      prod: {{url: \"http://127.0.0.1:9/\", ssh: {}, path: \"{}\", wp: \"{}\"}}\n",
                         site, ssh, lab.prod_root, barrier_wp(lab, site, tenths));
  }
  lab.agency.write("sites.yaml", "version: 1\nagency: {name: Lab, timezone: Europe/Paris}\nclients:\n"
                                 "  lab: {name: Lab, contract: {model: on_demand, rate: 90}}\n"
                                 "storage: {local: {type: local, path: backups}}\n"
                                 "defaults:\n  backup: {storage: local, keep: {last: 3}, paths: [wp-content/uploads]}\n"
                                 "sites:\n" + sites);
}

std::vector<std::string> overlap_lines(const BackupLab& lab) {
  std::ifstream in(lab.agency.file("overlap.log"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

} // namespace

TEST_CASE("tma backup --jobs and --per-host bound the sites backed up at once", "[integration][backup]") {
  BackupLab lab;
  SECTION("--jobs 2 --per-host 2: both dumps run together") {
    write_two_sites(lab, 300); // the barrier waits up to 30 s for the other site
    auto out = lab.tma({"backup", "--all", "--jobs", "2", "--per-host", "2", "--format", "json"});
    INFO(out.out << out.err);
    REQUIRE(out.exit_code == 0);
    CHECK(overlap_lines(lab) == std::vector<std::string>{"one together", "two together"});
    auto backups = nlohmann::json::parse(out.out).at("backups");
    REQUIRE(backups.size() == 2);
    CHECK(backups.at(0).at("site") == "one");
    CHECK(backups.at(1).at("site") == "two");
    CHECK(backups.at(0).at("ok") == true);
    CHECK(backups.at(1).at("ok") == true);
  }
  SECTION("--jobs 2 --per-host 1: one site of the server at a time") {
    write_two_sites(lab, 20); // 2 s alone, then the dump goes on
    auto out = lab.tma({"backup", "--all", "--jobs", "2", "--per-host", "1"});
    INFO(out.out << out.err);
    REQUIRE(out.exit_code == 0);
    CHECK(overlap_lines(lab) == std::vector<std::string>{"one alone", "two alone"});
  }
  SECTION("the default is one site at a time") {
    write_two_sites(lab, 20);
    auto out = lab.tma({"backup", "--all"});
    INFO(out.out << out.err);
    REQUIRE(out.exit_code == 0);
    CHECK(overlap_lines(lab) == std::vector<std::string>{"one alone", "two alone"});
  }
  SECTION("out-of-range values are usage errors") {
    write_two_sites(lab, 1);
    CHECK(lab.tma({"backup", "--all", "--per-host", "0"}).exit_code == 64);
    CHECK(lab.tma({"backup", "--all", "--jobs", "65"}).exit_code == 64);
  }
}
