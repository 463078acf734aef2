#include "update/env_command.hpp"

#include <chrono>

namespace tma::update {

core::Result<std::string> run_env_command(transport::Transport& transport, const inventory::Environment& env,
                                          std::vector<std::string> argv, const std::string& what) {
  transport::Command command;
  command.argv = std::move(argv);
  command.timeout = std::chrono::duration_cast<transport::Milliseconds>(env.command_timeout);
  auto result = transport.run(command);
  if (auto error = result.error(what)) {
    return tl::unexpected(*error);
  }
  return result.out;
}

} // namespace tma::update
