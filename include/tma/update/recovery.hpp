#pragma once
// What an update run leaves for the next one and for the hours ledger. Pure functions over journal
// events and pipeline results.

#include <tma/contract/record.hpp>
#include <tma/journal/journal.hpp>
#include <tma/update/pipeline.hpp>

#include <string>
#include <vector>

namespace tma::update {

/// Environments of `site` whose last `update.maintenance.on|off` event (by time, then journal order)
/// is `on`: a tma run was killed with maintenance mode on, and the next start must switch it off.
std::vector<std::string> maintenance_left_on(std::vector<journal::Event> events, const std::string& site);

/// `update: 2 updated (core 6.4.2 -> 6.5.3, plugin:akismet 5.3 -> 5.3.1), 1 rejected on preprod;
/// updated` — one line for the time entry.
std::string work_description(const SiteResult& result);

/// The non-billable `update` time entry for `result` (for contract::record_automatic).
contract::AutomaticWork automatic_work(const SiteResult& result, const std::string& client,
                                       core::SysSeconds started, core::SysSeconds finished);

} // namespace tma::update
