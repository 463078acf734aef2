// Disk full while the manifest is written (issue 16, item 10): the failed backup's directory goes
// at once, not at the next run. A 1 MiB tmpfs holds the backups; the custom method's command fills
// it, leaving exactly the one page its own artifact byte takes, so the manifest finds no room.
#include <catch2/catch.hpp>

#include <sys/mount.h>

#include <filesystem>

#include <fmt/format.h>

#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

TEST_CASE("disk full while writing the manifest: the backup directory is removed at once", "[integration][backup]") {
  tma::test::TempDir agency;
  auto init = tma::test::run_tma({"init", agency.path().string()});
  REQUIRE(init.exit_code == 0);
  auto backups = agency.file("backups");
  fs::create_directories(backups);
  if (::mount("tmpfs", backups.c_str(), "tmpfs", 0, "size=1m") != 0) {
    WARN("cannot mount a tmpfs here (not root?): case not run");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{backups};
  auto root = agency.file("site");
  fs::create_directories(root);
  // Once (while the flag file exists): reserve one page, fill the rest, free the page: the
  // artifact's one byte takes it and the manifest finds the disk full.
  auto flag = agency.write("fill-once", "");
  const char* fill = R"(if [ -e "$2" ]; then rm "$2"; head -c 4096 /dev/zero > "$1/reserve"; cat /dev/zero > "$1/filler" 2>/dev/null; rm "$1/reserve"; fi; printf x)";
  auto inventory = agency.write("sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab, timezone: Europe/Paris}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
storage: {{local: {{type: local, path: backups}}}}
sites:
  acme:
    client: lab
    cms: static
    backup: {{method: custom, keep: {{last: 3}}, commands: {{notes.txt: [sh, -c, '{}', sh, "{}", "{}"]}}}}
    environments:
      prod: {{url: "http://127.0.0.1:9/", transport: local, path: "{}"}}
)",
                                                          fill, backups, flag, root));
  std::map<std::string, std::optional<std::string>> env{{"TMA_ACTOR", "Lab <lab@tma.invalid>"}};
  auto out = tma::test::run_tma({"-i", inventory, "backup", "--site", "acme"}, env);
  INFO(out.out << out.err);
  CHECK(out.exit_code == 2);
  CHECK((out.out + out.err).find("No space left") != std::string::npos);
  // Nothing left under acme/prod: no backup, no leftover for the next run to find.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(backups + "/acme/prod")) left.push_back(e.path().filename().string());
  CHECK(left.empty());

  // With room again, the next run succeeds and reports no leftover.
  fs::remove(backups + "/filler");
  auto again = tma::test::run_tma({"-i", inventory, "backup", "--site", "acme"}, env);
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK((again.out + again.err).find("leftover") == std::string::npos);
}
