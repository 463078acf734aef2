#pragma once
// Run a program (a lab stand-in such as tests/lab/bin/wp, or python3) directly from an argv vector,
// capturing stdout, stderr and the exit code; used by unit tests that check the stand-ins and the
// parsers agree.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tma::test {

struct ProgramResult {
  int exit_code = -1;     ///< exit status, or 128 + signal
  bool timed_out = false; ///< killed after `timeout`
  std::string out;
  std::string err;
};

struct ProgramOptions {
  std::map<std::string, std::optional<std::string>> env; ///< added to (nullopt: removed from) the environment
  std::optional<std::string> cwd;
  std::string stdin_text;
  std::chrono::milliseconds timeout{60000};
};

/// Spawn `argv` (argv[0] looked up in PATH) in its own process group; on timeout the group is killed.
ProgramResult run_program(const std::vector<std::string>& argv, const ProgramOptions& options = {});

/// A program left running for the duration of a test (a lab HTTP server); its process group is killed
/// at scope exit. stdout and stderr go to files in a private temp dir.
class Background {
public:
  Background(const std::vector<std::string>& argv, const ProgramOptions& options = {});
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  /// What the program printed on stdout so far.
  std::string out() const;
  /// Wait (up to `timeout`) until stdout contains `text`; false if it never did or the program exited.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

private:
  std::string m_dir;
  int m_pid = -1;
};

/// tests/lab/bin/<tool>.
std::string lab_bin(const std::string& tool);

} // namespace tma::test
