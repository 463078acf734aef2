// The progress line of `tma backup` on a terminal (docs/backup.md, "Progress"): run under script(1),
// which gives tma a pseudo-terminal, with a custom backup command that takes its time.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "support/paths.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

namespace {

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Agency {
  tma::test::TempDir dir;
  std::string root = dir.file("agency");
  std::map<std::string, std::optional<std::string>> env{{"TMA_INVENTORY", std::nullopt},
                                                        {"TMA_ACTOR", "Tester <tester@tma.invalid>"},
                                                        {"NO_COLOR", "1"}};

  Agency() {
    REQUIRE(tma::test::run_tma({"init", root}, env, dir.path().string()).exit_code == 0);
    // 3 MiB, a pause long enough for the line to be drawn with a rate, then 3 MiB more.
    std::ofstream(root + "/sites.yaml") << R"(agency: {timezone: Europe/Paris}
clients:
  a: {contract: {model: on_demand, rate: 90}}
sites:
  slow:
    client: a
    cms: static
    environments:
      prod: {url: "http://127.0.0.1:9", transport: local, path: "/tmp"}
    backup:
      method: custom
      commands: {blob: [sh, -c, "head -c 3145728 /dev/zero; sleep 1.5; head -c 3145728 /dev/zero"]}
)";
  }

  // `tma -i sites.yaml ARGS` with stdout and stderr on a pseudo-terminal; what the terminal got.
  tma::test::ProgramResult on_terminal(const std::vector<std::string>& args) const {
    std::string command = quoted(TMA_BINARY) + " -i " + quoted(root + "/sites.yaml");
    for (const auto& a : args) command += " " + quoted(a);
    tma::test::ProgramOptions options;
    options.env = env;
    options.cwd = root;
    return tma::test::run_program({"script", "-qec", command, "/dev/null"}, options);
  }
};

} // namespace

TEST_CASE("tma backup on a terminal shows the phase bytes rate and then an ETA", "[e2e]") {
  Agency a;
  auto first = a.on_terminal({"backup", "--site", "slow"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find("\r\033[K[0/1] · slowest: slow/prod ") != std::string::npos);
  CHECK(first.out.find("s · transfer blob 3.0 MiB at ") != std::string::npos);
  CHECK(first.out.find("ETA") == std::string::npos); // no earlier backup: no size to aim at
  CHECK(first.out.find("\r\033[K") < first.out.find("SITE  ENV")); // erased before the table

  // The second backup knows the size from the first one.
  auto second = a.on_terminal({"backup", "--site", "slow"});
  INFO(second.out);
  REQUIRE(second.exit_code == 0);
  CHECK(second.out.find(", ETA ") != std::string::npos);

  // -q, or stderr not a terminal: no progress line.
  auto quiet = a.on_terminal({"-q", "backup", "--site", "slow"});
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.out.find("\033[K") == std::string::npos);
  auto piped = tma::test::run_tma({"-i", a.root + "/sites.yaml", "backup", "--site", "slow"}, a.env, a.root);
  CHECK(piped.exit_code == 0);
  CHECK(piped.err.find("\033[K") == std::string::npos);
}
