#pragma once
// One CMS command on one environment, shared by the CMS adapters (WordPress, Drupal).

#include <tma/cms/component.hpp>
#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/transport.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tma::cms {

/// Run `argv` through `transport` with the environment's command timeout; stdout on success, else
/// the transport's error naming `what`.
core::Result<std::string> run_env_command(transport::Transport& transport, const inventory::Environment& env,
                                          std::vector<std::string> argv, const std::string& what);

/// An error when `name` or `version` has a shape the CMS does not allow (cms/names.hpp), checked
/// again right before they reach the tool's argv, whatever path chose them.
std::optional<core::Error> refused_name(cms::ComponentKind kind, const std::string& name, const std::string& version);

} // namespace tma::cms
