#pragma once
// Run the built `tma` binary (end-to-end tests) and capture what it printed and its exit code.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tma::test {

struct Output {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Run `tma args...` with `env` added to (or, with nullopt, removed from) the current environment,
/// in `cwd` if given, stdin from /dev/null.
Output run_tma(const std::vector<std::string>& args,
               const std::map<std::string, std::optional<std::string>>& env = {},
               const std::optional<std::string>& cwd = std::nullopt);

} // namespace tma::test
