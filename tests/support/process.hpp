#pragma once
// Spawning programs from tests: the git CLI (allowed in tests only, as an independent checker),
// the built tma, and this test binary itself running one hidden helper test case.

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/run_tma.hpp"

namespace tma::test {

/// One child process: the single place tests spawn from (run_program, run_tma, Background, spawn).
struct SpawnSpec {
  std::vector<std::string> argv;                          ///< argv[0] looked up on PATH
  std::map<std::string, std::optional<std::string>> env;  ///< added to (nullopt: removed from) ours
  std::optional<std::string> cwd;
  std::string stdin_path;                                 ///< empty: /dev/null
  std::string out_path, err_path;                         ///< empty: /dev/null; the same path: one file
  bool own_group = false;                                 ///< its own process group, to kill it whole
};
/// Start `spec`; throws when it cannot be spawned.
pid_t start_process(const SpawnSpec& spec);

/// Run `argv` (argv[0] looked up on PATH) in `cwd`, wait, capture output.
Output run_program(const std::vector<std::string>& argv, const std::optional<std::string>& cwd = std::nullopt,
                   const std::map<std::string, std::optional<std::string>>& env = {});

/// `git -C dir args...` with a fixed test identity; REQUIREs nothing, returns the output.
Output git(const std::string& dir, const std::vector<std::string>& args);

/// Start `argv` in the background with `env` added, stdout/stderr to `err_path` (may be empty: /dev/null).
pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::optional<std::string>>& env,
            const std::string& err_path = {});

/// Start this test binary running only the hidden test case `test_name`.
pid_t spawn_helper(const std::string& test_name, const std::map<std::string, std::optional<std::string>>& env,
                   const std::string& err_path = {});

/// Wait for `pid`; its exit code, or 128 + signal.
int wait_for(pid_t pid);

} // namespace tma::test
