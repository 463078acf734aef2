#pragma once
// One CMS command on one environment, shared by the update adapters (WordPress, Drupal).

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/transport.hpp>

#include <string>
#include <vector>

namespace tma::update {

/// Run `argv` through `transport` with the environment's command timeout; stdout on success, else
/// the transport's error naming `what`.
core::Result<std::string> run_env_command(transport::Transport& transport, const inventory::Environment& env,
                                          std::vector<std::string> argv, const std::string& what);

} // namespace tma::update
