#pragma once
// Shared by `tma backup`, `tma backups` and `tma restore`: the services (transports, HTTP, journal,
// clock, zone) and formatting helpers.

#include <memory>
#include <string>
#include <vector>

#include <tma/backup/engine.hpp>
#include <tma/transport/ssh_transport.hpp>

#include "cli/common.hpp"

namespace tma::cli {

/// The real services of one invocation (the journal is the context's); `run` is opened by the caller.
class BackupServices {
public:
  explicit BackupServices(Context& context);
  backup::Services& services() { return m_services; }
  void attach(journal::Run& run) { m_services.run = &run; }

private:
  transport::ControlMasters m_masters;
  transport::CurlHttpClient m_http;
  backup::Services m_services;
};

/// The (site, env) pairs to work on: `--env`, else every site's first environment (prod first).
std::vector<inventory::Target> backup_targets(Context& context, const inventory::Selection& selection,
                                              inventory::EmptySelection empty);

/// `3d 4h`, `12m`, `40s`.
std::string human_age(std::chrono::seconds age);

} // namespace tma::cli
