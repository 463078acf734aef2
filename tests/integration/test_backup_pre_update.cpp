// Pre-update backups stay out of normal retention until the next successful update
// (docs/backup.md, "Pre-update backups"): retention after each backup spares them, and once
// `tma update` marks a later one completed, `tma backup prune` lets the older ones go.
#include <catch2/catch.hpp>

#include <thread>

#include <tma/backup/engine.hpp>
#include <tma/backup/store.hpp>

#include "support/backup_lab.hpp"
#include "support/run_program.hpp"

using namespace std::chrono_literals;
using tma::test::BackupLab;

TEST_CASE("pre-update backups are kept until the next successful update", "[integration][backup][update]") {
  BackupLab lab;
  lab.write_inventory(tma::test::lab_bin("wp"), "{last: 1}");
  for (const char* kind : {"pre-update", "pre-update", "manual"}) {
    std::this_thread::sleep_for(1100ms); // distinct ids (one per second)
    auto out = lab.tma({"backup", "--site", "acme", "--kind", kind});
    INFO(out.out << out.err);
    REQUIRE(out.exit_code == 0);
  }
  // `last 1` after each backup would have left one; both pre-update backups survived it.
  auto ids = lab.listed(); // newest first: manual, second pre-update, first pre-update
  REQUIRE(ids.size() == 3);

  auto dry = lab.tma({"backup", "prune", "--site", "acme", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("keep     " + ids[0] + "  last #1") != std::string::npos);
  CHECK(dry.out.find("keep     " + ids[1] + "  pre-update, kept until the next successful update") !=
        std::string::npos);
  CHECK(dry.out.find("keep     " + ids[2] + "  pre-update, kept until the next successful update") !=
        std::string::npos);

  // What `tma update` does when prod ended `updated`: mark that run's pre-update backup.
  tma::backup::LocalStore store(lab.backups_dir());
  auto second = tma::backup::find_backup(store, "acme", "prod", ids[1]);
  REQUIRE(second);
  auto manifest = second->manifest;
  manifest.update_outcome = "updated";
  REQUIRE(store.write_manifest("acme", "prod", manifest));

  auto after = lab.tma({"backup", "prune", "--site", "acme", "--dry-run"});
  INFO(after.out << after.err);
  CHECK(after.exit_code == 0);
  CHECK(after.out.find("keep     " + ids[1] + "  pre-update, kept until the next successful update") !=
        std::string::npos);
  CHECK(after.out.find("would remove " + ids[2]) != std::string::npos);
  CHECK(lab.listed() == ids); // a dry run removes nothing
  REQUIRE(lab.tma({"backup", "prune", "--site", "acme"}).exit_code == 0);
  CHECK(lab.listed() == std::vector<std::string>{ids[0], ids[1]});
}
