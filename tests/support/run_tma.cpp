#include "support/run_tma.hpp"

#include "support/process.hpp"
#include "support/paths.hpp"

namespace tma::test {

Output run_tma(const std::vector<std::string>& args, const std::map<std::string, std::optional<std::string>>& env,
               const std::optional<std::string>& cwd) {
  std::vector<std::string> argv{TMA_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, cwd, env);
}

} // namespace tma::test
