#include "support/run_tma.hpp"

#include "support/process.hpp"
#include "support/paths.hpp"

namespace tma::test {

Output run_tma(const std::vector<std::string>& args, const std::map<std::string, std::optional<std::string>>& env,
               const std::optional<std::string>& cwd) {
  std::vector<std::string> argv{TMA_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  // No test reaches the internet: unless a test decides about proxies itself, every request to a
  // public host goes to a proxy on the discard port, refused at once (the lab's loopback servers and
  // the reserved .invalid/.example/.test names bypass it and behave as without a proxy).
  auto guarded = env;
  if (guarded.count("https_proxy") == 0 && guarded.count("http_proxy") == 0) {
    guarded["https_proxy"] = "http://127.0.0.1:9";
    guarded["http_proxy"] = "http://127.0.0.1:9";
    guarded["no_proxy"] = "127.0.0.1,localhost,::1,invalid,example,test";
  }
  return run_program(argv, cwd, guarded);
}

} // namespace tma::test
