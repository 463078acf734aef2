#include "cli/failure_lines.hpp"

#include <fmt/format.h>

#include <tma/report/output.hpp>

namespace tma::cli {

std::string failure_line(const FailureLine& failure) {
  std::string message;
  for (char c : failure.message) {
    if (c == '\r') continue;
    if (c == '\n') {
      message += "; ";
    } else {
      message += c;
    }
  }
  while (message.size() >= 2 && message.compare(message.size() - 2, 2, "; ") == 0) message.resize(message.size() - 2);
  // Errors often carry their context already (`site www: prod: ...`): said once is enough.
  auto context = fmt::format("site {}: {}: ", failure.site, failure.env);
  if (!failure.env.empty() && message.rfind(context, 0) == 0) message.erase(0, context.size());
  return fmt::format("tma: {}{}: {}", failure.site, failure.env.empty() ? "" : " " + failure.env, message);
}

void print_failures(const std::vector<FailureLine>& failures) {
  for (const auto& failure : failures) report::eprint(failure_line(failure) + "\n");
}

} // namespace tma::cli
