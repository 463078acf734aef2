#pragma once
// Failures also go to stderr: the multi-site commands print their result (table, JSON, ...) on
// stdout and, whatever --format, one line per failed or unreachable target on stderr, so a cron
// job that discards stdout still logs which sites went wrong (docs/cli.md, "Failures on stderr").

#include <string>
#include <vector>

namespace tma::cli {

/// One failed or unreachable target. `env` may be empty (a site-level failure of `tma update`).
struct FailureLine {
  std::string site;
  std::string env;
  std::string message;
};

/// `tma: <site> <env>: <message>` for each failure, on stderr (redacted and escaped by
/// report::eprint); a message's newlines become `; ` so one failure stays one line.
void print_failures(const std::vector<FailureLine>& failures);

/// The line `print_failures` writes for `failure` (without the newline).
std::string failure_line(const FailureLine& failure);

} // namespace tma::cli
