#include "cms/run_command.hpp"

#include <chrono>

#include <tma/cms/names.hpp>

namespace tma::cms {

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

std::optional<core::Error> refused_name(cms::ComponentKind kind, const std::string& name, const std::string& version) {
  cms::Component component;
  component.kind = kind;
  component.name = name;
  component.latest = version;
  if (version.empty()) return core::Error{core::ErrorKind::cms, "refused: no version to install for " + name};
  auto reason = cms::refusal_reason(component);
  if (!reason) return std::nullopt;
  return core::Error{core::ErrorKind::cms, "refused to update " + name + ": " + *reason};
}

} // namespace tma::cms
